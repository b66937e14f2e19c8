"""Staged exposure for new videos: small audience first, larger pools only while the video performs.

Pool L holds up to pool0 * growth^L impressions. When a pool is used up the video's completion and
engagement rates are compared with the median of videos that finished the same pool: beating both
promotes it; otherwise it is demoted one level (a second failure, or failing pool 0, retires it).
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

ACTIVE, GRADUATED, RETIRED = "active", "graduated", "retired"


@dataclass
class Exposure:
    level: int = 0
    impressions: int = 0
    completions: int = 0
    engagements: int = 0
    status: str = ACTIVE
    strikes: int = 0

    def rates(self) -> tuple[float, float]:
        n = max(self.impressions, 1)
        return self.completions / n, self.engagements / n


class ExposurePools:
    def __init__(self, pool0: int = 100, growth: int = 10, levels: int = 4, median_window: int = 50,
                 default_completion: float = 0.3, default_engagement: float = 0.05) -> None:
        self.pool0, self.growth, self.levels = pool0, growth, levels
        self.default = (default_completion, default_engagement)
        self.items: dict[int, Exposure] = {}
        # Recent finishers per level: a rolling median adapts as the platform's content mix changes.
        self.finished: list[deque[tuple[float, float]]] = [deque(maxlen=median_window) for _ in range(levels)]
        # Bumped on every change, so serving can cache what it derives from the pools (see snapshot()).
        self._revision = 0
        self._snapshot: tuple | None = None

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> ExposurePools:
        return cls(cfg["pool0_impressions"], cfg["growth"], cfg["levels"], cfg["median_window"],
                   cfg["default_completion"], cfg["default_engagement"])

    def capacity(self, level: int) -> int:
        return self.pool0 * self.growth ** level

    def add(self, item: int) -> None:
        self.items.setdefault(item, Exposure())
        self._revision += 1

    def medians(self, level: int) -> tuple[float, float]:
        done = self.finished[level]
        if len(done) < 3:
            return self.default
        arr = np.array(done)
        return float(np.median(arr[:, 0])), float(np.median(arr[:, 1]))

    def record(self, item: int, completed: bool, engaged: bool) -> None:
        e = self.items.get(item)
        if e is None or e.status != ACTIVE:
            return
        self._revision += 1
        e.impressions += 1
        e.completions += int(completed)
        e.engagements += int(engaged)
        if e.impressions >= self.capacity(e.level):
            self._judge(e)

    def _judge(self, e: Exposure) -> None:
        completion, engagement = e.rates()
        med_c, med_e = self.medians(e.level)
        self.finished[e.level].append((completion, engagement))
        if completion > med_c and engagement > med_e:
            if e.level + 1 >= self.levels:
                e.status = GRADUATED
            else:
                e.level += 1
        elif e.level == 0 or e.strikes > 0:
            e.status = RETIRED
        else:
            e.level -= 1
            e.strikes += 1
        e.impressions = e.completions = e.engagements = 0

    def active(self) -> list[int]:
        return [i for i, e in self.items.items() if e.status == ACTIVE]

    def need(self, item: int) -> float:
        """Share of the current pool still unfilled; exploration serves the emptiest pools first."""
        e = self.items[item]
        return 1.0 - e.impressions / self.capacity(e.level)

    def snapshot(self, catalog_items: list) -> tuple[np.ndarray, np.ndarray, list[tuple[str, np.ndarray]]]:
        """(active items, their need, and per language the positions of its items, neediest first), cached
        until the pools change.

        Every page reads them; walking every active item in Python per request grows with the number of new
        videos (thousands on a busy platform), while the served model's pools only change at a retrain. The
        per-language orders let a page find its k neediest items for any mix of language boosts by looking
        at k per language, not at every item. ``catalog_items[i].language`` is item i's language (None when
        unknown, grouped as "")."""
        snap = self._snapshot
        if snap is None or snap[0] != (self._revision, len(catalog_items)):
            active = self.active()
            need = np.array([self.need(i) for i in active], dtype=np.float64)
            names, codes = np.unique(np.array([catalog_items[i].language or "" for i in active], dtype=object),
                                     return_inverse=True)
            # Neediest first, and among equals the longest waiting (the pools keep arrival order).
            order = np.lexsort((np.arange(len(active)), -need, codes))
            bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
            groups = [(str(name), order[bounds[g]:bounds[g + 1]]) for g, name in enumerate(names)]
            snap = ((self._revision, len(catalog_items)), np.array(active, dtype=np.int64), need, groups)
            self._snapshot = snap  # one reference assignment: safe for concurrent readers
        return snap[1], snap[2], snap[3]

    def state(self) -> dict[str, Any]:
        return {"items": {str(k): asdict(v) for k, v in self.items.items()},
                "finished": [list(map(list, d)) for d in self.finished]}

    def load_state(self, state: dict[str, Any]) -> None:
        self.items = {int(k): Exposure(**v) for k, v in state["items"].items()}
        self._revision += 1
        for d, values in zip(self.finished, state["finished"]):
            d.extend(tuple(v) for v in values)
