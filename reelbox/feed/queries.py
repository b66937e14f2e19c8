"""Reads for the feeds.

The For You page mixes the newest and the most-watched playable videos until
the recommender replaces the ranking behind the same function. The cursor is
signed and carries what this session has already been shown, so no video
repeats within a session without any server-side session state.
"""

from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass, field

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


@dataclass
class Cursor:
    """Where a session is in each candidate list, and a bitmap of every video it was shown.

    Positions make a page cost O(page size) instead of O(videos seen); the
    bitmap (one bit per primary key from ``base``) guarantees no repeats even
    when the shared lists shift between pages.
    """

    positions: list[int] = field(default_factory=lambda: [0, 0])
    base: int = 0
    bits: int = 0
    count: int = 0

    def seen(self, pk: int) -> bool:
        return pk >= self.base and (self.bits >> (pk - self.base)) & 1 == 1

    def add(self, pk: int) -> None:
        if self.count == 0:
            self.base = pk
        elif pk < self.base:
            self.bits <<= self.base - pk
            self.base = pk
        self.bits |= 1 << (pk - self.base)
        self.count += 1

    def encode(self) -> str:
        header = struct.pack(">QIII", self.base, self.positions[0], self.positions[1], self.count)
        raw = header + self.bits.to_bytes((self.bits.bit_length() + 7) // 8, "little")
        return _signer.sign(base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("="))

    @classmethod
    def decode(cls, cursor: str | None) -> Cursor:
        if not cursor:
            return cls()
        try:
            packed = _signer.unsign(cursor)
            inflater = zlib.decompressobj()
            # A signed cursor is ours, but cap inflation anyway: a leaked
            # secret must not turn into a decompression bomb.
            raw = inflater.decompress(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)), MAX_CURSOR_BYTES)
            if inflater.unconsumed_tail:
                raise ValueError("cursor too large")
            base, first, second, count = struct.unpack(">QIII", raw[:20])
        except (signing.BadSignature, ValueError, zlib.error, TypeError, struct.error):
            raise ApiError(_("cursor: this cursor is invalid; start again without one."), "invalid_cursor") from None
        return cls([first, second], base, int.from_bytes(raw[20:], "little"), count)


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


def foryou_page(viewer, cursor: str | None, limit: int = PAGE_SIZE) -> tuple[list[str], str | None]:
    """One page of videos (JSON texts) and the cursor for the next."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    state = Cursor.decode(cursor)
    if state.count >= MAX_SEEN:
        state = Cursor()
    lists = [_ids(order, state.positions[i] + limit * 4) for i, order in enumerate(("-created_at", "-view_count"))]
    picked: list[int] = []
    # Alternate newest and most-watched, skipping anything already shown.
    progress = True
    while len(picked) < limit and progress:
        progress = False
        for i, candidates in enumerate(lists):
            while state.positions[i] < len(candidates):
                pk = candidates[state.positions[i]]
                state.positions[i] += 1
                if not state.seen(pk):
                    state.add(pk)
                    picked.append(pk)
                    progress = True
                    break
            if len(picked) >= limit:
                break
    items = video_queries.serialize_many(picked)
    return items, state.encode() if len(picked) == limit else None
