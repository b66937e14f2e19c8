"""Who follows, blocks and mutes whom; likes, bookmarks, shares and comments on videos.

Every pair table has a unique constraint: the database, not a read-then-write,
is what makes a second like or follow impossible, and the counters beside them
are changed only in the transaction that inserted or deleted a row.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from reelbox.videos.models import Moderation

USER = settings.AUTH_USER_MODEL


class Follow(models.Model):
    class Status(models.TextChoices):
        ACCEPTED = "accepted", "accepted"
        # A request to a private account, waiting for its owner.
        PENDING = "pending", "pending"

    follower = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    followee = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACCEPTED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_unique_pair"),
            models.CheckConstraint(condition=~Q(follower=models.F("followee")), name="follow_not_self"),
        ]
        indexes = [
            models.Index(fields=["followee", "status", "-id"], name="follow_followee_list"),
            models.Index(fields=["follower", "status", "-id"], name="follow_follower_list"),
        ]


class Block(models.Model):
    blocker = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    blocked = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique_pair")]
        indexes = [models.Index(fields=["blocked"], name="block_blocked")]


class Mute(models.Model):
    muter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    muted = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["muter", "muted"], name="mute_unique_pair")]


class Like(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "video"], name="like_unique_pair")]
        indexes = [models.Index(fields=["video"], name="like_video")]


class Bookmark(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "video"], name="bookmark_unique_pair")]
        indexes = [models.Index(fields=["user", "-id"], name="bookmark_user_list")]


class Share(models.Model):
    class Channel(models.TextChoices):
        LINK = "link", "link"
        NATIVE = "native", "native"
        EMBED = "embed", "embed"
        OTHER = "other", "other"
        # Sent into a direct message (reelbox.messaging).
        MESSAGE = "message", "message"

    # Anonymous viewers share too; the count is what matters.
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["video"], name="share_video")]


class Comment(models.Model):
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    # One level deep: a reply's parent is always a top-level comment.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    # Plain text, escaped wherever it is shown; never marked safe.
    text = models.TextField()
    like_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    is_pinned = models.BooleanField(default=False)
    moderation = models.CharField(max_length=16, choices=Moderation.choices, default=Moderation.APPROVED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # At most one pinned comment per video, enforced by the database.
            models.UniqueConstraint(fields=["video"], condition=Q(is_pinned=True), name="comment_one_pinned"),
        ]
        indexes = [
            models.Index(fields=["video", "parent", "-id"], name="comment_video_newest"),
            models.Index(fields=["video", "parent", "-like_count", "-id"], name="comment_video_top"),
            models.Index(fields=["parent", "id"], name="comment_replies"),
        ]


class CommentLike(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "comment"], name="comment_like_unique_pair")]


class Mention(models.Model):
    """A user named with @ in a comment; what notifications will read."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="mention_unique_pair")]
