from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reelbox.core.ids import public_id


class Sound(models.Model):
    """A piece of audio videos can use: a video's original sound, or a curated library track."""

    class Kind(models.TextChoices):
        ORIGINAL = "original", _("original sound")
        LIBRARY = "library", _("library track")

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    title = models.CharField(max_length=200)
    artist = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ORIGINAL, db_index=True)
    # The uploader of an original sound; null for library tracks (and once the uploader is gone).
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="sounds")
    licence = models.CharField(max_length=200, blank=True)
    audio_path = models.CharField(max_length=300, blank=True, help_text="storage path of the normalised audio")
    duration = models.FloatField(default=0)
    fingerprint = models.BinaryField(blank=True, default=b"")
    # Kept exact: F() increments in the transaction that links a video to the sound.
    use_count = models.PositiveBigIntegerField(default=0, db_index=True)
    source_video = models.ForeignKey("videos.Video", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "-use_count"], name="sound_kind_popular")]

    def __str__(self) -> str:
        return self.title


class VideoSound(models.Model):
    """The sound a video uses: its own extracted audio, or the one chosen in the studio."""

    video = models.OneToOneField("videos.Video", on_delete=models.CASCADE, related_name="sound_link")
    sound = models.ForeignKey(Sound, on_delete=models.CASCADE, related_name="video_links")
    created_at = models.DateTimeField(auto_now_add=True)


class Remix(models.Model):
    """A published duet or stitch and the video it answers (kept, as null, if that one is deleted)."""

    class Kind(models.TextChoices):
        DUET = "duet", _("duet")
        STITCH = "stitch", _("stitch")

    video = models.OneToOneField("videos.Video", on_delete=models.CASCADE, related_name="remix")
    source_video = models.ForeignKey("videos.Video", null=True, on_delete=models.SET_NULL, related_name="remixes")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Set when the original's creator was told (once the remix is watchable); jobs may run twice.
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Draft(models.Model):
    """A video being made in the studio: source clips in storage, a recipe, and where rendering stands.

    ``base_path`` is the clip the recipe applies to: the upload itself for an edit, the composed clip for a
    duet or stitch, the beat-cut clip for a montage (those two are rendered by a task after creation).
    """

    class Kind(models.TextChoices):
        EDIT = "edit", _("edit")
        DUET = "duet", _("duet")
        STITCH = "stitch", _("stitch")
        MONTAGE = "montage", _("auto-edit")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        RENDERING = "rendering", _("rendering")
        SCHEDULED = "scheduled", _("scheduled")
        PUBLISHING = "publishing", _("publishing")
        PUBLISHED = "published", _("published")
        FAILED = "failed", _("failed")

    class Layout(models.TextChoices):
        SIDE = "side", _("side by side")
        TOP = "top", _("top and bottom")

    public_id = models.CharField(max_length=16, unique=True, default=public_id, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EDIT)
    # Storage prefix holding every file of the draft (random segment: URLs cannot be guessed).
    media_prefix = models.CharField(max_length=200)
    clips = models.JSONField(default=list, help_text="uploaded clips: [{path, duration, has_audio}]")
    base_path = models.CharField(max_length=300, blank=True)
    # A 360p copy of the base clip: previews decode it instead of a phone's 1080p original (several times faster).
    proxy_path = models.CharField(max_length=300, blank=True)
    duration = models.FloatField(default=0, help_text="of the base clip, seconds")
    has_audio = models.BooleanField(default=True)
    recipe = models.JSONField(default=dict)
    caption = models.TextField(blank=True)
    visibility = models.CharField(max_length=10, default="public")
    source_video = models.ForeignKey("videos.Video", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    layout = models.CharField(max_length=6, choices=Layout.choices, default=Layout.SIDE)
    stitch_start = models.FloatField(default=0)
    stitch_end = models.FloatField(default=5)
    sound = models.ForeignKey(Sound, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    seed = models.PositiveIntegerField(default=0, help_text="montage plan seed; a re-roll bumps it")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    error_code = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    preview_path = models.CharField(max_length=300, blank=True)
    preview_recipe = models.JSONField(null=True, blank=True, help_text="the recipe the preview shows")
    cover_path = models.CharField(max_length=300, blank=True)
    publish_at = models.DateTimeField(null=True, blank=True)
    result_video = models.OneToOneField("videos.Video", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="draft")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="draft_owner_recent"),
            models.Index(fields=["status", "publish_at"], name="draft_due"),
        ]

    def __str__(self) -> str:
        return self.public_id
