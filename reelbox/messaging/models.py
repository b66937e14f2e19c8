"""Direct messages: conversations of 2 to 12 people, their members and messages.

Bodies are stored encrypted (``reelbox.messaging.crypto``); ``data_key`` is
the conversation's data key wrapped by the server key named ``key_id``.
"""

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL
MAX_MEMBERS = 12


class Conversation(models.Model):
    is_group = models.BooleanField(default=False)
    title = models.CharField(max_length=80, blank=True)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    # "<smaller user id>:<larger>" for a one-to-one conversation, so two people have exactly one.
    pair_key = models.CharField(max_length=41, null=True, blank=True, unique=True)
    data_key = models.BinaryField()
    key_id = models.CharField(max_length=16)
    last_message_id = models.BigIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Member(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    # Read receipt: the newest message id this member has read.
    last_read_id = models.BigIntegerField(default=0)
    read_at = models.DateTimeField(null=True, blank=True)
    # Groups: admins may remove people (the creator first; the longest-standing member when the last one leaves).
    is_admin = models.BooleanField(default=False)
    # Someone added to a group reads only what was written after they joined: messages with a larger id.
    since_id = models.BigIntegerField(default=0)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="member_unique_pair")]
        indexes = [models.Index(fields=["user", "conversation"], name="member_user"),
                   models.Index(fields=["conversation", "read_at"], name="member_read")]


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    sender = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    # version | nonce | AES-GCM ciphertext of the text; never plaintext.
    body = models.BinaryField()
    # A shared video, shown to each reader only if they may see it.
    video = models.ForeignKey("videos.Video", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["conversation", "-id"], name="message_history")]
