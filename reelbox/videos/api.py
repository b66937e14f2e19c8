from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from reelbox.core import ratelimit
from reelbox.core.auth import TokenOrSession, resolve_user
from reelbox.core.errors import ApiError, NotFound
from reelbox.videos import actions, queries
from reelbox.videos.storage import work_dir

router = Router(tags=["videos"])


class AuthorOut(Schema):
    username: str
    display_name: str
    avatar_url: str | None


class RenditionOut(Schema):
    height: int
    width: int
    bitrate: int
    url: str


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
    author: AuthorOut
    view_count: int
    created_at: datetime


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
def create_video(request, file: File[UploadedFile], caption: Form[str] = ""):
    ratelimit.hit(request, "upload", str(request.auth.pk))
    if file.size == 0:
        raise ApiError(actions.rejection_message("empty"), "empty")
    with uploaded_path(file) as path:
        video = actions.create_video(author=request.auth, local_path=path, caption=caption)
    return Status(202, queries.serialize(queries.access_video(request.auth, video.public_id)))


@router.get("/videos/{video_id}", auth=None, response=VideoOut)
def get_video(request, video_id: str):
    video = queries.access_video(resolve_user(request), video_id)
    if video is None:
        raise NotFound(_("No such video."), "not_found")
    return queries.serialize(video)


@router.delete("/videos/{video_id}", auth=TokenOrSession(), response={204: None})
def delete_video(request, video_id: str):
    video = queries.access_video(request.auth, video_id)
    if video is None:
        raise NotFound(_("No such video."), "not_found")
    if video.author_id != request.auth.pk and not request.auth.is_staff:
        raise ApiError(_("Only the author can delete this video."), "forbidden", status=403)
    actions.delete_video(video)
    return Status(204, None)
