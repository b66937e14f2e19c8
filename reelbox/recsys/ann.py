"""Item vectors and their approximate nearest neighbours, for catalogues too large for exact item-item products.

Past ``dense_limit`` items the closed form covers only the most-interacted core (reelbox.recsys.collab). The rest
of the catalogue gets its neighbours here: implicit-feedback ALS item vectors (`implicit`), indexed in an HNSW
graph (`usearch`), each item linked to its ``k`` most similar by cosine. Memory is bounded by configuration:
items x ``dim`` floats for the vectors and the index, items x ``k`` for the neighbour lists. The exact
alternative (a random walk through users, RP3beta) needs a product whose size grows with the square of each
viewer's history: 5.7 GB and 32 s for 100k videos and 1M events, where this takes tens of MB.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def item_vectors(feedback: sp.csr_matrix, dim: int, iterations: int = 10, seed: int = 0) -> np.ndarray:
    """ALS item factors (items x dim, float32) from a users x items matrix of non-negative weights."""
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    # implicit parallelises itself; a multi-threaded BLAS underneath would only oversubscribe the cores.
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(factors=dim, regularization=1.0, alpha=10.0, iterations=iterations,
                                        random_state=seed, num_threads=0)
        model.fit(feedback.astype(np.float32).tocsr(), show_progress=False)
    return np.ascontiguousarray(model.item_factors, dtype=np.float32)


def neighbour_graph(vectors: np.ndarray, k: int, connectivity: int = 8, expansion_add: int = 32,
                    expansion_search: int = 64) -> sp.csr_matrix:
    """Items x items: each item's ``k`` nearest by cosine (similarity > 0), found through an HNSW index.

    Items with a zero vector (never interacted with) have no neighbours and are nobody's neighbour. The graph
    settings trade a little recall for build time: at 100k items, 16/128 took 28 s to build against 6 s here,
    and on MovieLens the recommendations were the same as with exact neighbours."""
    from usearch.index import Index

    n = vectors.shape[0]
    live = np.flatnonzero(np.linalg.norm(vectors, axis=1) > 0)
    if len(live) < 2 or k < 1:
        return sp.csr_matrix((n, n))
    index = Index(ndim=vectors.shape[1], metric="cos", dtype="f32", connectivity=connectivity,
                  expansion_add=expansion_add, expansion_search=max(expansion_search, k + 1))
    index.add(live.astype(np.uint64), vectors[live], threads=0)
    found = index.search(vectors[live], min(k + 1, len(live)), threads=0)
    cols = np.asarray(found.keys, dtype=np.int64).reshape(len(live), -1)
    sims = 1.0 - np.asarray(found.distances, dtype=np.float64).reshape(len(live), -1)
    # A search may find fewer than asked; the slots past its count hold no match.
    found_mask = np.arange(cols.shape[1])[None, :] < np.asarray(found.counts).reshape(-1, 1)
    rows = np.repeat(live[:, None], cols.shape[1], axis=1)
    keep = found_mask & (cols != rows) & (cols >= 0) & (cols < n) & (sims > 0)
    # k + 1 were asked for so that k remain once the item itself is dropped; an approximate search does not
    # always return the item itself (a duplicate vector may take its place), so cap each row at k.
    keep &= np.cumsum(keep, axis=1) <= k
    return sp.csr_matrix((sims[keep], (rows[keep], cols[keep])), shape=(n, n))
