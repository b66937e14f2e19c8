"""Reference models the engine is measured against, all fitted on the same split in the same run."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import scipy.sparse as sp

from reelbox.recsys.collab import CollabConfig, CollabModel, fit_collab, tune_collab, validation_ndcg
from reelbox.recsys.itemitem import edlae, gram


class Recommender(Protocol):
    def fit(self, train: sp.csr_matrix, valid: sp.csr_matrix) -> None: ...

    def score(self, users: np.ndarray) -> np.ndarray:
        """Scores over all items from each user's training history (RecBole scores from train only)."""
        ...


class Popularity:
    def fit(self, train: sp.csr_matrix, valid: sp.csr_matrix) -> None:
        self.counts = np.asarray((train > 0).sum(axis=0), dtype=np.float64).ravel()

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.tile(self.counts, (len(users), 1))


class EASE:
    """Steck 2019 closed form on binary data, lambda picked on the validation split."""

    LAMBDAS = (50.0, 100.0, 200.0, 300.0, 400.0, 500.0, 700.0, 1000.0)

    def fit(self, train: sp.csr_matrix, valid: sp.csr_matrix) -> None:
        X = (train > 0).astype(np.float64).tocsr()
        G = gram(X)
        best = -1.0
        for lam in self.LAMBDAS:
            B = edlae(G, lam)
            s = validation_ndcg(np.asarray(X @ B), X, valid)
            if s > best:
                best, self.lam, self.B = s, lam, B
        self.X = X

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.asarray(self.X[users] @ self.B)


class ALS:
    """implicit's weighted ALS; a small validation grid, since defaults are far from tuned on ml-100k."""

    GRID = ((64, 0.05, 2.0), (64, 1.0, 10.0), (128, 5.0, 10.0), (32, 1.0, 5.0))

    def fit(self, train: sp.csr_matrix, valid: sp.csr_matrix) -> None:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        X = (train > 0).astype(np.float32).tocsr()
        best = -1.0
        # implicit parallelises itself; a multi-threaded BLAS underneath only oversubscribes 2 cores.
        with threadpool_limits(1, "blas"):
            for factors, reg, alpha in self.GRID:
                m = AlternatingLeastSquares(factors=factors, regularization=reg, alpha=alpha, iterations=15,
                                            random_state=2020, num_threads=2)
                m.fit(X, show_progress=False)
                s = validation_ndcg(m.user_factors @ m.item_factors.T, X, valid)
                if s > best:
                    best, self.model = s, m

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.model.user_factors[users] @ self.model.item_factors.T


class ReelboxCollab:
    """The engine's collaborative core, tuned on validation; `feedback` carries per-event weights."""

    def __init__(self, feedback_train: sp.csr_matrix | None = None, budget_s: float = 45.0,
                 times: sp.csr_matrix | None = None) -> None:
        self.feedback_train = feedback_train
        self.budget_s = budget_s
        self.times = times

    def fit(self, train: sp.csr_matrix, valid: sp.csr_matrix) -> None:
        F = self.feedback_train if self.feedback_train is not None else train
        self.F = F
        cfg, self.valid_ndcg = tune_collab(F, valid, CollabConfig(), budget_s=self.budget_s, times=self.times)
        self.model: CollabModel = fit_collab(F, cfg, self.times)

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.model.score_batch(self.F[users])
