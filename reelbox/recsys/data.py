"""Benchmark data: loading MovieLens-100k and splitting it the way RecBole does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class Ratings:
    """Interactions with contiguous 0-based user/item indices."""

    user: np.ndarray
    item: np.ndarray
    rating: np.ndarray
    timestamp: np.ndarray
    n_users: int
    n_items: int

    def subset(self, mask: np.ndarray) -> Ratings:
        return Ratings(self.user[mask], self.item[mask], self.rating[mask], self.timestamp[mask],
                       self.n_users, self.n_items)

    def matrix(self) -> sp.csr_matrix:
        """Binary user x item matrix; duplicate pairs collapse to one positive."""
        m = sp.csr_matrix((np.ones(len(self.user), dtype=np.float64), (self.user, self.item)),
                          shape=(self.n_users, self.n_items))
        m.data[:] = 1.0
        return m


@dataclass(frozen=True)
class Split:
    train: Ratings
    valid: Ratings
    test: Ratings


def ml100k_path() -> Path | None:
    """Locate the ml-100k file shipped inside the recbole wheel, without importing recbole (it needs torch)."""
    import importlib.util

    spec = importlib.util.find_spec("recbole")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "dataset_example" / "ml-100k" / "ml-100k.inter"
    return path if path.exists() else None


def load_ml100k(path: Path | None = None) -> Ratings:
    path = path or ml100k_path()
    if path is None:
        raise FileNotFoundError("ml-100k.inter not found: pip install --no-deps recbole==1.2.1")
    raw = np.loadtxt(path, delimiter="\t", skiprows=1, dtype=np.int64)
    # RecBole remaps tokens in order of first appearance; any bijection gives identical metrics.
    users, user = np.unique(raw[:, 0], return_inverse=True)
    items, item = np.unique(raw[:, 1], return_inverse=True)
    return Ratings(user.astype(np.int32), item.astype(np.int32), raw[:, 2].astype(np.float32),
                   raw[:, 3].astype(np.int64), len(users), len(items))


def split_counts(total: int, ratios: tuple[float, ...]) -> list[int]:
    """RecBole's `_calcu_split_ids`: later parts round down, but a part that would get a fraction gets one."""
    cnt = [int(r * total) for r in ratios]
    cnt[0] = total - sum(cnt[1:])
    for i in range(1, len(ratios)):
        if cnt[0] <= 1:
            break
        if 0 < ratios[-i] * total < 1:
            cnt[-i] += 1
            cnt[0] -= 1
    return cnt


def _split_groups(data: Ratings, order: np.ndarray, ratios: tuple[float, ...]) -> list[np.ndarray]:
    """Split each user's interactions (taken in `order`) into consecutive parts by ratio."""
    order = order[np.argsort(data.user[order], kind="stable")]
    bounds = np.searchsorted(data.user[order], np.arange(data.n_users + 1))
    parts: list[list[np.ndarray]] = [[] for _ in ratios]
    for u in range(data.n_users):
        rows = order[bounds[u]:bounds[u + 1]]
        start = 0
        for p, c in enumerate(split_counts(len(rows), ratios)):
            parts[p].append(rows[start:start + c])
            start += c
    return [np.concatenate(p) if p else np.zeros(0, dtype=np.int64) for p in parts]


def random_split(data: Ratings, seed: int = 2020, ratios: tuple[float, ...] = (0.8, 0.1, 0.1)) -> Split:
    """RecBole `RS` + `RO`: global shuffle, then per-user ratio split."""
    order = np.random.default_rng(seed).permutation(len(data.user))
    idx = _split_groups(data, order, ratios)
    return Split(*(data.subset(_mask(len(data.user), i)) for i in idx))


def temporal_split(data: Ratings, ratio: float = 0.8) -> Split:
    """Each user's earliest `ratio` by timestamp trains; the rest is replayed. Valid is a time-ordered tail of train."""
    order = np.lexsort((np.arange(len(data.user)), data.timestamp))
    train_idx, test_idx = _split_groups(data, order, (ratio, 1.0 - ratio))
    train = data.subset(_mask(len(data.user), train_idx))
    torder = np.lexsort((np.arange(len(train.user)), train.timestamp))
    _, valid_idx = _split_groups(train, torder, (0.875, 0.125))
    return Split(train, train.subset(_mask(len(train.user), valid_idx)), data.subset(_mask(len(data.user), test_idx)))


def _mask(n: int, idx: np.ndarray) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    m[idx] = True
    return m
