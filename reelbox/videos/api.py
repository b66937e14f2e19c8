from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from reelbox.accounts.api import PersonOut, visible_profile
from reelbox.core import ratelimit
from reelbox.core.auth import TokenOrSession, resolve_user
from reelbox.core.errors import ApiError, NotFound
from reelbox.videos import actions, queries
from reelbox.videos.storage import work_dir

router = Router(tags=["videos"])


class RenditionOut(Schema):
    height: int
    width: int
    bitrate: int
    url: str


class SoundRef(Schema):
    id: str
    # Empty for an original sound: the player names it after its owner, in the reader's language.
    title: str
    owner: str | None


class VideoOut(Schema):
    id: str
    status: str
    error: str | None
    error_code: str | None
    caption: str
    duration: float | None
    width: int | None
    height: int | None
    poster_url: str | None
    hls_url: str | None
    renditions: list[RenditionOut]
    author: PersonOut
    view_count: int
    like_count: int = 0
    comment_count: int = 0
    share_count: int = 0
    visibility: str = "public"
    comments_enabled: bool = True
    allow_duet: bool = True
    allow_stitch: bool = True
    created_at: datetime
    language: str | None = None
    sound: SoundRef | None = None
    # The caller's own state (liked, bookmarked, follow of the author), on single-video
    # reads only; feeds share their JSON across viewers (see GET /me/video-states).
    viewer: dict | None = None
    # Only for the uploader and staff: the review state ("pending", "held"...) and the reason.
    moderation: dict | None = None


class VideoUpdate(Schema):
    caption: str | None = None
    # The spoken/written language (a LANGUAGES code, "" for unknown); detected when the creator leaves it unset.
    language: str | None = None
    visibility: str | None = None
    comments_enabled: bool | None = None
    allow_duet: bool | None = None
    allow_stitch: bool | None = None


class VideoPage(Schema):
    items: list[VideoOut]
    next_cursor: str | None


@contextlib.contextmanager
def uploaded_path(upload: UploadedFile) -> Iterator[Path]:
    """The uploaded bytes as a file on disk: the probe needs a path, and small uploads live in memory."""
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    with tempfile.NamedTemporaryFile(dir=work_dir(), prefix="upload-") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
        fh.flush()
        yield Path(fh.name)


@router.post("/videos", auth=TokenOrSession(), response={202: VideoOut})
def create_video(request, file: File[UploadedFile], caption: Form[str] = "", language: Form[str] = ""):
    ratelimit.hit(request, "upload", str(request.auth.pk))
    if file.size == 0:
        raise ApiError(actions.rejection_message("empty"), "empty")
    language = actions.clean_language(language)  # refused before anything is stored
    with uploaded_path(file) as path:
        video = actions.create_video(author=request.auth, local_path=path, caption=caption)
    if language:
        actions.update_video(video, language=language)
    return Status(202, queries.serialize_for(request.auth, queries.access_video(request.auth, video.public_id)))


@router.get("/videos/{video_id}", auth=None, response=VideoOut)
def get_video(request, video_id: str):
    viewer = resolve_user(request)
    video = queries.access_video(viewer, video_id)
    if video is None:
        raise NotFound(_("No such video."), "not_found")
    return queries.serialize_for(viewer, video)


@router.patch("/videos/{video_id}", auth=TokenOrSession(), response=VideoOut)
def update_video(request, video_id: str, payload: VideoUpdate):
    video = queries.access_video(request.auth, video_id)
    if video is None:
        raise NotFound(_("No such video."), "not_found")
    if video.author_id != request.auth.pk:
        raise ApiError(_("Only the author can change this video."), "forbidden", status=403)
    actions.update_video(video, **payload.dict(exclude_unset=True))
    return queries.serialize_for(request.auth, queries.access_video(request.auth, video_id))


@router.get("/users/{username}/videos", auth=None, response=VideoPage)
def user_videos(request, username: str, cursor: str | None = None, limit: int = 20):
    """An author's videos, newest first, as the caller may see them (404 across a block, 403 if private)."""
    viewer = resolve_user(request)
    author = visible_profile(viewer, username, content=True)
    videos, next_cursor = queries.author_page(viewer, author, cursor, limit)
    return {"items": [queries.serialize(v) for v in videos], "next_cursor": next_cursor}


@router.delete("/videos/{video_id}", auth=TokenOrSession(), response={204: None})
def delete_video(request, video_id: str):
    video = queries.access_video(request.auth, video_id)
    if video is None:
        raise NotFound(_("No such video."), "not_found")
    if video.author_id != request.auth.pk and not request.auth.is_staff:
        raise ApiError(_("Only the author can delete this video."), "forbidden", status=403)
    actions.delete_video(video)
    return Status(204, None)
