"""The collaborative source's per-user top-k, which ranks only the history's neighbours, against dense maths."""

import numpy as np
import pytest
import scipy.sparse as sp

from reelbox.recsys.collab import CollabConfig, CollabModel, add_session_pairs, fit_collab, last_times


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


@pytest.mark.parametrize("order", ["C", "F"])  # X.T @ X comes out column-major
def test_session_pairs_match_pairwise_sums(order):
    rng = np.random.default_rng(5)
    users, items, tau = 12, 30, 300.0
    X = sp.random(users, items, density=0.3, random_state=5, format="csr")
    X.data = rng.uniform(0.5, 2.0, size=X.nnz)
    T = X.copy()
    T.data = rng.uniform(0, 3600, size=X.nnz)  # within an hour: some pairs near, some far
    expected = np.zeros((items, items))
    for u in range(users):
        cols, w, t = X[u].indices, X[u].data, T[u].data
        kernel = np.exp(-np.abs(t[:, None] - t[None, :]) / tau)
        kernel[np.abs(t[:, None] - t[None, :]) > 7 * tau] = 0.0  # the cut-off add_session_pairs applies
        expected[np.ix_(cols, cols)] += w[:, None] * w[None, :] * kernel
    np.fill_diagonal(expected, 0.0)
    G = np.zeros((items, items), order=order)
    add_session_pairs(G, X, T, tau, max_pairs=items, scale=0.5)
    assert np.allclose(G, 0.5 * expected)


def test_last_times_keeps_the_latest_of_repeated_pairs():
    rows, cols, t = np.array([0, 0, 1, 0]), np.array([2, 2, 1, 3]), np.array([50.0, 70.0, 5.0, 10.0])
    T = last_times(rows, cols, t, (2, 4))
    assert T[0, 2] == 70.0 and T[1, 1] == 5.0 and T[0, 3] == 10.0 and T.nnz == 3


def test_items_met_in_one_session_are_closer_than_items_met_weeks_apart():
    # Item 0 was watched with item 1 a minute apart by some viewers, and with item 2 weeks apart by as many:
    # plain co-occurrence ties 1 and 2, the session weighting ranks 1 first.
    rows, cols, times = [], [], []
    for u in range(20):
        partner, gap = (1, 60.0) if u % 2 == 0 else (2, 21 * 86400.0)
        rows += [u, u]
        cols += [0, partner]
        times += [1e6 + u, 1e6 + u + gap]
        # Something else in every history, so neither pair is all there is.
        rows.append(u)
        cols.append(3 + u % 5)
        times.append(5e6 + u)
    X = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(20, 8))
    T = last_times(np.array(rows), np.array(cols), np.array(times), (20, 8))
    plain = fit_collab(X, CollabConfig(lam=1.0, lowrank_weight=0.0))
    session = fit_collab(X, CollabConfig(lam=1.0, lowrank_weight=0.0, session_tau_s=360.0), T)
    history, w = np.array([0]), np.array([1.0])
    flat = plain.score_user(history, w, 2)
    assert set(flat.items) == {1, 2} and np.isclose(flat.scores[0], flat.scores[1])
    top = session.score_user(history, w, 2)
    assert top.items[0] == 1 and top.scores[0] > 1.5 * top.scores[1]
