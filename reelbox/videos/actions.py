"""Every write to videos: check the input, write, queue work on commit."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import unicodedata
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reelbox.core.errors import ApiError
from reelbox.media import probe as media_probe
from reelbox.media.errors import MediaRejected
from reelbox.videos import signals, storage
from reelbox.videos.messages import rejection_message  # noqa: F401 (re-exported)
from reelbox.videos.models import Video

log = logging.getLogger("reelbox.videos")

MAX_CAPTION = 2200


def clean_caption(caption: str | None) -> str:
    caption = (caption or "").strip()
    # Drop control characters (keep newlines and tabs) so captions cannot
    # smuggle terminal escapes or invisible garbage into pages.
    caption = "".join(ch for ch in caption if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    if len(caption) > MAX_CAPTION:
        raise ApiError(
            _("caption: at most %(max)d characters.") % {"max": MAX_CAPTION}, "caption_too_long"
        )
    return caption


def limits() -> media_probe.Limits:
    return media_probe.Limits(
        max_duration_s=settings.REELBOX["MAX_DURATION_S"],
        max_bytes=settings.REELBOX["MAX_UPLOAD_BYTES"],
    )


def check_media(path: Path) -> media_probe.ProbeResult:
    """Probe by content; refuse with a 4xx that says what to do."""
    try:
        return media_probe.probe(path, limits())
    except MediaRejected as exc:
        status = 413 if exc.code == "too_large" else 400
        raise ApiError(rejection_message(exc.code), exc.code, status=status) from None


def create_video(*, author, local_path: Path, caption: str | None) -> Video:
    """Turn an uploaded file into a video being processed.

    The file is validated before anything is written, so a refused upload
    leaves neither a row nor a stored file.
    """
    from reelbox.moderation.actions import check_uploads_open

    check_uploads_open(author)  # kill switch and suspensions
    caption = clean_caption(caption)
    info = check_media(local_path)
    video = Video(author=author, caption=caption, width=info.width, height=info.height,
                  duration=info.duration, fps=info.fps, source_size=local_path.stat().st_size,
                  region=author.region, probe=dataclasses.asdict(info))
    video.media_prefix = f"videos/{video.public_id}/{secrets.token_urlsafe(12)}"
    video.source_path = storage.put(local_path, f"{video.media_prefix}/source")
    try:
        with transaction.atomic():
            video.save()
            signals.emit(signals.video_saved, video=video, created=True)
            transaction.on_commit(lambda: enqueue_transcode(video.pk))
    except BaseException:
        storage.delete_prefix(video.media_prefix)
        raise
    log.info("video %s uploaded by %s (%.1fs %dx%d)", video.public_id, author.pk, info.duration,
             info.width, info.height)
    return video


def enqueue_transcode(video_pk: int) -> None:
    from reelbox.videos.tasks import transcode_video

    transcode_video.enqueue(video_pk)


def mark_failed(video: Video, code: str, message: str) -> None:
    """A failed job keeps the row (the uploader reads the reason) and drops every stored file."""
    storage.delete_prefix(video.media_prefix)
    video.renditions.all().delete()
    Video.objects.filter(pk=video.pk).update(
        status=Video.Status.FAILED, error_code=code, error=message, source_path="", poster_path="",
        strip_path="", hls_path="", heartbeat_at=None,
    )


def delete_video(video: Video) -> None:
    from reelbox.videos.queries import forget

    prefix, pk = video.media_prefix, video.pk
    video.delete()
    forget(pk)
    transaction.on_commit(lambda: storage.delete_prefix(prefix))


def beat(video_pk: int) -> None:
    Video.objects.filter(pk=video_pk).update(heartbeat_at=timezone.now())


def clean_language(value: str | None) -> str:
    """A LANGUAGES code, or "" for unknown; the creator's choice outranks detection (reelbox.captions)."""
    value = (value or "").strip().lower().replace("_", "-")
    codes = [code for code, _name in settings.LANGUAGES]
    if value and value not in codes:
        raise ApiError(_("language: one of %(choices)s.") % {"choices": ", ".join(codes)}, "invalid_language")
    return value


VIDEO_SETTINGS = ("caption", "visibility", "comments_enabled", "allow_duet", "allow_stitch", "language")


def update_video(video: Video, **changes) -> Video:
    """The author changes a video's caption or privacy; it leaves the feeds' cache at once."""
    from reelbox.videos import queries

    fields = []
    for name, value in changes.items():
        if value is None or name not in VIDEO_SETTINGS:
            continue
        if name == "caption":
            value = clean_caption(value)
        elif name == "visibility" and value not in Video.Visibility.values:
            raise ApiError(_("visibility: one of %(choices)s.") % {"choices": ", ".join(Video.Visibility.values)},
                           "invalid_visibility")
        elif name == "language":
            value = clean_language(value)
        setattr(video, name, value)
        fields.append(name)
    if fields:
        video.save(update_fields=fields)
        queries.forget(video.pk)
        if "caption" in fields or "language" in fields:
            signals.emit(signals.video_saved, video=video, created=False, language_set="language" in fields)
    return video
