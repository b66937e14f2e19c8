from conftest import T0

from reelbox.recsys import Engine, Item
from reelbox.recsys.exploration import ACTIVE, RETIRED, ExposurePools


def _serve(pools: ExposurePools, item: int, n: int, completion: float, engagement: float) -> None:
    for k in range(n):
        pools.record(item, completed=k < completion * n, engaged=k < engagement * n)


def test_new_video_promoted_when_it_performs_and_demoted_when_not() -> None:
    pools = ExposurePools(pool0=100, growth=10, levels=3, default_completion=0.3, default_engagement=0.05)
    pools.add(1)
    assert pools.items[1].level == 0 and 1 in pools.active()
    _serve(pools, 1, 100, completion=0.8, engagement=0.2)
    assert pools.items[1].level == 1 and pools.items[1].status == ACTIVE
    assert pools.capacity(1) == 1000
    _serve(pools, 1, 1000, completion=0.1, engagement=0.0)
    assert pools.items[1].level == 0 and pools.items[1].strikes == 1
    _serve(pools, 1, 100, completion=0.1, engagement=0.0)
    assert pools.items[1].status == RETIRED and 1 not in pools.active()


def test_flop_in_first_pool_is_retired() -> None:
    pools = ExposurePools(pool0=10)
    pools.add(7)
    _serve(pools, 7, 10, completion=0.0, engagement=0.0)
    assert pools.items[7].status == RETIRED


def test_new_upload_reaches_its_first_pool_through_the_engine(world) -> None:
    items, log = world
    eng = Engine({"exploration": {"share": 0.5, "pool0_impressions": 5}})
    eng.fit(log, items)
    eng.add_items([Item("fresh", creator="newcomer", hashtags=("cats",), duration_s=15, created_at=T0)])
    served = [r for r in eng.recommend("u0", 10) if r.item == "fresh"]
    assert served and served[0].source == "exploration" and served[0].reason_args == {"pool": 0}
    for n in range(5):
        eng.update(f"u{n}", [{"item": "fresh", "timestamp": T0 + n, "watch_ratio": 1.0, "completed": True,
                              "like": True}])
    idx = eng.model.catalog.index["fresh"]
    assert eng.model.pools.items[idx].level == 1


def test_exploration_source_serves_the_neediest_with_language_boosts() -> None:
    # The source looks at each language's neediest items only; what it serves must be what scoring every
    # active item would (need + the viewer's share of that item's language), emptiest pools first.
    from types import SimpleNamespace

    import numpy as np

    from reelbox.recsys.bloom import BloomFilter
    from reelbox.recsys.sources import exploration
    from reelbox.recsys.state import UserState

    rng = np.random.default_rng(3)
    languages = ["en", "es", "pt", None]
    catalog = SimpleNamespace(items=[SimpleNamespace(language=languages[rng.integers(4)]) for _ in range(600)])
    pools = ExposurePools(pool0=20)
    for item in range(0, 600, 2):  # every other item is new
        pools.add(item)
        for _ in range(int(rng.integers(0, 20))):
            pools.record(item, completed=True, engaged=True)
    for mix in ({}, {"es": 3.0, "": 1.0}, {"pt": 1.0, "en": 1.0, None: 2.0}):
        state = UserState(seen=BloomFilter(1000), language=mix)
        got = exploration(pools, state, catalog, 25)
        total = sum(mix.values()) or 1.0
        share = {}
        for code, weight in mix.items():
            share[code or ""] = share.get(code or "", 0.0) + weight / total
        expected = sorted((pools.need(i) + share.get(catalog.items[i].language or "", 0.0)
                           for i in pools.active()), reverse=True)[:25]
        assert np.allclose(got.scores, expected)
        assert np.allclose(got.scores, [pools.need(int(i)) + share.get(catalog.items[int(i)].language or "", 0.0)
                                        for i in got.items])
        assert len(set(got.items.tolist())) == 25 and all(int(i) % 2 == 0 for i in got.items)
