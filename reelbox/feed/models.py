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
    # The viewer's country when the event arrived (their setting, else Accept-Language; reelbox.core.regions),
    # "" when unknown: a play counts toward that region's trends.
    region = models.CharField(max_length=2, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["user", "created_at"], name="event_user_time"),
            models.Index(fields=["device_id", "created_at"], name="event_device_time"),
            models.Index(fields=["video", "created_at"], name="event_video_time"),
        ]


class Feedback(models.Model):
    """What a viewer told the feed about itself: not interested, fewer from a creator, interests removed or reset.

    Append-only like Event, and read back (latest first) whenever the viewer's interests are rebuilt, so it
    takes effect on the very next page in every web process.
    """

    class Kind(models.IntegerChoices):
        NOT_INTERESTED = 1, "not_interested"
        FEWER_FROM_CREATOR = 2, "fewer_from_creator"
        INTEREST_REMOVED = 3, "interest_removed"
        INTERESTS_RESET = 4, "interests_reset"

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", db_constraint=False)
    device_id = models.CharField(max_length=64, blank=True)
    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    video = models.ForeignKey("videos.Video", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The creator's user id for fewer_from_creator, "kind:value" for interest_removed.
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "created_at"], name="feedback_user_time"),
            models.Index(fields=["device_id", "created_at"], name="feedback_device_time"),
        ]


class RecModel(models.Model):
    """One trained recommender version. The newest row is the one web processes serve; the file lives in
    the model store (reelbox.feed.recommender), never in the public media storage."""

    version = models.CharField(max_length=100, unique=True)
    path = models.CharField(max_length=300)
    n_events = models.PositiveBigIntegerField(default=0)
    n_items = models.PositiveIntegerField(default=0)
    n_viewers = models.PositiveIntegerField(default=0)
    # Newest Event id included, so the scheduler retrains only when something new happened.
    last_event_id = models.BigIntegerField(default=0)
    fit_seconds = models.FloatField(default=0.0)
    created_at = models.DateTimeField(db_index=True)
