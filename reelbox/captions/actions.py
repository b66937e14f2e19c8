"""Every write to captions: tracks uploaded, edited, generated, deleted; a video's language; auto-caption jobs."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from reelbox.captions import languages, webvtt
from reelbox.captions.models import AutoCaptionJob, CaptionTrack
from reelbox.core.errors import ApiError
from reelbox.videos import storage
from reelbox.videos.models import Video

log = logging.getLogger("reelbox.captions")
MAX_TRACKS = 20


def _language(code: str, field: str = "language") -> str:
    language = languages.normalise(code)
    if language is None:
        raise ApiError(_("%(field)s: one of %(choices)s.") % {
            "field": field, "choices": ", ".join(sorted(languages.supported()))}, "invalid_language")
    return language


def decode(data: bytes) -> str:
    if len(data) > settings.REELBOX["MAX_CAPTION_BYTES"]:
        raise ApiError(_("file: at most %(max)d KB.") % {"max": settings.REELBOX["MAX_CAPTION_BYTES"] // 1024},
                       "too_large")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ApiError(_("file: line %(line)d is not UTF-8 text.") % {"line": line}, "invalid_caption_file")


def check(text: str, video: Video) -> list[webvtt.Cue]:
    """The cues of a caption file, or a 400 naming the line that is wrong."""
    try:
        return webvtt.parse(text, duration=video.duration)
    except webvtt.CaptionError as exc:
        raise ApiError(_("file: %(error)s") % {"error": str(exc)}, "invalid_caption_file") from None


def save_track(video: Video, language: str, text: str, *, kind: str = CaptionTrack.Kind.UPLOADED,
               cues: list[webvtt.Cue] | None = None, edited: bool = False) -> CaptionTrack:
    """Store a track (replacing the language's earlier one) as WebVTT; the file is written before the row."""
    language = _language(language)
    cues = cues if cues is not None else check(text, video)
    existing = CaptionTrack.objects.filter(video=video, language=language).first()
    if existing is None and CaptionTrack.objects.filter(video=video).count() >= MAX_TRACKS:
        raise ApiError(_("A video has at most %(max)d caption tracks.") % {"max": MAX_TRACKS}, "too_many_tracks")
    # A new name per version: a CDN or a browser never serves a stale copy of an edited track.
    name = f"{video.media_prefix}/captions/{language}-{secrets.token_hex(4)}.vtt"
    storage.put_text(webvtt.render(cues), name)
    old_path = existing.path if existing else ""
    try:
        with transaction.atomic():
            track, _created = CaptionTrack.objects.update_or_create(
                video=video, language=language,
                defaults={"kind": kind, "path": name, "cue_count": len(cues), "text": webvtt.plain_text(cues),
                          "edited": edited})
    except Exception:
        storage.delete(name)
        raise
    if old_path and old_path != name:
        transaction.on_commit(lambda: storage.delete(old_path))
    transaction.on_commit(lambda: detect_language_later(video.pk))
    return track


def delete_track(track: CaptionTrack) -> None:
    path = track.path
    track.delete()
    transaction.on_commit(lambda: storage.delete(path))


def set_language(video: Video, code: str | None, *, by_creator: bool) -> Video:
    """The video's language: the creator's choice wins; detection only fills a blank or detected one."""
    from reelbox.videos import queries

    language = _language(code) if code else ""
    if not by_creator and video.language and _creator_chose(video):
        return video
    if video.language != language:
        Video.objects.filter(pk=video.pk).update(language=language)
        video.language = language
        queries.forget(video.pk)
    if by_creator:
        from reelbox.captions.models import VideoLanguageChoice

        VideoLanguageChoice.objects.update_or_create(video=video, defaults={"language": language})
    return video


def _creator_chose(video: Video) -> bool:
    from reelbox.captions.models import VideoLanguageChoice

    return VideoLanguageChoice.objects.filter(video=video).exclude(language="").exists()


def detected_language(video: Video) -> str | None:
    """From the caption text and the uploaded tracks' words (automatic ones say only what the model heard)."""
    texts = [video.caption]
    texts += CaptionTrack.objects.filter(video=video, kind=CaptionTrack.Kind.UPLOADED).values_list("text", flat=True)
    return languages.detect(" ".join(t for t in texts if t)[:5000])


def detect_language_later(video_pk: int) -> None:
    from reelbox.captions.tasks import detect_video_language

    detect_video_language.enqueue(video_pk)


def request_auto_captions(video: Video) -> AutoCaptionJob:
    """Queue speech recognition for a video; the feature needs the optional `captions` extra."""
    from reelbox.captions import asr
    from reelbox.captions.tasks import auto_caption

    if not asr.available():
        raise ApiError(_("Automatic captions are not installed on this server."), "auto_captions_unavailable",
                       status=409)
    if video.status != Video.Status.READY:
        raise ApiError(_("The video is still processing; ask again when it is ready."), "not_ready", status=409)
    job, _created = AutoCaptionJob.objects.update_or_create(video=video, defaults={
        "status": AutoCaptionJob.Status.QUEUED, "error": ""})
    transaction.on_commit(lambda: auto_caption.enqueue(video.pk))
    return job
