"""Engine configuration: one nested dict so deployments can override single values from settings/JSON."""

from __future__ import annotations

import copy
from typing import Any

DEFAULT_CONFIG: dict[str, Any] = {
    "signals": {
        # Implicit-feedback weight of one event; watch is the D2Q quantile in [0, 1].
        "weights": {
            "watch": 1.0, "completed": 0.5, "replay": 0.5, "skip": -0.5,
            "like": 2.0, "comment": 2.0, "share": 3.0, "follow": 3.0, "not_interested": -8.0,
        },
        # Watch ratio below which a view counts as a skip when the client did not say so.
        "skip_watch_ratio": 0.15,
        # Duration buckets (seconds) for the duration-debiased watch quantile.
        "duration_edges": [8.0, 15.0, 30.0, 60.0, 120.0, 300.0],
    },
    # session_tau_s: videos one viewer watched minutes apart count as more related (reelbox.recsys.collab).
    "collab": {"lam": 400.0, "dropout": 0.0, "weight_power": 0.5, "lowrank_dim": 32, "lowrank_weight": 0.1,
               "neighbours": 200, "dense_limit": 12000, "tail_weight": 0.2, "tail_dim": 64, "tail_neighbours": 50,
               "session_tau_s": 360.0, "session_floor": 0.3, "session_pairs": 100},
    # Recent events dominate short-video intent; None keeps all history at full weight.
    "history_half_life_events": 200.0,
    "sources": {"following": 50, "collaborative": 200, "content": 100, "trending": 100, "exploration": 30},
    "trending": {"half_life_hours": 24.0},
    "exploration": {"pool0_impressions": 100, "growth": 10, "levels": 4, "share": 0.1,
                    "median_window": 50, "default_completion": 0.3, "default_engagement": 0.05},
    "ranker": {
        "values": {"watch": 1.0, "completed": 0.5, "like": 2.0, "comment": 3.0, "share": 4.0, "follow": 5.0,
                   "skip": -1.0, "not_interested": -10.0},
        "prior_strength": 20.0,
        "affinity_weight": 3.0,
    },
    "rerank": {"max_run": 2, "bloom_capacity": 20000, "bloom_error": 0.01},
    "content": {"hashtag": 1.0, "sound": 0.7, "creator": 1.0},
}

ACTIONS = ("completed", "replay", "skip", "like", "comment", "share", "follow", "not_interested")


def merge_config(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Deep-merge overrides onto the defaults; unknown keys fail fast to catch typos in deployments."""
    cfg = copy.deepcopy(DEFAULT_CONFIG)
    _merge(cfg, overrides or {}, "")
    return cfg


def _merge(base: dict[str, Any], over: dict[str, Any], path: str) -> None:
    for key, value in over.items():
        if key not in base:
            raise KeyError(f"unknown recsys config key: {path}{key}")
        if isinstance(base[key], dict) and isinstance(value, dict) and path + key not in _FREE_DICTS:
            _merge(base[key], value, f"{path}{key}.")
        else:
            base[key] = copy.deepcopy(value)


# Dicts whose keys are data (action names), merged wholesale rather than validated key by key.
_FREE_DICTS = {"signals.weights", "ranker.values"}
