"""Per-user state the engine keeps between requests: weighted history, affinities, negatives, seen set."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reelbox.recsys.bloom import BloomFilter


class SeenSet:
    """An exact 'already seen' over catalogue indices, for a state rebuilt per request (``session_state``).

    A served page's state holds a few hundred items and lives for one request: a sorted array answers
    ``contains_many`` by binary search, exactly, in a sixth of the Bloom filter's time (hashing every
    candidate k ways cost about a tenth of a personal page). The Bloom filter stays for states the model keeps
    between requests, where fixed memory matters more."""

    def __init__(self) -> None:
        self.items = np.zeros(0, dtype=np.int64)

    @property
    def count(self) -> int:
        return len(self.items)

    def add_many(self, keys) -> None:
        self.items = np.union1d(self.items, np.asarray(keys, dtype=np.int64))

    def contains_many(self, keys) -> np.ndarray:
        keys = np.asarray(keys, dtype=np.int64)
        if not len(self.items):
            return np.zeros(len(keys), dtype=bool)
        at = np.minimum(np.searchsorted(self.items, keys), len(self.items) - 1)
        return self.items[at] == keys

    def __contains__(self, key) -> bool:
        return bool(self.contains_many([key])[0])


@dataclass
class UserState:
    seen: BloomFilter | SeenSet
    # item -> (accumulated positive weight, index of the user's latest event on it)
    history: dict[int, tuple[float, int]] = field(default_factory=dict)
    n_events: int = 0
    negative_items: set[int] = field(default_factory=set)
    negative_creators: set[Hashable] = field(default_factory=set)
    follows: set[Hashable] = field(default_factory=set)
    # Content affinities: feature kind -> value -> signed weight.
    affinity: dict[str, dict[Hashable, float]] = field(default_factory=lambda: {"hashtag": {}, "sound": {}, "creator": {}})
    language: dict[str, float] = field(default_factory=dict)

    @property
    def is_cold(self) -> bool:
        return not self.history and not self.follows

    def weighted_history(self, half_life_events: float | None) -> tuple[np.ndarray, np.ndarray]:
        if not self.history:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        items = np.fromiter(self.history.keys(), dtype=np.int64, count=len(self.history))
        vals = np.array(list(self.history.values()))
        w = vals[:, 0]
        if half_life_events:
            w = w * 0.5 ** ((self.n_events - 1 - vals[:, 1]) / half_life_events)
        return items, w

    def to_json(self) -> dict[str, Any]:
        return {
            "seen": self.seen.to_bytes().hex(), "seen_count": self.seen.count,
            "seen_capacity": self.seen.capacity, "seen_error": self.seen.error_rate,
            "history": [[i, w, n] for i, (w, n) in self.history.items()], "n_events": self.n_events,
            "negative_items": sorted(self.negative_items), "negative_creators": list(self.negative_creators),
            "follows": list(self.follows),
            "affinity": {k: [[f, w] for f, w in v.items()] for k, v in self.affinity.items()},
            "language": self.language,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> UserState:
        seen = BloomFilter.from_bytes(bytes.fromhex(d["seen"]), d["seen_capacity"], d["seen_error"], d["seen_count"])
        return cls(
            seen=seen,
            history={int(i): (float(w), int(n)) for i, w, n in d["history"]},
            n_events=d["n_events"],
            negative_items=set(d["negative_items"]),
            negative_creators=set(d["negative_creators"]),
            follows=set(d["follows"]),
            affinity={k: {f: w for f, w in v} for k, v in d["affinity"].items()},
            language=dict(d["language"]),
        )
