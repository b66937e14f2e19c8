"""Background jobs for captions: a video's language, automatic captions. Idempotent: safe to run twice."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import transaction
from django_tasks import task

from reelbox.captions import actions, asr
from reelbox.captions.models import AutoCaptionJob, CaptionTrack
from reelbox.videos import storage
from reelbox.videos.models import Video

log = logging.getLogger("reelbox.captions")


@task(queue_name="default")
def detect_video_language(video_pk: int) -> str:
    video = Video.objects.filter(pk=video_pk).first()
    if video is None:
        return ""
    language = actions.detected_language(video)
    if language:
        actions.set_language(video, language, by_creator=False)
    return video.language


@task(queue_name="transcode")
def auto_caption(video_pk: int) -> str:
    """Recognise the speech of a ready video into a WebVTT track in the model's language.

    A track the creator uploaded or edited in that language is theirs: it is never overwritten.
    """
    with transaction.atomic():
        job = AutoCaptionJob.objects.select_for_update().filter(video_id=video_pk).first()
        if job is None or job.status == AutoCaptionJob.Status.DONE:
            return "nothing to do"
        job.status = AutoCaptionJob.Status.RUNNING
        job.save(update_fields=["status", "updated_at"])
    video = Video.objects.filter(pk=video_pk, status=Video.Status.READY).first()
    if video is None or not video.source_path:
        return _finish(job, AutoCaptionJob.Status.FAILED, "the video is not ready")
    if not asr.available():
        return _finish(job, AutoCaptionJob.Status.FAILED, "the captions extra is not installed")
    started = time.monotonic()
    try:
        with storage.local_copy(video.source_path) as source:
            cues, language = asr.transcribe(source, threads=settings.REELBOX["FFMPEG_THREADS"] or 2)
    except Exception as exc:  # a broken file or model must not loop the job
        log.exception("auto captions failed for video %s", video.public_id)
        return _finish(job, AutoCaptionJob.Status.FAILED, str(exc)[:500])
    seconds = time.monotonic() - started
    if not cues:
        return _finish(job, AutoCaptionJob.Status.DONE, "no speech found", seconds)
    existing = CaptionTrack.objects.filter(video=video, language=language).first()
    if existing is not None and (existing.kind == CaptionTrack.Kind.UPLOADED or existing.edited):
        return _finish(job, AutoCaptionJob.Status.DONE, "kept the creator's track", seconds)
    duration = video.duration or cues[-1].end
    cues = [c for c in cues if c.start < duration + 0.5]
    cues[-1:] = [type(c)(c.start, min(c.end, duration + 0.5), c.text) for c in cues[-1:]]
    with transaction.atomic():
        actions.save_track(video, language, "", kind=CaptionTrack.Kind.AUTO, cues=cues)
    log.info("auto captions for %s: %d cues in %.1f s", video.public_id, len(cues), seconds)
    return _finish(job, AutoCaptionJob.Status.DONE, "", seconds)


def _finish(job: AutoCaptionJob, status: str, error: str, seconds: float | None = None) -> str:
    AutoCaptionJob.objects.filter(pk=job.pk).update(status=status, error=error, seconds=seconds)
    return status
