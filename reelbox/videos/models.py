from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reelbox.core.ids import public_id


class Moderation(models.TextChoices):
    """What review decided about a piece of content (videos, comments). Set only by the moderation domain."""

    PENDING = "pending", _("in review")
    APPROVED = "approved", _("approved")
    HELD = "held", _("held for review")
    AGE_RESTRICTED = "age_restricted", _("age-restricted")
    LIMITED = "limited", _("limited reach")
    BLOCKED = "blocked", _("blocked")
    REMOVED = "removed", _("removed")


class Video(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        PROCESSING = "processing", _("processing")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Everyone")
        FOLLOWERS = "followers", _("Followers")
        PRIVATE = "private", _("Only me")

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos")
    caption = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED, db_index=True)
    error_code = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)

    # Storage paths. ``media_prefix`` holds a random segment so that media URLs
    # cannot be guessed from the public id.
    source_path = models.CharField(max_length=300, blank=True)
    source_size = models.BigIntegerField(default=0)
    media_prefix = models.CharField(max_length=200)
    poster_path = models.CharField(max_length=300, blank=True)
    strip_path = models.CharField(max_length=300, blank=True)
    hls_path = models.CharField(max_length=300, blank=True)

    duration = models.FloatField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    # What the upload's probe found (reelbox.media.probe.ProbeResult), so the transcode need not decode the
    # source's first frames again: 0.3 s for a 17 Mbit/s 1080p phone clip, ahead of the first playable rendition.
    probe = models.JSONField(null=True, blank=True, editable=False)

    # Denormalised counters, kept by the events domain, so feeds never count rows.
    view_count = models.PositiveBigIntegerField(default=0)
    watch_ms_total = models.PositiveBigIntegerField(default=0)
    # Kept exact by social.actions: F() increments in the transaction that
    # inserts (or deletes) the row, whose unique constraint forbids duplicates.
    like_count = models.PositiveBigIntegerField(default=0)
    comment_count = models.PositiveBigIntegerField(default=0)
    share_count = models.PositiveBigIntegerField(default=0)

    # Per-video privacy, narrowing (never widening) the author's account settings.
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    comments_enabled = models.BooleanField(default=True)
    allow_duet = models.BooleanField(default=True)
    allow_stitch = models.BooleanField(default=True)

    moderation = models.CharField(max_length=16, choices=Moderation.choices, default=Moderation.APPROVED,
                                  db_index=True)
    # BCP 47 tag ("en", "zh-hans", "ar"), set by the creator or detected; blank when unknown.
    language = models.CharField(max_length=16, blank=True, db_index=True)
    # The creator's country when it was posted (User.region, set by actions.create_video); "" when unknown.
    # A new post counts toward that region's trends.
    region = models.CharField(max_length=2, blank=True, default="")

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    # Crash safety: a job beats this while it works; a stale beat means its
    # worker died and the job must run again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["status", "-created_at"], name="video_status_newest"),
            models.Index(fields=["status", "-view_count"], name="video_status_popular"),
            models.Index(fields=["author", "-created_at"], name="video_author_newest"),
        ]

    def __str__(self) -> str:
        return self.public_id


class Rendition(models.Model):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="renditions")
    height = models.PositiveSmallIntegerField(help_text="ladder rung: the short side in pixels")
    width_px = models.PositiveIntegerField()
    height_px = models.PositiveIntegerField()
    bitrate = models.PositiveIntegerField(help_text="bits per second, measured")
    peak_bitrate = models.PositiveIntegerField(null=True, blank=True, help_text="peak segment bits per second")
    codecs = models.CharField(max_length=64, blank=True, help_text="RFC 6381 codecs string")
    mp4_path = models.CharField(max_length=300)
    hls_path = models.CharField(max_length=300)
    size = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["video", "height"], name="rendition_unique_rung")]
        ordering = ["-height"]


class Upload(models.Model):
    """A tus resumable upload in progress; its bytes live in a local staging file."""

    public_id = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads")
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    metadata = models.JSONField(default=dict)
    video = models.OneToOneField(Video, null=True, blank=True, on_delete=models.SET_NULL, related_name="upload")
    error_code = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)


class AudienceChange(models.Model):
    """Something that may move videos in or out of ``queries.recommendable()`` happened: a video's status,
    visibility or moderation changed or it was deleted (``video_id``), or an account's activity or privacy
    changed or it was deleted (``author_id``).

    Written only by database triggers (``reelbox.videos.audience``), so no write path can skip it: the ORM,
    a bulk ``update()``, the admin and raw SQL alike. Web processes follow it to keep their copy of who may be
    recommended exact without expiring it (``reelbox.feed.withheld``). Not foreign keys: the row outlives a
    deleted video or account. Rows older than ``audience.KEEP`` are pruned by the worker's sweep.
    """

    video_id = models.BigIntegerField(null=True)
    author_id = models.BigIntegerField(null=True)
    at = models.DateTimeField(db_index=True)
    # PostgreSQL: the writing transaction's id. Ids are taken when rows are written and become visible when
    # their transactions commit, so followers also read rows of transactions that were still running at their
    # last read (``audience.horizon``). Null on SQLite, which commits one writer at a time, in id order.
    txid = models.BigIntegerField(null=True, db_index=True)
