"""Top-k ranking metrics with RecBole's definitions."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

METRICS = ("ndcg@10", "recall@10", "hit@10", "mrr@10", "precision@10")


def hit_matrix(topk: np.ndarray, truth: sp.csr_matrix) -> np.ndarray:
    """hits[u, r] is True when the item ranked r for user u is a test item of u."""
    rows = np.repeat(np.arange(topk.shape[0]), topk.shape[1])
    return np.asarray(truth[rows, topk.ravel()]).reshape(topk.shape) > 0


def topk_metrics(hits: np.ndarray, n_true: np.ndarray, k: int = 10) -> dict[str, float]:
    """Average metrics over users. `hits` is (users, >=k) bool; `n_true` counts each user's test items (>0)."""
    hits = hits[:, :k].astype(np.float64)
    n_true = np.asarray(n_true, dtype=np.float64)
    ranks = np.arange(1, k + 1, dtype=np.float64)
    discount = 1.0 / np.log2(ranks + 1.0)
    n_hits = hits.sum(axis=1)
    # IDCG uses min(|test|, k) ideal positions, so a user with 3 test items can reach NDCG 1.
    ideal = np.cumsum(discount)[np.minimum(n_true, k).astype(int) - 1]
    first = np.where(n_hits > 0, hits.argmax(axis=1) + 1.0, np.inf)
    per_user = {
        f"ndcg@{k}": (hits * discount).sum(axis=1) / ideal,
        f"recall@{k}": n_hits / n_true,
        f"hit@{k}": (n_hits > 0).astype(np.float64),
        f"mrr@{k}": 1.0 / first,
        f"precision@{k}": n_hits / k,
    }
    return {name: float(v.mean()) if len(v) else 0.0 for name, v in per_user.items()}


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores per row, best first; argpartition keeps this O(n) per row."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def top_indices(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best of one row of scores, best first (ties in index order)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


def ndcg_at_k_single(ranked: np.ndarray, target: int, k: int = 10) -> tuple[float, float]:
    """Next-item (hit, NDCG) for one held-out item: one relevant item, so IDCG is 1."""
    pos = np.flatnonzero(ranked[:k] == target)
    if len(pos) == 0:
        return 0.0, 0.0
    return 1.0, float(1.0 / np.log2(pos[0] + 2.0))
