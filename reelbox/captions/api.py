"""Caption tracks (upload, edit, serve as WebVTT, translate), automatic captions, caption-text translation."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from reelbox.captions import actions, languages, queries, translate
from reelbox.core import ratelimit
from reelbox.core.auth import TokenOrSession, resolve_user
from reelbox.core.errors import ApiError

router = Router(tags=["captions"])


class TrackOut(Schema):
    language: str
    name: str
    kind: str
    edited: bool
    cue_count: int
    url: str


class AutoOut(Schema):
    available: bool
    status: str | None
    error: str


class TranslationInfo(Schema):
    available: bool
    backend: str


class CaptionsOut(Schema):
    video_language: str | None
    tracks: list[TrackOut]
    auto: AutoOut
    translation: TranslationInfo


class TrackEdit(Schema):
    vtt: str


class TranslatedCaption(Schema):
    text: str
    source_language: str
    target_language: str
    translated_from: str
    cached: bool


def _target(to: str) -> str:
    code = languages.normalise(to)
    if code is None:
        raise ApiError(_("to: one of %(choices)s.") % {"choices": ", ".join(sorted(languages.supported()))},
                       "invalid_language")
    return code


@router.get("/videos/{video_id}/captions", auth=None, response=CaptionsOut)
def list_captions(request, video_id: str):
    return queries.overview(queries.access_video(resolve_user(request), video_id))


@router.post("/videos/{video_id}/captions", auth=TokenOrSession(), response={201: TrackOut})
def upload_captions(request, video_id: str, file: File[UploadedFile], language: Form[str]):
    ratelimit.hit(request, "upload", str(request.auth.pk))
    video = queries.access_own_video(request.auth, video_id)
    # One byte past the limit is enough to refuse it, whatever the upload's size.
    text = actions.decode(file.read(settings.REELBOX["MAX_CAPTION_BYTES"] + 1))
    track = actions.save_track(video, language, text)
    return Status(201, queries.track_out(track))


@router.get("/videos/{video_id}/captions/{language}.vtt", auth=None, include_in_schema=True)
def captions_file(request, video_id: str, language: str, to: str | None = None):
    """The track as WebVTT; ``?to=es`` translates it (X-Translated-From names the original language)."""
    video = queries.access_video(resolve_user(request), video_id)
    track = queries.access_track(video, language)
    headers = {}
    if to and _target(to) != track.language:
        target = _target(to)
        try:
            text, _result = queries.translated_track(track, target)
        except translate.TranslationUnavailable:
            raise ApiError(_("Translation from %(source)s to %(target)s is not available on this server.")
                           % {"source": languages.name(track.language), "target": languages.name(target)},
                           "translation_unavailable", status=409) from None
        headers = {"X-Translated-From": track.language, "Content-Language": target}
    else:
        text = queries.track_text(track)
        headers = {"Content-Language": track.language}
    response = HttpResponse(text, content_type="text/vtt; charset=utf-8")
    for name, value in headers.items():
        response[name] = value
    response["Cache-Control"] = "private, max-age=60"
    return response


@router.post("/videos/{video_id}/captions/auto", auth=TokenOrSession(), response={202: AutoOut})
def auto_captions(request, video_id: str):
    video = queries.access_own_video(request.auth, video_id)
    job = actions.request_auto_captions(video)
    return Status(202, {"available": True, "status": job.status, "error": ""})


@router.get("/videos/{video_id}/translation", auth=None, response=TranslatedCaption)
def translate_caption(request, video_id: str, to: str):
    """The video's caption text in another language, with "Translated from X" to show beside it."""
    ratelimit.hit(request, "api", str(getattr(resolve_user(request), "pk", "") or request.META.get("REMOTE_ADDR")))
    video = queries.access_video(resolve_user(request), video_id)
    return queries.translated_caption(video, _target(to))


# After the .vtt and auto routes: Django tries URL patterns in order, and {language} would match them.
@router.put("/videos/{video_id}/captions/{language}", auth=TokenOrSession(), response=TrackOut)
def edit_captions(request, video_id: str, language: str, payload: TrackEdit):
    video = queries.access_own_video(request.auth, video_id)
    track = queries.access_track(video, language)
    actions.decode(payload.vtt.encode())  # the size limit
    track = actions.save_track(video, track.language, payload.vtt, kind=track.kind, edited=True)
    return queries.track_out(track)


@router.delete("/videos/{video_id}/captions/{language}", auth=TokenOrSession(), response={204: None})
def delete_captions(request, video_id: str, language: str):
    video = queries.access_own_video(request.auth, video_id)
    actions.delete_track(queries.access_track(video, language))
    return Status(204, None)
