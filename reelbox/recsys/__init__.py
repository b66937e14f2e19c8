"""Reelbox recommendation engine: a pure-Python/numpy package with no Django dependency.

The Django feed builds `Interactions` and `Item`s from its tables, calls `Engine.fit` in a worker,
saves the `Model`, and serves pages with `Engine(model=Model.load(path)).recommend(...)`.
"""

from reelbox.recsys.bloom import BloomFilter
from reelbox.recsys.config import DEFAULT_CONFIG, merge_config
from reelbox.recsys.engine import Engine, Recommendation
from reelbox.recsys.exploration import ExposurePools
from reelbox.recsys.model import Model
from reelbox.recsys.signals import Interactions, Item, WatchQuantiles, feedback_weight

__all__ = [
    "DEFAULT_CONFIG",
    "BloomFilter",
    "Engine",
    "ExposurePools",
    "Interactions",
    "Item",
    "Model",
    "Recommendation",
    "WatchQuantiles",
    "feedback_weight",
    "merge_config",
]
