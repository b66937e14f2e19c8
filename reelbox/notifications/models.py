"""In-app notifications, grouped when written.

One row is one line in the list: "A and 12 others liked your video" is one
Notification with 13 NotificationActor rows. A new event joins the newest
unread row with the same recipient, verb and target written within
``GROUP_WINDOW``; otherwise it starts a new row. ``sort_us`` (microseconds,
bumped on every join) orders the list and is half of the cursor.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

USER = settings.AUTH_USER_MODEL


class Verb(models.TextChoices):
    LIKE = "like", "like"
    COMMENT = "comment", "comment"
    REPLY = "reply", "reply"
    MENTION = "mention", "mention"
    FOLLOW = "follow", "follow"
    FOLLOW_REQUEST = "follow_request", "follow_request"
    FOLLOW_APPROVED = "follow_approved", "follow_approved"
    MESSAGE = "message", "message"
    DUET = "duet", "duet"
    STITCH = "stitch", "stitch"


class Notification(models.Model):
    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    # The latest actor of the group (shown first).
    actor = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    verb = models.CharField(max_length=20, choices=Verb.choices)
    video = models.ForeignKey("videos.Video", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey("social.Comment", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Messaging imports notifications, not the other way round: a plain id keeps the apps apart.
    conversation_id = models.BigIntegerField(null=True, blank=True)
    actor_count = models.PositiveIntegerField(default=1)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sort_us = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "-sort_us", "-id"], name="notif_recipient_list"),
            models.Index(fields=["recipient", "verb", "read_at"], name="notif_recipient_group",
                         condition=Q(read_at__isnull=True)),
        ]


class NotificationActor(models.Model):
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="actors")
    actor = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notification", "actor"], name="notif_actor_unique")]


class NotificationPreference(models.Model):
    """Per-type switches; no row means everything on."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="+", primary_key=True)
    like = models.BooleanField(default=True)
    comment = models.BooleanField(default=True)
    reply = models.BooleanField(default=True)
    mention = models.BooleanField(default=True)
    follow = models.BooleanField(default=True)
    follow_request = models.BooleanField(default=True)
    follow_approved = models.BooleanField(default=True)
    message = models.BooleanField(default=True)
    duet = models.BooleanField(default=True)
    stitch = models.BooleanField(default=True)
