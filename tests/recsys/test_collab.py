"""The collaborative source's per-user top-k, which ranks only the history's neighbours, against dense maths."""

import numpy as np
import scipy.sparse as sp

from reelbox.recsys.collab import CollabConfig, CollabModel


def dense_reference(B: np.ndarray, items: np.ndarray, w: np.ndarray, k: int):
    terms = B[items] * w[:, None]
    total = terms.sum(axis=0)
    total[items] = -np.inf
    cand = np.flatnonzero(total > 0)
    top = cand[np.argsort(-total[cand], kind="stable")][:k]
    return top, total[top], items[np.argmax(terms[:, top], axis=0)]


def test_top_neighbours_scores_and_reasons_match_the_dense_computation():
    rng = np.random.default_rng(3)
    for trial in range(20):
        n = int(rng.integers(20, 400))
        B = sp.random(n, n, density=0.05, random_state=trial, format="csr")
        B.data = rng.normal(size=B.nnz)  # negative links too: they can cancel a candidate out
        model = CollabModel(CollabConfig(weight_power=1.0), B.tocsr())
        for _user in range(4):  # one after the other: nothing of a user may remain in the work arrays
            items = rng.choice(n, size=int(rng.integers(1, 15)), replace=False)
            w = rng.uniform(0.1, 3.0, size=len(items))
            k = int(rng.integers(1, 30))
            got = model.score_user(items, w, k)
            top, scores, because = dense_reference(B.toarray(), items, w, k)
            assert np.array_equal(got.items, top)
            assert np.allclose(got.scores, scores)
            assert np.array_equal(got.because, because)


def test_a_history_without_neighbours_gives_nothing():
    model = CollabModel(CollabConfig(), sp.csr_matrix((50, 50)))
    got = model.score_user(np.array([3, 7]), np.array([1.0, 2.0]), 10)
    assert len(got.items) == len(got.scores) == len(got.because) == 0
