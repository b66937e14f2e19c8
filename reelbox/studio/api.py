from __future__ import annotations

import contextlib
from datetime import datetime

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from reelbox.accounts.api import PersonOut
from reelbox.core import ratelimit
from reelbox.core.auth import TokenOrSession, resolve_user
from reelbox.core.errors import ApiError, NotFound, PermissionDenied
from reelbox.studio import actions, queries
from reelbox.videos import queries as video_queries
from reelbox.videos.api import VideoOut, uploaded_path
from reelbox.videos.messages import rejection_message

router = Router(tags=["studio"])
AUTH = TokenOrSession()


class SoundOut(Schema):
    id: str
    title: str
    artist: str
    kind: str
    licence: str
    duration: float
    audio_url: str | None
    use_count: int
    owner: PersonOut | None
    created_at: datetime


class SoundPage(Schema):
    items: list[SoundOut]


class SoundVideoPage(Schema):
    items: list[VideoOut]
    next_cursor: str | None


class DraftOut(Schema):
    id: str
    kind: str
    status: str
    error: str | None
    error_code: str | None
    recipe: dict
    caption: str
    visibility: str
    duration: float
    has_audio: bool
    clip_count: int
    layout: str
    source_video: str | None
    sound: SoundOut | None
    seed: int
    base_url: str | None
    preview_url: str | None
    preview_current: bool
    cover_url: str | None
    publish_at: datetime | None
    video_id: str | None
    created_at: datetime
    updated_at: datetime


class DraftPage(Schema):
    items: list[DraftOut]


class DraftUpdate(Schema):
    recipe: dict | None = None
    caption: str | None = None
    visibility: str | None = None


class PublishIn(Schema):
    publish_at: datetime | None = None
    caption: str | None = None
    visibility: str | None = None


def _draft(request, draft_id: str):
    draft = queries.access_draft(request.auth, draft_id)
    if draft is None:
        raise NotFound(_("No such draft."), "not_found")
    return draft


def _out(draft) -> dict:
    draft.refresh_from_db()
    return queries.serialize_draft(draft)


def _sound(request, sound_id: str):
    sound = queries.access_sound(resolve_user(request), sound_id)
    if sound is None:
        raise NotFound(_("No such sound."), "not_found")
    return sound


# Sounds -----------------------------------------------------------------------------------------------------


@router.get("/sounds", auth=None, response=SoundPage)
def library(request, q: str = "", limit: int = 20):
    """The curated music library, most used first; ``q`` searches titles and artists."""
    return {"items": [queries.serialize_sound(s) for s in queries.library(q, limit)]}


@router.post("/sounds", auth=AUTH, response={201: SoundOut})
def add_track(request, file: File[UploadedFile], title: Form[str], artist: Form[str] = "",
              licence: Form[str] = ""):
    """Staff only: add a track to the music library."""
    if not request.auth.is_staff:
        raise PermissionDenied(_("Only staff can curate the music library."), "forbidden")
    if file.size == 0:
        raise ApiError(rejection_message("empty"), "empty")
    with uploaded_path(file) as path:
        sound = actions.add_library_track(local_path=path, title=title, artist=artist, licence=licence)
    return Status(201, queries.serialize_sound(sound))


@router.get("/sounds/{sound_id}", auth=None, response=SoundOut)
def get_sound(request, sound_id: str):
    return queries.serialize_sound(_sound(request, sound_id))


@router.delete("/sounds/{sound_id}", auth=AUTH, response={204: None})
def delete_sound(request, sound_id: str):
    if not request.auth.is_staff:
        raise PermissionDenied(_("Only staff can curate the music library."), "forbidden")
    actions.delete_sound(_sound(request, sound_id))
    return Status(204, None)


