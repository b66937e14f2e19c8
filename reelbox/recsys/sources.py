"""Candidate sources. Each returns its own scored list so it can be measured and tuned alone."""

from __future__ import annotations

import heapq

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reelbox.recsys.catalog import Catalog
from reelbox.recsys.collab import CollabModel
from reelbox.recsys.exploration import ExposurePools
from reelbox.recsys.metrics import top_indices
from reelbox.recsys.ranker import Trending
from reelbox.recsys.scratch import work_arrays
from reelbox.recsys.state import UserState

# Newest items per feature scanned by the content/following sources: a hashtag like #fyp can hold
# millions of videos, and the freshest ones are what a feed wants from it. 300, not 1,000: at 1M videos the
# content source took 446 µs a page against 181 µs, and bench/recsys_simulation.py --videos 20000 (~830 videos
# per hashtag) gave the served feed the same watch time either way (707 against 701 s a session).
FEATURE_SCAN = 300
# Strongest features per kind the content source expands; affinity beyond these is mostly noise.
TOP_FEATURES = 5


@dataclass
class SourceResult:
    name: str
    items: np.ndarray
    scores: np.ndarray
    reasons: Sequence[dict[str, Any]] = field(default_factory=list)


class Reasons(Sequence):
    """Each item's reason, made when read: a page reads those of the few dozen items it ranks highest, of the
    hundreds its sources find (building all of them cost ~0.06 ms a page)."""

    def __init__(self, n: int, make: Callable[[int], dict[str, Any]]) -> None:
        self._n, self._make = n, make

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, at):
        if isinstance(at, slice):
            return [self._make(i) for i in range(*at.indices(self._n))]
        if not -self._n <= at < self._n:
            raise IndexError(at)
        return self._make(at % self._n)


def collaborative(collab: CollabModel, state: UserState, catalog: Catalog, k: int,
                  half_life: float | None) -> SourceResult:
    items, weights = state.weighted_history(half_life)
    known = items < collab.n_items
    items, weights = items[known], weights[known]
    if len(items) == 0:
        return SourceResult("collaborative", np.zeros(0, dtype=np.int64), np.zeros(0))
    top = collab.score_user(items, weights, k)
    because, entries = top.because, catalog.items
    return SourceResult("collaborative", top.items, top.scores,
                        Reasons(len(because), lambda at: {"because": entries[because[at]].item}))


def content_scores(state: UserState, catalog: Catalog, items: np.ndarray, weights: dict[str, float]) -> np.ndarray:
    """Signed content affinity of the user for each item, normalised to [-1, 1]."""
    mass = max((abs(v) for aff in state.affinity.values() for v in aff.values()), default=0.0)
    out = np.zeros(len(items))
    if mass == 0 or len(items) == 0:
        return out
    for kind, aff in state.affinity.items():
        if not aff:
            continue
        codes = np.array([catalog.code(kind, v) for v in aff], dtype=np.int64)
        vals = np.fromiter(aff.values(), dtype=np.float64, count=len(aff))
        known = codes >= 0
        codes, vals = codes[known], vals[known]
        if len(codes) == 0:
            continue
        order = np.argsort(codes)
        codes, vals = codes[order], vals[order]
        c = catalog.codes_of(kind, items)
        pos = np.clip(np.searchsorted(codes, c), 0, len(codes) - 1)
        hit = (codes[pos] == c) & (c >= 0)
        out += weights.get(kind, 1.0) * np.where(hit, vals[pos], 0.0).sum(axis=1)
    return np.tanh(out / mass)


def content(state: UserState, catalog: Catalog, k: int, weights: dict[str, float]) -> SourceResult:
    parts, part_w, part_why = [], [], []
    for kind, aff in state.affinity.items():
        for value, w in heapq.nlargest(TOP_FEATURES, aff.items(), key=lambda kv: kv[1]):
            if w <= 0:
                break
            members = catalog.newest(kind, value, FEATURE_SCAN)
            if len(members):
                parts.append(members)
                part_w.append(weights.get(kind, 1.0) * w)
                part_why.append((kind, value))
    if not parts:
        return SourceResult("content", np.zeros(0, dtype=np.int64), np.zeros(0))
    allp = np.concatenate(parts)
    total, slot = work_arrays(len(catalog))
    try:
        np.add.at(total, allp, np.repeat(part_w, [len(p) for p in parts]))
        # Distinct items without sorting (at 1M videos each feature lists up to FEATURE_SCAN of them): each
        # item's slot keeps the position of its last entry.
        position = np.arange(len(allp))
        slot[allp] = position
        items = allp[slot[allp] == position]
        scores = total[items]
    finally:
        total[allp] = 0.0
    top = top_indices(scores, k)
    items, scores = items[top], scores[top]
    # Reason: the strongest single feature behind each item. Parts are written lightest first, so each
    # item's slot ends up holding the heaviest part that lists it.
    for j in np.argsort(part_w, kind="stable"):
        slot[parts[j]] = j
    strongest = slot[items]
    return SourceResult("content", items, scores, Reasons(len(items), lambda at: dict(
        zip(("kind", "value"), part_why[strongest[at]]))))


def following(follows: Iterable[Hashable], catalog: Catalog, k: int) -> SourceResult:
    arr = np.concatenate([np.zeros(0, dtype=np.int64)] + [catalog.newest("creator", c, FEATURE_SCAN) for c in follows])
    if not len(arr):
        return SourceResult("following", np.zeros(0, dtype=np.int64), np.zeros(0))
    # Newest first: a followed creator's fresh upload is the point of following them.
    order = np.argsort(-catalog.created_at[arr], kind="stable")[:k]
    reasons = [{"creator": catalog.items[i].creator} for i in arr[order]]
    return SourceResult("following", arr[order], np.ones(len(order)), reasons)


def trending(trend: Trending, now: float, k: int) -> SourceResult:
    top, scores = trend.top(k, now)
    return SourceResult("trending", top, scores, Reasons(len(top), lambda _at: {}))


def exploration(pools: ExposurePools, state: UserState, catalog: Catalog, k: int) -> SourceResult:
    """The neediest new items (emptiest pools first), those in the viewer's languages raised by their share."""
    items, need, by_language = pools.snapshot(catalog.items)
    if not len(items):
        return SourceResult("exploration", np.zeros(0, dtype=np.int64), np.zeros(0))
    total = sum(state.language.values()) or 1.0
    weights: dict[str, float] = {}
    for code, weight in state.language.items():
        weights[code or ""] = weights.get(code or "", 0.0) + weight / total
    # A language's boost is the same for all its items, so the k best overall are among each language's k
    # neediest.
    heads = [positions[:k] for _, positions in by_language]
    positions = np.concatenate(heads)
    score = need[positions] + np.repeat([weights.get(name, 0.0) for name, _ in by_language], [len(h) for h in heads])
    top = top_indices(score, k)
    items, need = items[positions[top]], score[top]
    reasons = [{"pool": pools.items[int(i)].level} for i in items]
    return SourceResult("exploration", items, need, reasons)
