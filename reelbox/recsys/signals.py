"""Engine input tables and the event -> implicit-feedback weight function."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from reelbox.recsys.config import ACTIONS


@dataclass
class Interactions:
    """Columnar event log: one row per view, with what the viewer did."""

    user: np.ndarray
    item: np.ndarray
    timestamp: np.ndarray
    watch_ratio: np.ndarray
    completed: np.ndarray
    replay: np.ndarray
    skip: np.ndarray
    like: np.ndarray
    comment: np.ndarray
    share: np.ndarray
    follow: np.ndarray
    not_interested: np.ndarray

    def __len__(self) -> int:
        return len(self.user)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> Interactions:
        rows = list(records)
        cols: dict[str, np.ndarray] = {
            "user": np.array([r["user"] for r in rows], dtype=object),
            "item": np.array([r["item"] for r in rows], dtype=object),
            "timestamp": np.array([float(r.get("timestamp", 0.0)) for r in rows], dtype=np.float64),
            "watch_ratio": np.array([float(r.get("watch_ratio", 0.0)) for r in rows], dtype=np.float64),
        }
        for a in ACTIONS:
            cols[a] = np.array([bool(r.get(a, False)) for r in rows], dtype=bool)
        return cls(**cols)

    @classmethod
    def from_arrays(cls, user: Any, item: Any, timestamp: Any, **signals: Any) -> Interactions:
        n = len(user)
        cols = {"user": np.asarray(user, dtype=object), "item": np.asarray(item, dtype=object),
                "timestamp": np.asarray(timestamp, dtype=np.float64),
                "watch_ratio": np.asarray(signals.pop("watch_ratio", np.zeros(n)), dtype=np.float64)}
        for a in ACTIONS:
            cols[a] = np.asarray(signals.pop(a, np.zeros(n, dtype=bool)), dtype=bool)
        if signals:
            raise TypeError(f"unknown signal columns: {sorted(signals)}")
        return cls(**cols)

    def take(self, idx: np.ndarray) -> Interactions:
        return Interactions(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def records(self) -> list[dict[str, Any]]:
        names = [f.name for f in fields(self)]
        return [{n: getattr(self, n)[i].item() if hasattr(getattr(self, n)[i], "item") else getattr(self, n)[i]
                 for n in names} for i in range(len(self))]


@dataclass
class Item:
    item: Hashable
    creator: Hashable
    hashtags: tuple[str, ...] = ()
    sound: Hashable | None = None
    duration_s: float = 15.0
    created_at: float = 0.0
    language: str | None = None
    # Added to the ranking affinity: a configured promotion (e.g. a featured challenge's entries).
    boost: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"item": self.item, "creator": self.creator, "hashtags": list(self.hashtags), "sound": self.sound,
                "duration_s": self.duration_s, "created_at": self.created_at, "language": self.language,
                "boost": self.boost}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Item:
        return cls(d["item"], d["creator"], tuple(d.get("hashtags", ())), d.get("sound"),
                   float(d.get("duration_s", 15.0)), float(d.get("created_at", 0.0)), d.get("language"),
                   float(d.get("boost", 0.0)))


@dataclass
class WatchQuantiles:
    """D2Q (Zhan et al. 2022): a watch ratio means different things for a 7 s and a 3 min video, so
    engagement is the ratio's quantile among views of videos in the same duration bucket."""

    edges: np.ndarray
    # Sorted watch ratios per bucket, thinned to at most 1001 points so the table stays small.
    tables: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def fit(cls, watch_ratio: np.ndarray, duration_s: np.ndarray, edges: Iterable[float]) -> WatchQuantiles:
        e = np.asarray(list(edges), dtype=np.float64)
        bucket = np.searchsorted(e, duration_s, side="right")
        tables = []
        for b in range(len(e) + 1):
            v = np.sort(watch_ratio[bucket == b])
            if len(v) > 1001:
                v = v[np.linspace(0, len(v) - 1, 1001).astype(int)]
            tables.append(v)
        return cls(e, tables)

    def quantile(self, watch_ratio: np.ndarray, duration_s: np.ndarray) -> np.ndarray:
        bucket = np.searchsorted(self.edges, duration_s, side="right")
        out = np.clip(np.asarray(watch_ratio, dtype=np.float64), 0.0, 1.0)  # fallback: raw ratio
        for b in np.unique(bucket):
            t = self.tables[b] if b < len(self.tables) else np.zeros(0)
            if len(t) < 10:
                continue
            m = bucket == b
            # Mid-rank so ties (e.g. many views at ratio 1.0) land on their shared middle quantile.
            lo = np.searchsorted(t, watch_ratio[m], side="left")
            hi = np.searchsorted(t, watch_ratio[m], side="right")
            out[m] = (lo + hi) / (2.0 * len(t))
        return out


def feedback_weight(events: Interactions, duration_s: np.ndarray, quantiles: WatchQuantiles,
                    weights: Mapping[str, float], skip_ratio: float) -> np.ndarray:
    """Signed implicit-feedback weight per event; positives feed the collaborative model, negatives
    (skips, 'not interested') are kept as penalties."""
    q = quantiles.quantile(events.watch_ratio, duration_s)
    skip = events.skip | ((events.watch_ratio < skip_ratio) & ~events.completed)
    w = weights.get("watch", 1.0) * q
    for name in ("completed", "replay", "like", "comment", "share", "follow", "not_interested"):
        w = w + weights.get(name, 0.0) * getattr(events, name)
    return w + weights.get("skip", 0.0) * skip
