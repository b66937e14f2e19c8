"""Synthetic short-video world shared by the engine tests."""

from __future__ import annotations

import numpy as np
import pytest

from reelbox.recsys import Engine, Interactions, Item

TAGS = ("cats", "dogs", "cooking", "travel", "music", "sports")
T0 = 1_700_000_000.0


def make_items(n: int = 240, seed: int = 0) -> list[Item]:
    rng = np.random.default_rng(seed)
    items = []
    for i in range(n):
        tag = TAGS[i % len(TAGS)]
        items.append(Item(f"v{i}", creator=f"c{i % 40}", hashtags=(tag,), sound=f"s{i % 25}",
                          duration_s=float(rng.choice([7, 15, 30, 60])), created_at=T0 - 86400 * 5 + i * 60,
                          language="en" if i % 5 else "de"))
    return items


def make_log(items: list[Item], n_users: int = 120, per_user: int = 30, seed: int = 1) -> Interactions:
    """Each user prefers one hashtag: completes and likes it, mostly skips the rest."""
    rng = np.random.default_rng(seed)
    rows = []
    by_tag = {t: [it for it in items if it.hashtags[0] == t] for t in TAGS}
    for u in range(n_users):
        fav = TAGS[u % len(TAGS)]
        for n in range(per_user):
            liked = rng.random() < 0.7
            it = by_tag[fav][rng.integers(len(by_tag[fav]))] if liked else items[rng.integers(len(items))]
            good = it.hashtags[0] == fav
            rows.append({"user": f"u{u}", "item": it.item, "timestamp": T0 - 86400 + u * 100 + n,
                         "watch_ratio": float(rng.uniform(0.8, 1.6)) if good else float(rng.uniform(0.0, 0.2)),
                         "completed": good, "like": good and rng.random() < 0.3, "skip": not good})
    return Interactions.from_records(rows)


@pytest.fixture(scope="session")
def world() -> tuple[list[Item], Interactions]:
    items = make_items()
    return items, make_log(items)


@pytest.fixture()
def engine(world: tuple[list[Item], Interactions]) -> Engine:
    items, log = world
    eng = Engine({"exploration": {"share": 0.0}})
    eng.fit(log, items)
    return eng
