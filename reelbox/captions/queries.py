"""Permission-checked reads of captions: a track is visible to whoever may view its video."""

from __future__ import annotations

from django.utils.translation import gettext as _

from reelbox.captions import asr, languages, translate, webvtt
from reelbox.captions.models import AutoCaptionJob, CaptionTrack
from reelbox.core.errors import ApiError, NotFound
from reelbox.videos import queries as video_queries
from reelbox.videos import storage
from reelbox.videos.models import Video


def access_video(viewer, public_id: str) -> Video:
    video = video_queries.access_video(viewer, public_id, media=False)
    if video is None:
        raise NotFound(_("No such video."), "not_found")
    return video


def access_own_video(viewer, public_id: str) -> Video:
    video = access_video(viewer, public_id)
    if video.author_id != getattr(viewer, "pk", None):
        raise ApiError(_("Only the author can change this video."), "forbidden", status=403)
    return video


def access_track(video: Video, language: str) -> CaptionTrack:
    code = languages.normalise(language)
    track = CaptionTrack.objects.filter(video=video, language=code).first() if code else None
    if track is None:
        raise NotFound(_("This video has no captions in that language."), "not_found")
    return track


def track_text(track: CaptionTrack) -> str:
    with storage.local_copy(track.path) as path:
        return path.read_text(encoding="utf-8")


def track_out(track: CaptionTrack) -> dict:
    return {"language": track.language, "name": languages.name(track.language), "kind": track.kind,
            "edited": track.edited, "cue_count": track.cue_count,
            "url": f"/api/v1/videos/{track.video.public_id}/captions/{track.language}.vtt"}


def overview(video: Video) -> dict:
    """What the player and the creator's page need: the tracks, and which features this server has."""
    job = AutoCaptionJob.objects.filter(video=video).first()
    translator = translate.get_translator()
    return {
        "video_language": video.language or None,
        "tracks": [track_out(t) for t in CaptionTrack.objects.filter(video=video).select_related("video")],
        "auto": {"available": asr.available(), "status": job.status if job else None,
                 "error": job.error if job else ""},
        "translation": {"available": translator.name != "none", "backend": translator.name},
    }


def translated_track(track: CaptionTrack, target: str) -> tuple[str, translate.Translated]:
    """The track's WebVTT with every cue translated into ``target`` (cached as a whole)."""
    cues = webvtt.parse(track_text(track))
    # One request for the whole track: cue texts on their own lines, split again after translation.
    lines = [cue.text.replace("\n", " ") for cue in cues]
    result = translate.translate("\n".join(lines), track.language, target)
    out = result.text.split("\n")
    if len(out) != len(lines):  # the backend merged or split lines: translate cue by cue instead
        out = [translate.translate(line, track.language, target).text for line in lines]
    return webvtt.render([webvtt.Cue(c.start, c.end, t.strip() or c.text) for c, t in zip(cues, out)]), result


def translated_caption(video: Video, target: str) -> dict:
    source = video.language
    if not source:
        raise ApiError(_("The language of this video is unknown, so it cannot be translated."), "unknown_language")
    try:
        result = translate.translate(video.caption, source, target)
    except translate.TranslationUnavailable:
        raise ApiError(_("Translation from %(source)s to %(target)s is not available on this server.")
                       % {"source": languages.name(source), "target": languages.name(target)},
                       "translation_unavailable", status=409) from None
    return {"text": result.text, "source_language": source, "target_language": target,
            "translated_from": _("Translated from %(language)s") % {"language": languages.name(source)},
            "cached": result.cached}
