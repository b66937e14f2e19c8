"""Offline evaluation: `python -m reelbox.recsys.evaluate --dataset ml-100k [--json] [--protocol ...]`.

The random protocol reproduces RecBole's defaults (RS 0.8/0.1/0.1 per user, full ranking, train-only
history as model input, test candidates exclude train and valid items).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from reelbox.recsys.baselines import ALS, EASE, Popularity, Recommender, ReelboxCollab
from reelbox.recsys.collab import last_times
from reelbox.recsys.data import Ratings, Split, load_ml100k, random_split, temporal_split
from reelbox.recsys.metrics import METRICS, hit_matrix, top_k, topk_metrics


def rating_feedback(r: Ratings) -> sp.csr_matrix:
    """MovieLens stand-in for the engine's signal weights: every rating is a positive, stronger when higher."""
    m = sp.csr_matrix((r.rating.astype(np.float64), (r.user, r.item)), shape=(r.n_users, r.n_items))
    m.sum_duplicates()
    return m


def rating_times(r: Ratings) -> sp.csr_matrix:
    """When each user rated each item: the engine weighs items met in one session together more."""
    return last_times(r.user, r.item, r.timestamp, (r.n_users, r.n_items))


def default_models(split: Split, budget_s: float = 45.0) -> dict[str, Callable[[], Recommender]]:
    feedback = rating_feedback(split.train)
    times = rating_times(split.train)
    return {
        "reelbox": lambda: ReelboxCollab(feedback, budget_s=budget_s, times=times),
        "ease": EASE,
        "als": ALS,
        "pop": Popularity,
    }


def evaluate_model(model: Recommender, split: Split, k: int = 10, batch: int = 512) -> dict[str, float]:
    train, valid, test = split.train.matrix(), split.valid.matrix(), split.test.matrix()
    t0 = time.perf_counter()
    model.fit(train, valid)
    fit_s = time.perf_counter() - t0
    seen = (train + valid).tocsr()
    users = np.flatnonzero(test.getnnz(axis=1) > 0)
    hits, n_true = [], []
    for start in range(0, len(users), batch):
        u = users[start:start + batch]
        s = np.array(model.score(u), dtype=np.float64)
        r, c = seen[u].nonzero()
        s[r, c] = -np.inf
        hits.append(hit_matrix(top_k(s, k), test[u]))
        n_true.append(test[u].getnnz(axis=1))
    out = topk_metrics(np.vstack(hits), np.concatenate(n_true), k)
    out["fit_seconds"] = round(fit_s, 3)
    return out


def run_random(data: Ratings, seed: int, names: list[str] | None = None,
               budget_s: float = 45.0) -> dict[str, dict[str, float]]:
    split = random_split(data, seed)
    factories = default_models(split, budget_s)
    return {name: evaluate_model(factories[name](), split) for name in (names or list(factories))}


def format_table(results: dict[str, dict[str, float]]) -> str:
    first = next(iter(results.values()), {})
    cols = [c for c in list(METRICS) + ["fit_seconds"] if c in first] + [c for c in first if c not in METRICS
                                                                           and c != "fit_seconds"]
    width = {c: max(14, len(c) + 2) for c in cols}
    lines = [f"{'model':<16}" + "".join(f"{c:>{width[c]}}" for c in cols)]
    for name, row in results.items():
        cells = (f"{v:>{width[c]}d}" if isinstance(v := row.get(c, float("nan")), int) else f"{v:>{width[c]}.4f}"
                 for c in cols)
        lines.append(f"{name:<16}" + "".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reelbox.recsys.evaluate", description=__doc__)
    ap.add_argument("--dataset", default="ml-100k", choices=["ml-100k"])
    ap.add_argument("--protocol", default="random", choices=["random", "temporal"])
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--models", default=None, help="comma-separated subset of reelbox,ease,als,pop")
    ap.add_argument("--max-users", type=int, default=None, help="evaluate on the first N users only (smoke runs)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    data = load_ml100k()
    if args.max_users:
        data = _first_users(data, args.max_users)
    if args.protocol == "random":
        results = run_random(data, args.seed, args.models.split(",") if args.models else None)
    else:
        from reelbox.recsys.temporal import run_temporal

        results = run_temporal(temporal_split(data))
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        title = f"{args.dataset} protocol={args.protocol} seed={args.seed} users={data.n_users} items={data.n_items}"
        print(title)
        print(format_table(results))
    return 0


def _first_users(data: Ratings, n: int) -> Ratings:
    keep = data.user < n
    sub = data.subset(keep)
    items, item = np.unique(sub.item, return_inverse=True)
    return Ratings(sub.user, item.astype(np.int32), sub.rating, sub.timestamp, n, len(items))


if __name__ == "__main__":
    raise SystemExit(main())
