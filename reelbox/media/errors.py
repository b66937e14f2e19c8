"""Errors raised by the media layer.

Every error carries a stable ``code`` for programs and a ``message`` a person
can act on. The messages are plain English marked with ``gettext_noop`` so
that translation tooling finds them; the web layer translates them (or maps
``code`` to its own wording) at the edge. Nothing here imports Django.
"""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    """Mark a string for translation without translating it (Django's convention)."""
    return message


EMPTY = gettext_noop("The file is empty. Choose the video again and re-upload it.")
TOO_LARGE = gettext_noop("The file is larger than this server accepts. Trim or compress it and try again.")
NOT_VIDEO = gettext_noop("This file is not a video. Upload an MP4, MOV or WebM video.")
AUDIO_ONLY = gettext_noop("This file has sound but no picture. Upload a video.")
UNDECODABLE = gettext_noop(
    "The video could not be decoded; it may be damaged or incomplete. Export it again and re-upload."
)
TOO_LONG = gettext_noop("The video is longer than this server accepts. Trim it and try again.")
DIMENSIONS_TOO_LARGE = gettext_noop("The picture is too large. Export the video at a smaller size (4K or less).")
DIMENSIONS_TOO_SMALL = gettext_noop("The picture is too small. Upload a video at least 64 pixels on each side.")
TRANSCODE_FAILED = gettext_noop(
    "The video could not be converted. Export it again in a common format (H.264 MP4) and re-upload."
)
TIMEOUT = gettext_noop("Processing took too long and was stopped. Try a shorter or smaller video.")
UNKNOWN = gettext_noop("The video could not be processed.")

MESSAGES: dict[str, str] = {
    "empty": EMPTY,
    "too_large": TOO_LARGE,
    "not_video": NOT_VIDEO,
    "audio_only": AUDIO_ONLY,
    "undecodable": UNDECODABLE,
    "too_long": TOO_LONG,
    "dimensions_too_large": DIMENSIONS_TOO_LARGE,
    "dimensions_too_small": DIMENSIONS_TOO_SMALL,
    "transcode_failed": TRANSCODE_FAILED,
    "timeout": TIMEOUT,
}


class MediaError(Exception):
    """Base class. ``code`` is stable for programs; ``message`` is for people."""

    code: str = "media_error"

    def __init__(self, code: str | None = None, message: str | None = None, *, detail: str = ""):
        if code is not None:
            self.code = code
        self.message = message if message is not None else MESSAGES.get(self.code, UNKNOWN)
        # ``detail`` is for logs (what exactly was wrong); never show it to users.
        self.detail = detail
        super().__init__(f"{self.code}: {detail or self.message}")


class MediaRejected(MediaError):
    """The input itself is unacceptable; retrying will not help."""

    code = "rejected"


class FFmpegError(MediaError):
    """ffmpeg failed on input that had passed the probe.

    ``detail`` says what happened (exit status, timeout); ``stderr_tail`` holds
    the last few KB of ffmpeg's stderr for the log.
    """

    code = "transcode_failed"

    def __init__(self, detail: str, stderr_tail: str = ""):
        super().__init__(detail=detail)
        self.stderr_tail = stderr_tail


class FFmpegTimeout(FFmpegError):
    """ffmpeg ran past its deadline and was killed."""

    code = "timeout"
