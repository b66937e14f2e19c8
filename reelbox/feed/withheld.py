"""Which videos of the serving model's catalogue For You must not recommend now, kept exact per process.

The model knows the videos that were playable when it was trained; since then some may have been held by
moderation, made private or deleted, or their author deactivated or made private. A personal page used to
check its candidates against the database with answers kept for 5 s: over a catalogue of 1M videos most
checks missed (0.15-0.28 ms a page, against 0.02 ms at 1k), and a held video could still be recommended by
other processes for those 5 s. Here a process reads which catalogue items are recommendable
(``videos.queries.recommendable()``) when its first model loads (a retrained model carries the answers over
and asks only about its new videos), then follows the audience change log (``videos.audience``, written by
database triggers) every SYNC_S: the engine drops withheld items before ranking with an array lookup, at any
catalogue size, and a change reaches the next pages of every process.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from reelbox.recsys.catalog import Catalog
from reelbox.videos import audience
from reelbox.videos import queries as video_queries

# How often a process reads the log: a change made elsewhere reaches its pages within this (the process
# that made it through the domain's actions, at once). Reading it on every page cost 2 % of a page at 1k videos
# on SQLite, and a round trip on PostgreSQL.
SYNC_S = 0.5
# Ids per IN list when checking many videos (an author's whole catalogue) against the database.
CHUNK = 5000


class Withheld:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.pks = np.array([it.item for it in catalog.items], dtype=np.int64)
        # True: must not be recommended. Everything is, until load() reads what may.
        self.mask = np.ones(len(catalog), dtype=bool)
        self.mark = 0
        # PostgreSQL: rows of transactions from this one on may still appear below the mark (audience.horizon);
        # `pending` holds those of them already applied.
        self.horizon = audience.NO_HORIZON
        self.pending: set[int] = set()
        self.synced_at = float("-inf")
        self.writes = audience.writes()
        self._lock = threading.Lock()

    @classmethod
    def load(cls, catalog: Catalog, previous: Withheld | None = None) -> Withheld:
        """Read the recommendable items of ``catalog`` (1 s at 1M videos on SQLite: done where models load),
        or, given the mask of the model it replaces, only those that model did not know (a retrain's new
        videos): the rest carry over with the changes already applied to them."""
        withheld = cls(catalog)
        if previous is None or not previous.live():
            withheld._load_all()
        else:
            withheld._carry_over(previous)
        return withheld

    def live(self) -> bool:
        return time.monotonic() - self.synced_at < audience.KEEP.total_seconds() / 2

    def current(self) -> np.ndarray:
        """The mask over catalogue indices, with the changes logged up to SYNC_S ago at most."""
        now = time.monotonic()
        if now - self.synced_at < SYNC_S and self.writes == audience.writes():
            return self.mask
        with self._lock:
            self.writes = audience.writes()
            if not self.live():
                self._load_all()  # the log may have been pruned past our mark
            horizon = audience.horizon()
            rows = audience.since(self.mark, self.horizon)
            fresh = [r for r in rows if r[0] > self.mark or r[0] not in self.pending]
            if fresh:
                self._apply(fresh)
                self.mark = max(self.mark, max(r[0] for r in fresh))
            self.horizon = horizon
            self.pending = {r[0] for r in rows if r[3] is not None and r[3] >= horizon}
            self.synced_at = now
        return self.mask

    def _load_all(self) -> None:
        # The mark and horizon first: a change committed while the items are read is applied at the next sync.
        self.horizon, self.pending = audience.horizon(), set()
        mark = audience.latest_id()
        # In id order: SQLite then reads the table front to back (0.8 s at 1M) rather than row by row through
        # an index it would otherwise pick (3.4-4.7 s).
        ids = video_queries.recommendable().order_by("pk").values_list("pk", flat=True)
        ok = np.fromiter(ids.iterator(chunk_size=20_000), dtype=np.int64)
        mask = ~np.isin(self.pks, ok)
        self.mask, self.mark, self.synced_at = mask, mark, time.monotonic()

    def _carry_over(self, previous: Withheld) -> None:
        with previous._lock:
            # Consistent with its mark: every change up to it is in the mask, later ones come at our next sync.
            mark, mask, pks = previous.mark, previous.mask.copy(), previous.pks
            self.horizon, self.pending = previous.horizon, set(previous.pending)
        order = np.argsort(pks, kind="stable")
        at = np.minimum(np.searchsorted(pks, self.pks, sorter=order), max(len(pks) - 1, 0))
        known = pks[order[at]] == self.pks if len(pks) else np.zeros(len(self.pks), dtype=bool)
        self.mask[known] = mask[order[at[known]]]
        self.mark, self.synced_at = mark, time.monotonic()
        self._recheck(np.flatnonzero(~known))

    def _apply(self, rows: list[tuple]) -> None:
        index = self.catalog.index
        touched = {index[r[1]] for r in rows if r[1] is not None and r[1] in index}
        codes = [c for c in {self.catalog.code("creator", r[2]) for r in rows if r[2] is not None} if c >= 0]
        if codes:
            touched.update(np.flatnonzero(np.isin(self.catalog.creator_code, codes)).tolist())
        if not touched:
            return
        self._recheck(np.fromiter(touched, dtype=np.int64, count=len(touched)))

    def _recheck(self, positions: np.ndarray) -> None:
        """Ask the database about these catalogue items. Withheld first, then released if recommendable: a page
        ranked meanwhile (the mask is read without the lock) errs on the side of leaving a video out."""
        if not len(positions):
            return
        self.mask[positions] = True
        pks = self.pks[positions]
        ok = [pk for start in range(0, len(pks), CHUNK)
              for pk in video_queries.recommendable().filter(pk__in=pks[start:start + CHUNK].tolist())
              .values_list("pk", flat=True)]
        self.mask[positions[np.isin(pks, ok)]] = False

