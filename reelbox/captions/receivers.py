"""Receivers of the video pipeline's signals: quick, never raising, real work queued as tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction


def on_video_saved(video, created: bool = False, language_set: bool = False, **kwargs) -> None:
    from reelbox.captions.actions import detect_language_later
    from reelbox.captions.models import VideoLanguageChoice

    if language_set:
        # The creator chose (or cleared, "") the language: detection must not override a choice.
        VideoLanguageChoice.objects.update_or_create(video_id=video.pk, defaults={"language": video.language})
    transaction.on_commit(lambda: detect_language_later(video.pk))


def on_video_processed(video, **kwargs) -> None:
    """Automatic captions for every processed video when the operator turned them on (REELBOX_AUTO_CAPTIONS)."""
    from reelbox.captions import asr
    from reelbox.captions.models import AutoCaptionJob
    from reelbox.captions.tasks import auto_caption

    if not settings.REELBOX["AUTO_CAPTIONS"] or not asr.available():
        return
    AutoCaptionJob.objects.get_or_create(video_id=video.pk)
    transaction.on_commit(lambda: auto_caption.enqueue(video.pk))
