"""Recommendation latency for one user over a 100k-video catalogue.

    .venv/bin/python bench/recsys_latency.py [--items 100000] [--users 10000] [--calls 300]

Fits the engine on a synthetic log, then times `Engine.recommend` (all sources, ranker, re-rank)
and the collaborative retrieval alone. Retrieval is a sparse sum of the history's neighbour rows
followed by numpy argpartition, so no ANN index is needed at this size.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from reelbox.recsys import Engine, Interactions, Item, sources


def synthetic(n_items: int, n_users: int, per_user: int, seed: int = 0) -> tuple[list[Item], Interactions]:
    rng = np.random.default_rng(seed)
    n_tags = 500
    items = [Item(i, creator=int(i % (n_items // 20)), hashtags=(f"t{i % n_tags}", f"t{(i * 7) % n_tags}"),
                  sound=int(i % 3000), duration_s=float(rng.choice([7, 15, 30, 60, 180])), created_at=float(i))
             for i in range(n_items)]
    # Zipf-like popularity plus per-user topic focus, roughly the shape of a real short-video log.
    pop = rng.zipf(1.3, size=n_users * per_user) % n_items
    topic = np.repeat(rng.integers(0, n_tags, n_users), per_user)
    focused = topic + n_tags * rng.integers(0, n_items // n_tags, n_users * per_user)
    item = np.where(rng.random(n_users * per_user) < 0.5, pop, focused)
    n = len(item)
    log = Interactions.from_arrays(
        np.repeat(np.arange(n_users), per_user), item, 1.7e9 + np.arange(n, dtype=np.float64),
        watch_ratio=rng.uniform(0, 1.5, n), completed=rng.random(n) < 0.4, like=rng.random(n) < 0.05,
        skip=rng.random(n) < 0.2)
    return items, log


def pct(xs: list[float]) -> str:
    a = np.array(xs) * 1000
    return f"p50 {np.percentile(a, 50):.2f} ms  p99 {np.percentile(a, 99):.2f} ms  max {a.max():.2f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--users", type=int, default=10_000)
    ap.add_argument("--per-user", type=int, default=30)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--history", type=int, default=200, help="events in the measured user's history")
    args = ap.parse_args()

    items, log = synthetic(args.items, args.users, args.per_user)
    t0 = time.perf_counter()
    # A 3k dense core keeps the benchmark's fit short; serving cost depends on neighbours, not the core.
    eng = Engine({"collab": {"dense_limit": 3000, "neighbours": 100}})
    model = eng.fit(log, items)
    print(f"fit: {time.perf_counter() - t0:.1f} s  items={len(model.catalog)} events={len(log)} "
          f"neighbour nnz={model.collab.matrix.nnz}")

    rng = np.random.default_rng(1)
    hist = rng.integers(0, args.items, args.history)
    eng.update("bench", [{"item": int(i), "timestamp": 1.8e9 + n, "watch_ratio": 1.0, "completed": True}
                         for n, i in enumerate(hist)])
    state = model.users["bench"]
    for _ in range(20):
        eng.recommend("bench", 10)
    full, retrieval = [], []
    for _ in range(args.calls):
        t = time.perf_counter()
        recs = eng.recommend("bench", 10)
        full.append(time.perf_counter() - t)
        t = time.perf_counter()
        sources.collaborative(model.collab, state, model.catalog, 200, eng.config["history_half_life_events"])
        retrieval.append(time.perf_counter() - t)
    assert len(recs) == 10
    print(f"recommend (all sources, ranker, re-rank), history={args.history}: {pct(full)}")
    print(f"collaborative retrieval alone:                 {pct(retrieval)}")


if __name__ == "__main__":
    main()
