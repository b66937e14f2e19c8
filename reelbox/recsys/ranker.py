"""Value model: score = sum_a P(a | user, item) * V(a) + E(watch | user, item) * V(watch).

P(a) starts from the item's smoothed rate of action a (shrunk towards the global rate, so a video
with 3 views and 1 share is not ranked as if 33 % of viewers share it) and is shifted in logit space
by the user's affinity for the item; negative actions move the opposite way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from reelbox.recsys.config import ACTIONS

NEGATIVE = {"skip", "not_interested"}


class ActionRates:
    """Per-item counters of impressions, actions and duration-debiased watch quantile."""

    def __init__(self, n_items: int = 0) -> None:
        self.impressions = np.zeros(n_items)
        self.watch = np.zeros(n_items)
        self.counts = {a: np.zeros(n_items) for a in ACTIONS}
        self._totals: tuple | None = None

    def grow(self, n_items: int) -> None:
        extra = n_items - len(self.impressions)
        if extra <= 0:
            return
        self.impressions = np.concatenate([self.impressions, np.zeros(extra)])
        self.watch = np.concatenate([self.watch, np.zeros(extra)])
        self.counts = {a: np.concatenate([c, np.zeros(extra)]) for a, c in self.counts.items()}
        self._totals = None

    def add(self, items: np.ndarray, watch_q: np.ndarray, actions: Mapping[str, np.ndarray]) -> None:
        np.add.at(self.impressions, items, 1.0)
        np.add.at(self.watch, items, watch_q)
        for a in ACTIONS:
            np.add.at(self.counts[a], items, np.asarray(actions[a], dtype=np.float64))
        self._totals = None

    def _global_rates(self) -> tuple[dict[str, float], float]:
        # Sums over the whole catalogue: kept until the counters change, not redone for every page.
        if self._totals is None:
            total = max(self.impressions.sum(), 1.0)
            self._totals = ({a: (self.counts[a].sum() + 1.0) / (total + 2.0) for a in ACTIONS},
                            (self.watch.sum() + 0.5) / (total + 1.0))
        return self._totals

    def smoothed(self, items: np.ndarray, strength: float, actions: list[str]) -> np.ndarray:
        """(1 + len(actions), len(items)): the items' watch rate, then their rate of each action, each shrunk
        towards the global rate by ``strength`` impressions' worth of it."""
        global_rates, gw = self._global_rates()
        out = np.empty((1 + len(actions), len(items)))
        out[0] = self.watch[items]
        for row, a in enumerate(actions, 1):
            out[row] = self.counts[a][items]
        out += strength * np.array([gw] + [global_rates[a] for a in actions])[:, None]
        out /= self.impressions[items] + strength
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        out = {"rates_impressions": self.impressions, "rates_watch": self.watch}
        out.update({f"rates_{a}": c for a, c in self.counts.items()})
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> ActionRates:
        r = cls(0)
        r.impressions = np.array(arrays["rates_impressions"], dtype=np.float64)
        r.watch = np.array(arrays["rates_watch"], dtype=np.float64)
        r.counts = {a: np.array(arrays[f"rates_{a}"], dtype=np.float64) for a in ACTIONS}
        return r


def value_scores(rates: ActionRates, items: np.ndarray, affinity: np.ndarray, cfg: Mapping) -> np.ndarray:
    """Expected value of showing each item; `affinity` is the user's relevance in [-1, 1].

    Each rate p is moved by x = ``affinity_weight`` * affinity in logit space (against it for negative
    actions): sigmoid(logit(p) + x) = p / (p + (1 - p) * exp(-x)). One pass over an (actions x items) table
    rather than eight logits and sigmoids: a page ranks a few hundred items, where numpy's per-call cost
    outweighs the arithmetic."""
    values = cfg["values"]
    actions = [a for a in values if a != "watch" and a in ACTIONS]
    p = np.clip(rates.smoothed(items, cfg["prior_strength"], actions), 1e-6, 1 - 1e-6)
    shift = cfg["affinity_weight"] * affinity
    towards, against = np.exp(-shift), np.exp(shift)
    negative = np.array([False] + [a in NEGATIVE for a in actions])[:, None]
    moved = p / (p + (1.0 - p) * np.where(negative, against, towards))
    return np.array([values.get("watch", 0.0)] + [values[a] for a in actions]) @ moved


class Trending:
    """Exponentially time-decayed view counts. Scores are stored relative to a reference time so an
    event costs O(1) instead of decaying every item."""

    def __init__(self, n_items: int, half_life_s: float) -> None:
        self.half_life_s = half_life_s
        self.ref = 0.0
        self.scores = np.zeros(n_items)
        # Bumped whenever scores change: the order of items is cached until then (see top()).
        self._revision = 0
        self._top: tuple | None = None

    def grow(self, n_items: int) -> None:
        if n_items > len(self.scores):
            self.scores = np.concatenate([self.scores, np.zeros(n_items - len(self.scores))])
            self._revision += 1

    def add(self, items: np.ndarray, timestamps: np.ndarray, weights: np.ndarray | None = None) -> None:
        if len(items) == 0:
            return
        self._revision += 1
        t_max = float(np.max(timestamps))
        # Re-base before exponents get large enough to overflow (2^900 is near float64's limit).
        if (t_max - self.ref) / self.half_life_s > 900:
            self.scores *= 2.0 ** (-(t_max - self.ref) / self.half_life_s)
            self.ref = t_max
        w = np.ones(len(items)) if weights is None else weights
        np.add.at(self.scores, items, w * 2.0 ** ((np.asarray(timestamps) - self.ref) / self.half_life_s))

    def at(self, now: float) -> np.ndarray:
        """Decayed counts at `now`; one common factor, so ranking never needs it but reasons do."""
        return self.scores * self._factor(now)

    def top(self, k: int, now: float) -> tuple[np.ndarray, np.ndarray]:
        """The k hottest items with any views, hottest first, and their decayed counts at `now`.

        The order is the same at any time (one common factor), so it is kept until the counts change: every
        page asks for it, and sorting a large catalogue per page would cost more than the rest of the page."""
        cached = self._top
        if cached is None or cached[0] != (self._revision, k):
            n = min(k, len(self.scores))
            top = np.argpartition(-self.scores, n - 1)[:n] if n > 0 else np.zeros(0, dtype=np.int64)
            top = top[np.argsort(-self.scores[top], kind="stable")]
            cached = self._top = ((self._revision, k), top[self.scores[top] > 0])
        top = cached[1]
        return top, self.scores[top] * self._factor(now)

    def _factor(self, now: float) -> float:
        return 2.0 ** (-(now - self.ref) / self.half_life_s) if math.isfinite(now) else 1.0
