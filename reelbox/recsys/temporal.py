"""Temporal protocol: fit on each user's earliest 80 %, replay the rest in global time order.

Each held-out event is scored before it is applied (next-item hit/NDCG@10). The online run feeds the
event to `Engine.update`; the static run serves the same model without updates.
"""

from __future__ import annotations

import time

import numpy as np

from reelbox.recsys.collab import tune_collab
from reelbox.recsys.data import Ratings, Split
from reelbox.recsys.engine import Engine
from reelbox.recsys.evaluate import rating_times
from reelbox.recsys.metrics import ndcg_at_k_single
from reelbox.recsys.model import Model
from reelbox.recsys.signals import Interactions, Item


def ratings_to_interactions(r: Ratings) -> Interactions:
    """A MovieLens rating as a view: every rating is a full watch; 4-5 stars also count as a like."""
    return Interactions.from_arrays(
        r.user.astype(np.int64), r.item.astype(np.int64), r.timestamp.astype(np.float64),
        watch_ratio=np.ones(len(r.user)), completed=np.ones(len(r.user), dtype=bool), like=r.rating >= 4)


def _engine(split: Split, budget_s: float) -> tuple[Engine, float]:
    """Tune the collaborative core on the train tail, then fit the engine on all of train."""
    t0 = time.perf_counter()
    fit_part = split.train.subset(~_rows_in(split.train, split.valid))
    probe = Engine()
    probe.fit(ratings_to_interactions(fit_part), [Item(i, None) for i in range(split.train.n_items)])
    feedback = _feedback_matrix(probe, fit_part)
    # Users and items are their own indices in the feedback matrix (_feedback_matrix, Item(i) per item).
    cfg, _ = tune_collab(feedback, split.valid.matrix(), budget_s=budget_s, times=rating_times(fit_part))
    collab = {**probe.config["collab"], **{k: getattr(cfg, k) for k in ("lam", "dropout", "weight_power",
                                                                         "lowrank_weight", "session_tau_s")}}
    eng = Engine({"collab": collab, "exploration": {"share": 0.0}})
    eng.fit(ratings_to_interactions(split.train), [Item(i, None) for i in range(split.train.n_items)])
    return eng, time.perf_counter() - t0


def _feedback_matrix(engine: Engine, r: Ratings):
    import scipy.sparse as sp

    m = engine.model
    assert m is not None
    rows, cols, vals = [], [], []
    for u, s in m.users.items():
        for i, (w, _) in s.history.items():
            rows.append(int(u))
            cols.append(i)
            vals.append(w)
    return sp.csr_matrix((vals, (rows, cols)), shape=(r.n_users, len(m.catalog)))


def _rows_in(a: Ratings, b: Ratings) -> np.ndarray:
    key_a = a.user.astype(np.int64) * 10**12 + a.timestamp * 10**4 + a.item
    key_b = set((b.user.astype(np.int64) * 10**12 + b.timestamp * 10**4 + b.item).tolist())
    return np.array([k in key_b for k in key_a.tolist()])


def run_temporal(split: Split, k: int = 10, budget_s: float = 30.0) -> dict[str, dict[str, float]]:
    test = split.test
    order = np.lexsort((np.arange(len(test.user)), test.timestamp))
    results = {}
    base, fit_s = _engine(split, budget_s)
    snapshot = base.model.to_bytes() if base.model is not None else b""
    for mode in ("static", "online"):
        # Both runs start from the identical fitted model; only the online run sees updates.
        eng = Engine(model=Model.from_bytes(snapshot))
        static_pages: dict[int, np.ndarray] = {}
        hits, ndcgs = [], []
        t0 = time.perf_counter()
        for n in order:
            u, i, ts = int(test.user[n]), int(test.item[n]), float(test.timestamp[n])
            if mode == "static":
                if u not in static_pages:
                    static_pages[u] = np.array([r.item for r in eng.recommend(u, k)])
                page = static_pages[u]
            else:
                page = np.array([r.item for r in eng.recommend(u, k, now=ts)])
            h, g = ndcg_at_k_single(page, i, k)
            hits.append(h)
            ndcgs.append(g)
            if mode == "online":
                eng.update(u, [{"item": i, "timestamp": ts, "watch_ratio": 1.0, "completed": True,
                                "like": bool(test.rating[n] >= 4)}])
        results[f"reelbox_{mode}"] = {"hit@10": float(np.mean(hits)), "ndcg@10": float(np.mean(ndcgs)),
                                      "events": len(hits), "fit_seconds": round(fit_s, 3),
                                      "replay_seconds": round(time.perf_counter() - t0, 3)}
    return results