@router.get("/sounds/{sound_id}/videos", auth=None, response=SoundVideoPage)
def sound_videos(request, sound_id: str, cursor: str | None = None, limit: int = 20):
    """The sound's videos the caller may see, most watched first."""
    viewer = resolve_user(request)
    sound = _sound(request, sound_id)
    videos, next_cursor = queries.sound_videos(viewer, sound, cursor, limit)
    return {"items": [video_queries.serialize(v) for v in videos], "next_cursor": next_cursor}


# Drafts -----------------------------------------------------------------------------------------------------


@router.get("/drafts", auth=AUTH, response=DraftPage)
def list_drafts(request):
    """The caller's drafts (not yet published), most recently changed first."""
    return {"items": [queries.serialize_draft(d) for d in queries.drafts_of(request.auth)[:100]]}


@router.post("/drafts", auth=AUTH, response={201: DraftOut})
def create_draft(request, files: File[list[UploadedFile]], kind: Form[str] = "edit",
                 source_video: Form[str] = "", layout: Form[str] = "side", stitch_start: Form[float] = 0.0,
                 stitch_end: Form[float] = actions.MAX_STITCH_S, sound: Form[str] = "", caption: Form[str] = ""):
    """A draft from uploaded clips (multipart ``files``): one for an edit, duet or stitch, 2-20 for an auto-edit.

    A duet or stitch names the ``source_video`` it answers; an auto-edit names its ``sound``.
    """
    ratelimit.hit(request, "upload", str(request.auth.pk))
    if any(f.size == 0 for f in files):
        raise ApiError(rejection_message("empty"), "empty")
    with contextlib.ExitStack() as stack:
        paths = [stack.enter_context(uploaded_path(f)) for f in files]
        draft = actions.create_draft(request.auth, kind=kind, files=paths, source_video=source_video or None,
                                     layout=layout, stitch_start=stitch_start, stitch_end=stitch_end,
                                     sound=sound or None, caption=caption)
    return Status(201, _out(draft))


@router.get("/drafts/{draft_id}", auth=AUTH, response=DraftOut)
def get_draft(request, draft_id: str):
    return queries.serialize_draft(_draft(request, draft_id))


@router.patch("/drafts/{draft_id}", auth=AUTH, response=DraftOut)
def update_draft(request, draft_id: str, payload: DraftUpdate):
    """Change the recipe (validated: a 400 names the field), the caption or who can watch."""
    draft = actions.update_draft(_draft(request, draft_id), **payload.dict(exclude_unset=True))
    return _out(draft)


@router.delete("/drafts/{draft_id}", auth=AUTH, response={204: None})
def delete_draft(request, draft_id: str):
    actions.delete_draft(_draft(request, draft_id))
    return Status(204, None)


@router.post("/drafts/{draft_id}/preview", auth=AUTH, response={202: DraftOut})
def preview(request, draft_id: str):
    """Render a 360p preview in the background; poll the draft until ``status`` is back to ``draft``."""
    ratelimit.hit(request, "render", str(request.auth.pk))
    return Status(202, _out(actions.request_preview(_draft(request, draft_id))))


@router.post("/drafts/{draft_id}/reroll", auth=AUTH, response={202: DraftOut})
def reroll(request, draft_id: str):
    """Cut an auto-edit again with a new seed."""
    ratelimit.hit(request, "render", str(request.auth.pk))
    return Status(202, _out(actions.reroll(_draft(request, draft_id))))


@router.post("/drafts/{draft_id}/publish", auth=AUTH, response={202: DraftOut})
def publish(request, draft_id: str, payload: PublishIn | None = None):
    """Publish now, or at ``publish_at`` (the worker publishes it then)."""
    ratelimit.hit(request, "render", str(request.auth.pk))
    payload = payload or PublishIn()
    draft = actions.publish(_draft(request, draft_id), **payload.dict())
    return Status(202, _out(draft))


@router.post("/drafts/{draft_id}/unschedule", auth=AUTH, response=DraftOut)
def unschedule(request, draft_id: str):
    return _out(actions.unschedule(_draft(request, draft_id)))
