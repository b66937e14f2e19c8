"""Reasons an uploader can act on, keyed by the media layer's stable codes.

The media layer marks its sentences with ``gettext_noop``; they are
translated here, at the edge, in the viewer's language.
"""

from django.utils.translation import gettext

from reelbox.media.errors import MESSAGES, UNKNOWN


def rejection_message(code: str) -> str:
    return gettext(MESSAGES.get(code, UNKNOWN))
