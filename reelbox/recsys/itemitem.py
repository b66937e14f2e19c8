"""Closed-form and graph item-item models. Every model here is a matrix B: user scores = history @ B.

Keeping everything linear in the user's history is what lets one new event change the next page
without refitting: the engine only has to add one row of B to the user's running score.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp


def gram(X: sp.csr_matrix) -> np.ndarray:
    return np.asarray((X.T @ X).todense(), dtype=np.float64)


def edlae(G: np.ndarray, lam: float, dropout: float = 0.0, overwrite: bool = False) -> np.ndarray:
    """Emphasised denoising linear autoencoder (Steck 2020) with EASE's zero-diagonal constraint.

    dropout=0 is exactly EASE (Steck 2019). Dropout adds p/(1-p)*G_ii to the ridge of item i, which
    regularises popular items more: plain EASE under-regularises them and over-ranks blockbusters.
    With ``overwrite`` G's memory is reused for the result (items^2 floats: the largest thing training holds).
    """
    reg = lam + dropout / (1.0 - dropout) * np.diag(G)
    A = G if overwrite else G.copy()
    A[np.diag_indices_from(A)] += reg
    B = scipy.linalg.inv(A, overwrite_a=True, check_finite=False)
    del A
    B /= -np.diag(B).copy()[None, :]
    B[np.diag_indices_from(B)] = 0.0
    return B


PRUNE_BLOCK = 1024


def prune_rows(W: sp.csr_matrix | np.ndarray, topk: int) -> sp.csr_matrix:
    """Keep each item's `topk` largest-magnitude neighbours; sparse rows keep scoring O(history * topk)."""
    if isinstance(W, np.ndarray):
        n = W.shape[1]
        if topk >= n:
            return sp.csr_matrix(W)
        # In blocks of rows: a whole-matrix argpartition would hold two more items^2 temporaries.
        idx = np.empty((W.shape[0], topk), dtype=np.int64)
        for start in range(0, W.shape[0], PRUNE_BLOCK):
            block = W[start:start + PRUNE_BLOCK]
            idx[start:start + PRUNE_BLOCK] = np.argpartition(-np.abs(block), topk - 1, axis=1)[:, :topk]
        rows = np.repeat(np.arange(W.shape[0]), topk)
        vals = np.take_along_axis(W, idx, axis=1).ravel()
        out = sp.csr_matrix((vals, (rows, idx.ravel())), shape=W.shape)
        out.eliminate_zeros()
        return out
    W = W.tocsr()
    indptr, indices, data = [0], [], []
    for r in range(W.shape[0]):
        a, b = W.indptr[r], W.indptr[r + 1]
        d, i = W.data[a:b], W.indices[a:b]
        if len(d) > topk:
            keep = np.argpartition(-np.abs(d), topk - 1)[:topk]
            d, i = d[keep], i[keep]
        indices.append(i)
        data.append(d)
        indptr.append(indptr[-1] + len(d))
    return sp.csr_matrix((np.concatenate(data) if data else [], np.concatenate(indices) if indices else [], indptr),
                         shape=W.shape)
