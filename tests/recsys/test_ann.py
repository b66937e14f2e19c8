"""The catalogue past the dense core: ALS item vectors and HNSW neighbours (reelbox.recsys.ann)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from conftest import T0

from reelbox.recsys import Engine, ann
from reelbox.recsys.collab import CollabConfig, fit_collab


def test_neighbours_stay_within_their_cluster():
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((4, 16)).astype(np.float32)
    vectors = np.repeat(centres, 50, axis=0) + 0.05 * rng.standard_normal((200, 16)).astype(np.float32)
    vectors[7] = 0.0  # an item nobody interacted with
    graph = ann.neighbour_graph(vectors, k=10)
    assert graph.shape == (200, 200)
    rows, cols = graph.nonzero()
    sims = np.asarray(graph[rows, cols]).ravel()
    same = rows // 50 == cols // 50
    assert np.bincount(rows, minlength=200).max() <= 10
    # Approximate: nearly every link joins an item to its own cluster, at the similarity of a tight cluster;
    # the rare miss is a far item with a similarity near zero, which weighs nothing.
    assert same.sum() >= 0.95 * 199 * 10
    assert sims[same].min() > 0.9 and (sims[~same].max() < 0.5 if (~same).any() else True)
    assert np.all(rows != cols) and 7 not in set(rows) | set(cols)


def test_tail_items_get_collaborative_neighbours_beyond_the_dense_core():
    # Two taste groups over 300 items; the dense core holds only the 40 most-watched, so the other items
    # are linked only through the ALS vectors.
    rng = np.random.default_rng(1)
    rows, cols = [], []
    for user in range(400):
        group = user % 2
        for item in rng.choice(150, size=12, replace=False):
            rows.append(user)
            cols.append(int(item) + 150 * group)
    X = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(400, 300))
    X.sum_duplicates()
    model = fit_collab(X, CollabConfig(dense_limit=40, lowrank_weight=0.0, neighbours=50, tail_dim=16,
                                       tail_neighbours=20))
    counts = np.asarray((X > 0).sum(axis=0)).ravel()
    tail = np.argsort(-counts, kind="stable")[40:]
    item = int(tail[0])
    top = model.score_user(np.array([item]), np.array([1.0]), 20)
    assert len(top.items) == 20 and top.scores.min() > 0 and item not in top.items
    assert np.all(top.items // 150 == item // 150)  # its own taste group


def test_engine_recommends_from_a_catalogue_larger_than_the_dense_limit(world):
    items, log = world
    engine = Engine({"collab": {"dense_limit": 50, "tail_dim": 16, "tail_neighbours": 20}})
    engine.fit(log, items)
    cats = [it for it in items if it.hashtags == ("cats",)][:8]
    engine.update("tail-fan", [{"item": it.item, "timestamp": T0 + n, "watch_ratio": 1.0, "completed": True}
                               for n, it in enumerate(cats)])
    recs = engine.recommend("tail-fan", 10)
    index = engine.model.catalog.index
    tags = [engine.model.catalog.items[index[r.item]].hashtags[0] for r in recs]
    assert tags.count("cats") >= 5


def test_no_item_gets_more_than_k_neighbours_when_the_search_misses_itself():
    # Identical vectors tie at distance 0, so the search for one of them may return k + 1 others and not the
    # item itself: dropping "itself" then removes nothing, and the row must still stop at k.
    vectors = np.ones((30, 8), dtype=np.float32)
    graph = ann.neighbour_graph(vectors, k=5)
    rows, cols = graph.nonzero()
    assert np.bincount(rows, minlength=30).max() <= 5 and np.all(rows != cols)
