"""Reads for the feeds.

The For You page mixes the newest and the most-watched playable videos until
the recommender replaces the ranking behind the same function. The cursor is
signed and carries what this session has already been shown, so no video
repeats within a session without any server-side session state.
"""

from __future__ import annotations

import base64
import json
import zlib

from django.core import signing
from django.utils.translation import gettext as _

from reelbox.core.errors import ApiError
from reelbox.videos import queries as video_queries

PAGE_SIZE = 10
MAX_PAGE_SIZE = 30
# Bounded so cursors stay small; a session that scrolls past this many
# videos may meet the earliest ones again.
MAX_SEEN = 2000
SALT = "reelbox.feed.cursor"


def encode_cursor(seen: list[int]) -> str:
    raw = json.dumps(seen[-MAX_SEEN:], separators=(",", ":")).encode()
    return signing.dumps(base64.urlsafe_b64encode(zlib.compress(raw)).decode(), salt=SALT, compress=False)


def decode_cursor(cursor: str | None) -> list[int]:
    if not cursor:
        return []
    try:
        packed = signing.loads(cursor, salt=SALT)
        seen = json.loads(zlib.decompress(base64.urlsafe_b64decode(packed)))
        if not isinstance(seen, list) or not all(isinstance(x, int) for x in seen):
            raise ValueError
        return seen
    except (signing.BadSignature, ValueError, zlib.error, TypeError):
        raise ApiError(_("cursor: this cursor is invalid; start again without one."), "invalid_cursor") from None


def _ids(order: str, limit: int) -> list[int]:
    return list(video_queries.playable().order_by(order, "-pk").values_list("pk", flat=True)[:limit])


def foryou_page(viewer, cursor: str | None, limit: int = PAGE_SIZE) -> tuple[list, str | None]:
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    seen = decode_cursor(cursor)
    seen_set = set(seen)
    window = len(seen_set) + limit
    sources = [iter(_ids("-created_at", window)), iter(_ids("-view_count", window))]
    picked: list[int] = []
    exhausted = 0
    # Alternate newest and most-watched, skipping anything already shown.
    while len(picked) < limit and exhausted < len(sources):
        exhausted = 0
        for source in sources:
            for pk in source:
                if pk not in seen_set:
                    seen_set.add(pk)
                    picked.append(pk)
                    break
            else:
                exhausted += 1
            if len(picked) >= limit:
                break
    videos = video_queries.with_media(video_queries.playable().filter(pk__in=picked))
    by_pk = {v.pk: v for v in videos}
    items = [by_pk[pk] for pk in picked if pk in by_pk]
    next_cursor = encode_cursor(seen + picked) if len(picked) == limit else None
    return items, next_cursor
