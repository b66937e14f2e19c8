from django.db import models
from django.utils.translation import gettext_lazy as _

from reelbox.videos.models import Video


class CaptionTrack(models.Model):
    """One language of a video's captions; the WebVTT text is in storage (``path``), served through the API."""

    class Kind(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded by the creator")
        AUTO = "auto", _("automatic")

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="caption_tracks")
    language = models.CharField(max_length=16)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.UPLOADED)
    path = models.CharField(max_length=300)
    cue_count = models.PositiveIntegerField(default=0)
    # The words of the track, for language detection and search.
    text = models.TextField(blank=True)
    edited = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["video", "language"], name="caption_track_unique_language")]
        ordering = ["language"]


class AutoCaptionJob(models.Model):
    """Where automatic captions of a video stand, so the creator's page can say so."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    video = models.OneToOneField(Video, on_delete=models.CASCADE, related_name="auto_caption_job")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class Translation(models.Model):
    """A cached machine translation: the same text in the same pair is translated once."""

    digest = models.CharField(max_length=64, help_text="SHA-256 of the source text")
    source_language = models.CharField(max_length=16)
    target_language = models.CharField(max_length=16)
    backend = models.CharField(max_length=32)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["digest", "source_language", "target_language"],
                                               name="translation_unique_pair")]


class VideoLanguageChoice(models.Model):
    """The language a creator set for a video: detection never overrides it (Video.language holds the value)."""

    video = models.OneToOneField(Video, on_delete=models.CASCADE, related_name="language_choice")
    language = models.CharField(max_length=16, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
