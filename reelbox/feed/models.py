from django.conf import settings
from django.db import models


class Event(models.Model):
    """What the player saw: append-only, the recommender's and analytics' raw input."""

    class Type(models.IntegerChoices):
        IMPRESSION = 1, "impression"
        PLAY = 2, "play"
        PROGRESS = 3, "progress"
        COMPLETE = 4, "complete"
        SKIP = 5, "skip"
        REPLAY = 6, "replay"

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+", db_constraint=False)
    device_id = models.CharField(max_length=64, blank=True)
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    type = models.PositiveSmallIntegerField(choices=Type.choices)
    watch_ms = models.PositiveIntegerField(default=0)
    client_ts = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "created_at"], name="event_user_time"),
            models.Index(fields=["device_id", "created_at"], name="event_device_time"),
            models.Index(fields=["video", "created_at"], name="event_video_time"),
        ]
