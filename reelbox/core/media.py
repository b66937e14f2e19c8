"""Serving the local media directory with HTTP Range support.

Browsers seek and loop MP4 with Range requests; Django's static ``serve`` has
none. In scale-out mode media comes from S3/CDN and this view is unused.
"""

from __future__ import annotations

import mimetypes
import os
import re

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils._os import safe_join
from django.views.decorators.http import require_safe

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".m4s": "video/iso.segment",
         ".mp4": "video/mp4", ".jpg": "image/jpeg"}


class _RangeFile:
    """A file object that stops after ``length`` bytes."""

    def __init__(self, fh, length: int):
        self.fh, self.left = fh, length

    def read(self, size: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        size = self.left if size < 0 else min(size, self.left)
        data = self.fh.read(size)
        self.left -= len(data)
        return data

    def close(self):
        self.fh.close()


@require_safe
def serve(request, path: str):
    try:
        full = safe_join(str(settings.MEDIA_ROOT), path)
    except Exception:
        raise Http404 from None
    # The untranscoded original is never served.
    if not os.path.isfile(full) or os.path.basename(full) == "source":
        raise Http404
    size = os.path.getsize(full)
    ext = os.path.splitext(full)[1].lower()
    content_type = TYPES.get(ext) or mimetypes.guess_type(full)[0] or "application/octet-stream"
    match = RANGE_RE.match(request.headers.get("Range", ""))
    if match and (match.group(1) or match.group(2)):
        first, last = match.groups()
        if first:
            start, end = int(first), int(last) if last else size - 1
        else:
            start, end = max(0, size - int(last)), size - 1
        end = min(end, size - 1)
        if start > end or start >= size:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        fh = open(full, "rb")  # noqa: SIM115 (closed by FileResponse)
        fh.seek(start)
        response = FileResponse(_RangeFile(fh, end - start + 1), status=206, content_type=content_type)
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response = FileResponse(open(full, "rb"), content_type=content_type)  # noqa: SIM115
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = cache_control(full)
    return response


def cache_control(name: str) -> str:
    # Playlists are rewritten (a video being encoded grows its playlist, the
    # master gains rungs), so players must revalidate them; everything else
    # under a video's random prefix never changes once written.
    if name.endswith(".m3u8"):
        return "no-cache"
    return "public, max-age=31536000, immutable"
