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
