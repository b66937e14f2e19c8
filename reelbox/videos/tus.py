"""The tus 1.0 resumable-upload protocol (core, creation, termination, checksum).

Plain Django views rather than ninja: the protocol is about headers and raw
bodies, not JSON. Bytes are staged in a local file per upload and appended as
they arrive; when the last byte lands the file becomes a video through the
same ``actions.create_video`` as a multipart upload.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from reelbox.core import ratelimit
from reelbox.core.auth import resolve_user
from reelbox.core.errors import ApiError
from reelbox.videos import actions
from reelbox.videos.models import Upload

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,checksum"
CHECKSUMS = {"sha1": hashlib.sha1, "md5": hashlib.md5, "sha256": hashlib.sha256}
CHUNK = 256 * 1024


def staging_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def part_path(upload: Upload) -> Path:
    return staging_dir() / f"{upload.public_id}.part"


def _headers(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _error(detail: str, code: str, status: int, headers: dict | None = None) -> HttpResponse:
    response = JsonResponse({"detail": detail, "code": code}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return _headers(response)


def parse_metadata(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in raw.split(","))):
        key, _sep, value = pair.partition(" ")
        try:
            out[key] = base64.b64decode(value, validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError(_("Upload-Metadata: %(key)s is not valid base64 UTF-8.") % {"key": key},
                           "invalid_metadata") from None
    return out


def tus_view(func):
    """Protocol checks shared by every tus endpoint, and JSON errors."""

    @csrf_exempt
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            return _headers(options_response())
        if request.headers.get("Tus-Resumable") != TUS_VERSION:
            return _error(_("Tus-Resumable: version 1.0.0 is required."), "tus_version", 412,
                          {"Tus-Version": TUS_VERSION})
        try:
            user = resolve_user(request)
            if not user.is_authenticated:
                raise ApiError(_("Log in to do this."), "not_authenticated", status=401)
            return _headers(func(request, user, *args, **kwargs))
        except ApiError as exc:
            return _error(exc.detail, exc.code, exc.status, exc.headers)

    return wrapper


def options_response() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Tus-Version"] = TUS_VERSION
    response["Tus-Extension"] = EXTENSIONS
    response["Tus-Max-Size"] = str(settings.REELBOX["MAX_UPLOAD_BYTES"])
    response["Tus-Checksum-Algorithm"] = ",".join(CHECKSUMS)
    return response


@tus_view
def collection(request, user):
    if request.method != "POST":
        return _error(_("Method not allowed."), "method_not_allowed", 405)
    ratelimit.hit(request, "upload", str(user.pk))
    from reelbox.moderation.actions import check_uploads_open

    check_uploads_open(user)  # refuse before the bytes are sent, not after
    try:
        length = int(request.headers.get("Upload-Length", ""))
    except ValueError:
        raise ApiError(_("Upload-Length: a non-negative integer is required."), "invalid_length") from None
    if length < 0:
        raise ApiError(_("Upload-Length: a non-negative integer is required."), "invalid_length")
    if length == 0:
        raise ApiError(actions.rejection_message("empty"), "empty")
    if length > settings.REELBOX["MAX_UPLOAD_BYTES"]:
        raise ApiError(actions.rejection_message("too_large"), "too_large", status=413)
    metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
    actions.clean_caption(metadata.get("caption"))  # refuse a bad caption or language now, not after the upload
    actions.clean_language(metadata.get("language"))
    upload = Upload.objects.create(public_id=secrets.token_urlsafe(16), user=user, length=length,
                                   metadata=metadata)
    part_path(upload).touch()
    response = HttpResponse(status=201)
    response["Location"] = request.build_absolute_uri(reverse("tus-resource", args=[upload.public_id]))
    return response


@tus_view
def resource(request, user, upload_id: str):
    upload = Upload.objects.select_related("video").filter(public_id=upload_id, user=user).first()
    if upload is None:
        raise ApiError(_("No such upload."), "not_found", status=404)
    if request.method == "HEAD":
        return _head(upload)
    if request.method == "GET":
        return JsonResponse(_describe(upload))
    if request.method == "PATCH":
        return _patch(request, upload)
    if request.method == "DELETE":
        part_path(upload).unlink(missing_ok=True)
        upload.delete()
        return HttpResponse(status=204)
    return _error(_("Method not allowed."), "method_not_allowed", 405)


def _describe(upload: Upload) -> dict:
    return {
        "id": upload.public_id,
        "offset": upload.offset,
        "length": upload.length,
        "video_id": upload.video.public_id if upload.video else None,
        "error": upload.error or None,
        "error_code": upload.error_code or None,
    }


def _head(upload: Upload) -> HttpResponse:
    response = HttpResponse(status=200)
    response["Upload-Offset"] = str(upload.offset)
    response["Upload-Length"] = str(upload.length)
    if upload.video:
        response["Reelbox-Video-Id"] = upload.video.public_id
    return response


def _patch(request, upload: Upload) -> HttpResponse:
    if request.content_type != "application/offset+octet-stream":
        return _error(_("Content-Type: application/offset+octet-stream is required."), "invalid_content_type", 415)
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
    except ValueError:
        raise ApiError(_("Upload-Offset: an integer is required."), "invalid_offset") from None
    if upload.video_id or upload.error_code:
        return _error(_("This upload is already complete."), "upload_complete", 409)
    if offset != upload.offset:
        return _error(_("Upload-Offset: expected %(offset)d.") % {"offset": upload.offset}, "offset_mismatch", 409)
    checksum = _parse_checksum(request.headers.get("Upload-Checksum"))
    part = part_path(upload)
    with part.open("r+b") as fh:
        try:
            # One writer per upload: a second PATCH racing the first must not interleave bytes.
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _error(_("Another request is writing this upload."), "locked", 423)
        fh.seek(offset)
        fh.truncate()
        digest = checksum[0]() if checksum else None
        written = 0
        while True:
            chunk = request.read(CHUNK)
            if not chunk:
                break
            written += len(chunk)
            if offset + written > upload.length:
                fh.truncate(offset)
                raise ApiError(_("The body goes past Upload-Length."), "too_long_body", status=413)
            fh.write(chunk)
            if digest:
                digest.update(chunk)
        if digest and digest.digest() != checksum[1]:
            fh.truncate(offset)
            return _error(_("Upload-Checksum: the checksum does not match the body."), "checksum_mismatch", 460)
        fh.flush()
    Upload.objects.filter(pk=upload.pk).update(offset=offset + written)
    upload.offset = offset + written
    if upload.offset == upload.length:
        _finish(upload)
    response = HttpResponse(status=204)
    response["Upload-Offset"] = str(upload.offset)
    if upload.video_id:
        response["Reelbox-Video-Id"] = upload.video.public_id
    return response


def _parse_checksum(raw: str | None):
    if not raw:
        return None
    algo, _sep, value = raw.strip().partition(" ")
    if algo not in CHECKSUMS:
        raise ApiError(_("Upload-Checksum: unsupported algorithm."), "checksum_algorithm")
    try:
        return CHECKSUMS[algo], base64.b64decode(value, validate=True)
    except binascii.Error:
        raise ApiError(_("Upload-Checksum: the value is not base64."), "invalid_checksum") from None


def _finish(upload: Upload) -> None:
    """The last byte arrived: the staged file becomes a video, or the upload records why not."""
    part = part_path(upload)
    try:
        video = actions.create_video(author=upload.user, local_path=part, caption=upload.metadata.get("caption"))
    except ApiError as exc:
        Upload.objects.filter(pk=upload.pk).update(error_code=exc.code, error=exc.detail)
        raise
    finally:
        part.unlink(missing_ok=True)
    language = actions.clean_language(upload.metadata.get("language"))
    if language:
        actions.update_video(video, language=language)
    with transaction.atomic():
        Upload.objects.filter(pk=upload.pk).update(video=video)
    upload.video = video


urlpatterns = [
    path("", collection, name="tus-collection"),
    path("<str:upload_id>", resource, name="tus-resource"),
]
