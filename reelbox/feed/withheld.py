"""Which videos of the serving model's catalogue For You must not recommend now, kept exact per process.

The model knows the videos that were playable when it was trained; since then some may have been held by
moderation, made private or deleted, or their author deactivated or made private. A personal page used to
check its candidates against the database with answers kept for 5 s: over a catalogue of 1M videos most
checks missed (0.15-0.28 ms a page, against 0.02 ms at 1k), and a held video could still be recommended by
other processes for those 5 s. Here a process reads which catalogue items are recommendable
(``videos.queries.recommendable()``) when its first model loads (a retrained model carries the answers over
and asks only about its new videos), then follows the audience change log (``videos.audience``, written by
database triggers) every ``audience.SYNC_S``: the engine drops withheld items before ranking with an array
lookup, at any catalogue size, and a change reaches the next pages of every process. The lists shared by
viewers without a history (``feed.queries``) follow the same log with ``changed_since``.
"""

from __future__ import annotations

import threading

import numpy as np

from reelbox.recsys.catalog import Catalog
from reelbox.videos import audience
from reelbox.videos import queries as video_queries

# Ids per IN list when checking many videos (an author's whole catalogue) against the database.
CHUNK = 5000


class Withheld:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.pks = np.array([it.item for it in catalog.items], dtype=np.int64)
        # True: must not be recommended. Everything is, until load() reads what may.
        self.mask = np.ones(len(catalog), dtype=bool)
        # In the process's audience.follower: every change up to here is in the mask.
        self.position = -1
        self._lock = threading.Lock()

    @classmethod
    def load(cls, catalog: Catalog, previous: Withheld | None = None) -> Withheld:
        """Read the recommendable items of ``catalog`` (1 s at 1M videos on SQLite: done where models load),
        or, given the mask of the model it replaces, only those that model did not know (a retrain's new
        videos): the rest carry over with the changes already applied to them."""
        withheld = cls(catalog)
        if previous is None or audience.follower.after(previous.position) is None:
            withheld._load_all()
        else:
            withheld._carry_over(previous)
        return withheld

    def current(self) -> np.ndarray:
        """The mask over catalogue indices, with the changes logged up to audience.SYNC_S ago at most."""
        with self._lock:
            news = audience.follower.after(self.position)
            if news is None:
                self._load_all()  # fell behind what the follower keeps
            elif news[1]:
                self._apply(news[1])
                self.position = news[0]
        return self.mask

    def _load_all(self) -> None:
        position = audience.follower.start()
        # In id order: SQLite then reads the table front to back (0.8 s at 1M) rather than row by row through
        # an index it would otherwise pick (3.4-4.7 s).
        ids = video_queries.recommendable().order_by("pk").values_list("pk", flat=True)
        ok = np.fromiter(ids.iterator(chunk_size=20_000), dtype=np.int64)
        self.mask, self.position = ~np.isin(self.pks, ok), position

    def _carry_over(self, previous: Withheld) -> None:
        with previous._lock:
            # Consistent with its position: every change up to it is in the mask, later ones come at our next page.
            position, mask, pks = previous.position, previous.mask.copy(), previous.pks
        order = np.argsort(pks, kind="stable")
        at = np.minimum(np.searchsorted(pks, self.pks, sorter=order), max(len(pks) - 1, 0))
        known = pks[order[at]] == self.pks if len(pks) else np.zeros(len(self.pks), dtype=bool)
        self.mask[known] = mask[order[at[known]]]
        self.position = position
        self._recheck(np.flatnonzero(~known))

    def _apply(self, rows: list[tuple[int | None, int | None]]) -> None:
        index = self.catalog.index
        touched = {index[video] for video, _author in rows if video is not None and video in index}
        codes = [c for c in {self.catalog.code("creator", author) for _video, author in rows if author is not None}
                 if c >= 0]
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


def changed_since(position: int) -> tuple[set[int], set[int]] | None:
    """(video ids, author ids) whose audience changed after ``position`` in this process's follower, for a list
    of videos read from ``recommendable()`` after taking it; None when it must be read again."""
    news = audience.follower.after(position)
    if news is None:
        return None
    rows = news[1]
    return {v for v, _a in rows if v is not None}, {a for _v, a in rows if a is not None}
