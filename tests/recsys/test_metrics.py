import numpy as np
import pytest
import scipy.sparse as sp

from reelbox.recsys.data import split_counts
from reelbox.recsys.metrics import hit_matrix, ndcg_at_k_single, top_k, topk_metrics


def test_metrics_hand_computed() -> None:
    # User 0: relevant {1, 4, 9}; ranked [1, 2, 4] -> hits at ranks 1 and 3.
    # User 1: relevant {7}; ranked [3, 5, 6] -> no hit.
    truth = sp.csr_matrix((np.ones(4), ([0, 0, 0, 1], [1, 4, 9, 7])), shape=(2, 10))
    topk = np.array([[1, 2, 4], [3, 5, 6]])
    hits = hit_matrix(topk, truth)
    assert hits.tolist() == [[True, False, True], [False, False, False]]
    m = topk_metrics(hits, truth.getnnz(axis=1), k=3)
    dcg = 1.0 + 1.0 / np.log2(4)
    idcg = 1.0 + 1.0 / np.log2(3) + 1.0 / np.log2(4)
    assert m["ndcg@3"] == pytest.approx(dcg / idcg / 2)
    assert m["recall@3"] == pytest.approx((2 / 3) / 2)
    assert m["hit@3"] == pytest.approx(0.5)
    assert m["mrr@3"] == pytest.approx(0.5)
    assert m["precision@3"] == pytest.approx((2 / 3) / 2)


def test_idcg_uses_min_of_test_size_and_k() -> None:
    # One test item found first: NDCG is 1 even though k is larger.
    m = topk_metrics(np.array([[True, False, False]]), np.array([1]), k=3)
    assert m["ndcg@3"] == pytest.approx(1.0)


def test_top_k_orders_best_first() -> None:
    s = np.array([[0.1, 0.9, 0.5, -1.0, 0.7]])
    assert top_k(s, 3).tolist() == [[1, 4, 2]]


def test_single_next_item() -> None:
    assert ndcg_at_k_single(np.array([5, 3, 8]), 3) == (1.0, pytest.approx(1 / np.log2(3)))
    assert ndcg_at_k_single(np.array([5, 3, 8]), 9) == (0.0, 0.0)


def test_recbole_split_counts() -> None:
    assert split_counts(20, (0.8, 0.1, 0.1)) == [16, 2, 2]
    assert split_counts(25, (0.8, 0.1, 0.1)) == [21, 2, 2]
    assert split_counts(5, (0.8, 0.1, 0.1)) == [3, 1, 1]
