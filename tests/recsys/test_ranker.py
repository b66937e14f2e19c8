"""The value model (reelbox.recsys.ranker) and the sources' lazily built reasons."""

from __future__ import annotations

import math

import numpy as np
import pytest

from reelbox.recsys import sources
from reelbox.recsys.config import ACTIONS, merge_config
from reelbox.recsys.ranker import NEGATIVE, ActionRates, value_scores


def rates_of(rows: list[dict[str, int]], views: list[int]) -> ActionRates:
    """Items with `views[i]` impressions, each action a counted rows[i][a] times, watch quantile 0.5."""
    rates = ActionRates(len(views))
    for item, (row, n) in enumerate(zip(rows, views)):
        idx = np.full(n, item)
        rates.add(idx, np.full(n, 0.5), {a: np.arange(n) < row.get(a, 0) for a in ACTIONS})
    return rates


def by_definition(rates: ActionRates, item: int, affinity: float, cfg: dict) -> float:
    """sum over actions of V(a) * sigmoid(logit(smoothed rate) +- affinity_weight * affinity), one item at a time."""
    strength, shift = cfg["prior_strength"], cfg["affinity_weight"] * affinity
    total = max(rates.impressions.sum(), 1.0)
    n = rates.impressions[item]

    def moved(p: float, sign: float) -> float:
        p = min(max(p, 1e-6), 1 - 1e-6)
        return 1.0 / (1.0 + math.exp(-(math.log(p / (1 - p)) + sign * shift)))

    watch_prior = (rates.watch.sum() + 0.5) / (total + 1.0)
    score = cfg["values"]["watch"] * moved((rates.watch[item] + strength * watch_prior) / (n + strength), 1.0)
    for a, v in cfg["values"].items():
        if a == "watch":
            continue
        prior = (rates.counts[a].sum() + 1.0) / (total + 2.0)
        score += v * moved((rates.counts[a][item] + strength * prior) / (n + strength), -1.0 if a in NEGATIVE else 1.0)
    return score


def test_scores_follow_the_logit_shift_definition():
    cfg = merge_config({})["ranker"]
    rates = rates_of([{"like": 30, "completed": 60}, {"skip": 80}, {"share": 1}, {}], [100, 100, 3, 0])
    items = np.array([3, 0, 2, 1])
    affinity = np.array([0.0, 1.0, -0.5, 1.5])
    got = value_scores(rates, items, affinity, cfg)
    want = [by_definition(rates, int(i), float(x), cfg) for i, x in zip(items, affinity)]
    assert got == pytest.approx(want, rel=1e-12)


def test_rates_are_shrunk_and_negative_actions_count_against():
    cfg = merge_config({})["ranker"]
    # Item 0: 1 share in 3 views; item 1: 100 shares in 1,000. The raw rate would put item 0 far ahead.
    rates = rates_of([{"share": 1}, {"share": 100}, {"skip": 900}, {}], [3, 1000, 1000, 1000])
    flat = np.zeros(4)
    scores = value_scores(rates, np.arange(4), flat, cfg)
    assert scores[1] > scores[0]
    assert scores[2] < scores[3]  # skipped by most viewers
    # Affinity raises every positive action's chance and lowers the negative ones'.
    assert (value_scores(rates, np.arange(4), np.ones(4), cfg) > scores).all()


def test_reasons_are_made_when_read():
    made = []

    def make(at: int) -> dict:
        made.append(at)
        return {"at": at}

    reasons = sources.Reasons(3, make)
    assert len(reasons) == 3 and made == []
    assert reasons[2] == {"at": 2} and reasons[-3] == {"at": 0} and made == [2, 0]
    assert reasons[1:] == [{"at": 1}, {"at": 2}]
    assert list(reasons) == [{"at": 0}, {"at": 1}, {"at": 2}]
    with pytest.raises(IndexError):
        reasons[3]
