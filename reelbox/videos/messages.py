"""Reasons an uploader can act on, keyed by the media layer's stable codes."""

from django.utils.translation import gettext as _


def rejection_message(code: str) -> str:
    messages = {
        "empty": _("The file is empty. Choose the video again and re-upload it."),
        "too_large": _("The file is larger than this server accepts. Trim or compress it and try again."),
        "not_video": _("This file is not a video. Upload an MP4, MOV or WebM video."),
        "audio_only": _("This file has sound but no picture. Upload a video."),
        "undecodable": _("The video could not be decoded; it may be damaged or incomplete. Export it again and re-upload."),
        "too_long": _("The video is longer than this server accepts. Trim it and try again."),
        "dimensions_too_large": _("The picture is too large (over 4096 pixels on a side). Export at 4K or less."),
        "dimensions_too_small": _("The picture is too small (under 64 pixels on a side)."),
        "transcode_failed": _("The video could not be converted. Export it again in a common format (H.264 MP4) and re-upload."),
        "timeout": _("Processing took too long and was stopped. Try a shorter or smaller video."),
    }
    return messages.get(code, _("The video could not be processed."))
