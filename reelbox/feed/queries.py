"""Reads for the feeds.

The For You page mixes the newest and the most-watched playable videos until
the recommender replaces the ranking behind the same function. The cursor is
signed and carries what this session has already been shown, so no video
repeats within a session without any server-side session state.
"""

from __future__ import annotations

import base64
import zlib

from django.core import signing
from django.utils.translation import gettext as _

from reelbox.core.errors import ApiError
from reelbox.core.ttlcache import TTLCache
from reelbox.videos import queries as video_queries

PAGE_SIZE = 10
MAX_PAGE_SIZE = 30
# Bounded so cursors stay small: past this many videos a session starts
# afresh and may meet the earliest ones again.
MAX_SEEN = 2000
MAX_CURSOR_BYTES = 1 << 17
_signer = signing.Signer(salt="reelbox.feed.cursor")


def encode_cursor(seen: set[int]) -> str:
    """The seen set as a bitmap over primary keys: ~1 bit per video in the id range, then zlib."""
    base = min(seen)
    bits = 0
    for pk in seen:
        bits |= 1 << (pk - base)
    raw = base.to_bytes(8, "big") + bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    return _signer.sign(base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("="))


def decode_cursor(cursor: str | None) -> set[int]:
    if not cursor:
        return set()
    try:
        packed = _signer.unsign(cursor)
        inflater = zlib.decompressobj()
        # A signed cursor is ours, but cap inflation anyway: a leaked secret
        # must not turn into a decompression bomb.
        raw = inflater.decompress(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)), MAX_CURSOR_BYTES)
        if inflater.unconsumed_tail:
            raise ValueError("cursor too large")
        base = int.from_bytes(raw[:8], "big")
        bits = bin(int.from_bytes(raw[8:], "little"))[:1:-1]
    except (signing.BadSignature, ValueError, zlib.error, TypeError):
        raise ApiError(_("cursor: this cursor is invalid; start again without one."), "invalid_cursor") from None
    return {base + i for i, bit in enumerate(bits) if bit == "1"}


# Candidate lists are shared by every viewer; recomputing them per request
# would dominate the feed's cost. A new or removed video shows up (or goes)
# within CANDIDATE_TTL_S.
CANDIDATE_TTL_S = 2.0
_candidates = TTLCache(ttl_s=CANDIDATE_TTL_S, max_items=16)


def _ids(order: str, limit: int) -> list[int]:
    cached = _candidates.get(order)
    if cached is None or (len(cached) < limit and cached.complete is False):
        size = max(limit, 500)
        rows = list(video_queries.playable().order_by(order, "-pk").values_list("pk", flat=True)[:size])
        cached = _IdList(rows, complete=len(rows) < size)
        _candidates.set(order, cached)
    return cached[:limit]


def clear_caches() -> None:
    _candidates.clear()
    video_queries.clear_cache()


class _IdList(list):
    def __init__(self, rows, complete: bool):
        super().__init__(rows)
        self.complete = complete


def foryou_page(viewer, cursor: str | None, limit: int = PAGE_SIZE) -> tuple[list[dict], str | None]:
    """One page of serialized videos and the cursor for the next."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    seen = decode_cursor(cursor)
    if len(seen) >= MAX_SEEN:
        seen = set()
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
    items = video_queries.serialize_many(picked)
    next_cursor = encode_cursor(seen_set) if len(picked) == limit else None
    return items, next_cursor
