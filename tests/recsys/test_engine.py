import gc
import io
import json
from collections import Counter

import numpy as np

from conftest import T0

from reelbox.recsys import Engine, Item, Model, sources
from reelbox.recsys import catalog as catalog_module
from reelbox.recsys.bloom import BloomFilter
from reelbox.recsys.catalog import Catalog
from reelbox.recsys.state import UserState


def _watch_cats(engine: Engine, user: str) -> None:
    cats = [it for it in engine.model.catalog.items if it.hashtags == ("cats",)][:8]
    engine.update(user, [{"item": it.item, "timestamp": T0 + n, "watch_ratio": 1.0, "completed": True}
                         for n, it in enumerate(cats)])


def _tags(engine: Engine, recs) -> Counter:
    return Counter(engine.model.catalog.items[engine.model.catalog.index[r.item]].hashtags[0] for r in recs)


def test_cats_completer_gets_cats_next(engine: Engine) -> None:
    _watch_cats(engine, "cat-fan")
    recs = engine.recommend("cat-fan", 10)
    tags = _tags(engine, recs)
    assert _tags(engine, recs[:1]) == Counter({"cats": 1})
    assert tags["cats"] == max(tags.values()) and tags["cats"] >= 5


def test_not_interested_removes_creator(engine: Engine) -> None:
    _watch_cats(engine, "picky")
    first = engine.recommend("picky", 10)
    creator = engine.model.catalog.items[engine.model.catalog.index[first[0].item]].creator
    engine.update("picky", [{"item": first[0].item, "timestamp": T0 + 100, "not_interested": True}])
    after = engine.recommend("picky", 50)
    creators = {engine.model.catalog.items[engine.model.catalog.index[r.item]].creator for r in after}
    assert creator not in creators and after


def test_blocked_creators_held_items_and_seen_are_excluded(engine: Engine) -> None:
    recs = engine.recommend("u3", 10)
    held = {recs[0].item}
    blocked = {engine.model.catalog.items[engine.model.catalog.index[recs[1].item]].creator}
    again = engine.recommend("u3", 30, held=held, blocked_creators=blocked, exclude={recs[2].item})
    ids = {r.item for r in again}
    assert recs[0].item not in ids and recs[2].item not in ids
    assert not any(engine.model.catalog.items[engine.model.catalog.index[r.item]].creator in blocked for r in again)


def test_no_more_than_two_in_a_row_from_a_creator_or_hashtag(engine: Engine) -> None:
    _watch_cats(engine, "runs")
    recs = engine.recommend("runs", 20)
    meta = [engine.model.catalog.items[engine.model.catalog.index[r.item]] for r in recs]
    for a, b, c in zip(meta, meta[1:], meta[2:]):
        assert not (a.creator == b.creator == c.creator)
        assert not (set(a.hashtags) & set(b.hashtags) & set(c.hashtags))


def test_cold_start_gets_trending_and_exploration(world) -> None:
    items, log = world
    eng = Engine({"exploration": {"share": 0.3}})
    eng.fit(log, items)
    from reelbox.recsys import Item

    eng.add_items([Item(f"new{i}", creator=f"nc{i}", hashtags=("travel",), created_at=T0) for i in range(3)])
    recs = eng.recommend("stranger", 10)
    assert len(recs) == 10
    assert {r.source for r in recs} == {"trending", "exploration"}


def test_online_update_changes_next_recommendation(engine: Engine) -> None:
    before = [r.item for r in engine.recommend("u1", 10)]
    engine.update("u1", [{"item": before[0], "timestamp": T0 + 5, "watch_ratio": 1.0, "completed": True,
                          "like": True}])
    after = [r.item for r in engine.recommend("u1", 10)]
    assert before[0] not in after and after != before


def test_save_load_round_trip_identical(engine: Engine, tmp_path) -> None:
    _watch_cats(engine, "saver")
    path = engine.model.save(tmp_path / "m")
    loaded = Model.load(tmp_path / "m")
    assert path.exists() and loaded.version == engine.model.version
    other = Engine(model=loaded)
    for user in ("saver", "u2", "nobody"):
        assert other.recommend(user, 15) == engine.recommend(user, 15)
    assert Model.from_bytes(engine.model.to_bytes()).version == engine.model.version
    _same_catalog(loaded.catalog, engine.model.catalog)


def _same_catalog(a, b) -> None:
    assert a.items == b.items and a.index == b.index and a.vocab == b.vocab
    assert {k: list(v) for k, v in a.by_hashtag.items()} == {k: list(v) for k, v in b.by_hashtag.items()}
    for name in ("duration", "created_at", "boost", "creator_code", "sound_code", "tag_codes"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_a_model_file_in_the_first_format_still_loads(engine: Engine) -> None:
    # Format 1 kept one JSON object per item; a server upgraded past it must still serve its last model.
    with np.load(io.BytesIO(engine.model.to_bytes())) as z:
        arrays = {k: z[k] for k in z.files if not k.startswith("catalog_")}
    header = json.loads(arrays["header"].tobytes())
    del header["catalog"]
    header |= {"format": 1, "items": [it.to_json() for it in engine.model.catalog.items]}
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    old = io.BytesIO()
    np.savez(old, **arrays)
    loaded = Model.from_bytes(old.getvalue())
    _same_catalog(loaded.catalog, engine.model.catalog)
    assert Engine(model=loaded).recommend("u3", 15) == engine.recommend("u3", 15)


def test_replacing_an_items_metadata_recodes_its_features() -> None:
    catalog = Catalog([Item("a", "c1", ("cats", "dogs", "fish"), "s1"), Item("b", "c2", ("cats",))])
    catalog.add([Item("a", "c3", ("birds",), None, duration_s=7.0), Item("z", None, ())])
    assert [it.item for it in catalog.items] == ["a", "b", "z"] and catalog.duration[0] == 7.0
    assert catalog.creator_code.tolist() == [catalog.code("creator", "c3"), catalog.code("creator", "c2"), -1]
    assert catalog.sound_code.tolist() == [-1, -1, -1]
    assert catalog.tag_codes[0].tolist() == [catalog.code("hashtag", "birds"), -1, -1]
    assert catalog.tag_codes[1].tolist() == [catalog.code("hashtag", "cats"), -1, -1]
    # ...and its place in the member lists the content and following sources read.
    assert catalog.by_hashtag == {"cats": [1], "birds": [0]} and "s1" not in catalog.by_sound
    assert catalog.by_creator == {"c2": [1], "c3": [0], None: [2]}
    catalog.add([Item("b", "c3", ("birds",))])
    assert catalog.by_hashtag == {"birds": [0, 1]} and catalog.newest("creator", "c3", 5).tolist() == [0, 1]


def test_reasons_are_explained(engine: Engine) -> None:
    _watch_cats(engine, "why")
    rec = engine.recommend("why", 1)[0]
    assert rec.source == "collaborative" and rec.reason_code == "similar_to_watched"
    assert "because" in rec.reason_args


def test_a_new_video_joins_the_content_and_following_sources_of_its_hashtag_and_creator(engine: Engine,
                                                                                       monkeypatch) -> None:
    # Both sources read cached arrays of each feature's newest members (here of every feature, however
    # short): an addition must show at once.
    monkeypatch.setattr(catalog_module, "NEWEST_KEPT_FROM", 1)
    _watch_cats(engine, "fresh")
    m = engine.model
    state = m.users["fresh"]
    state.follows.add("c3")
    first_content = sources.content(state, m.catalog, 1000, engine.config["content"])
    first_following = sources.following(state.follows, m.catalog, 1000)
    engine.add_items([Item("new-cat", creator="c3", hashtags=("cats",), created_at=T0 + 999)])
    new = m.catalog.index["new-cat"]
    assert new not in first_content.items and new in sources.content(state, m.catalog, 1000,
                                                                      engine.config["content"]).items
    assert new not in first_following.items
    assert sources.following(state.follows, m.catalog, 1000).items[0] == new  # newest first


def test_content_source_matches_summing_every_feature_list() -> None:
    # The source sums affinities in per-thread work arrays; scoring each item by the features it shares with
    # the viewer's strongest ones must give the same items, scores and reasons, page after page.
    rng = np.random.default_rng(5)
    tags = [f"t{i}" for i in range(12)]
    catalog = Catalog(Item(f"v{i}", f"c{rng.integers(6)}", tuple(rng.choice(tags, rng.integers(0, 3), replace=False)),
                           f"s{rng.integers(20)}") for i in range(400))
    weights = {"hashtag": 1.0, "sound": 0.5, "creator": 0.7}
    for _ in range(3):
        state = UserState(seen=BloomFilter(100))
        for kind, values in (("hashtag", tags), ("sound", [f"s{i}" for i in range(20)]), ("creator", ["c1", "c2"])):
            state.affinity[kind] = {str(v): float(rng.uniform(-0.5, 2.0))
                                    for v in rng.choice(values, min(4, len(values)), replace=False)}
        got = sources.content(state, catalog, 30, weights)
        strongest = {kind: [(v, w) for v, w in sorted(aff.items(), key=lambda kv: -kv[1])[:sources.TOP_FEATURES]
                            if w > 0] for kind, aff in state.affinity.items()}
        expected: dict[int, float] = {}
        for i in range(len(catalog)):
            features = catalog.features(i)
            for kind, pairs in strongest.items():
                expected[i] = expected.get(i, 0.0) + sum(weights[kind] * w for v, w in pairs if v in features[kind])
        best = sorted((s for s in expected.values() if s > 0), reverse=True)[:30]
        assert np.allclose(sorted(got.scores, reverse=True), best)
        for item, score, reason in zip(got.items.tolist(), got.scores, got.reasons):
            assert np.isclose(score, expected[item])
            heaviest = max(weights[kind] * w for kind, pairs in strongest.items() for v, w in pairs
                           if v in catalog.features(item)[kind])
            assert reason["value"] in catalog.features(item)[reason["kind"]]
            assert np.isclose(weights[reason["kind"]] * state.affinity[reason["kind"]][reason["value"]], heaviest)


def test_run_rule_keys_follow_the_catalogue(engine: Engine) -> None:
    # Slots keep each item's run-rule hashtags between pages; a hashtag that comes to cover over half the
    # catalogue stops counting for the rule, kept keys included.
    cat = engine.model.catalog
    cats = next(n for n, item in enumerate(cat.items) if "cats" in item.hashtags)
    assert "cats" in engine._slots([cats], [0.0])[0].hashtags
    engine.add_items([Item(f"more{n}", creator=f"m{n}", hashtags=("cats",)) for n in range(2 * len(cat))],
                     explore=False)
    assert "cats" not in engine._slots([cats], [0.0])[0].hashtags


def test_kept_run_keys_stay_out_of_the_collectors_way(engine: Engine) -> None:
    # Web processes freeze what they load, but keys kept while serving are not frozen: if each held a set, every
    # full collection would walk up to RUN_KEYS_KEPT of them, pausing requests longer the longer a process runs.
    items = list(range(len(engine.model.catalog)))
    first = engine._slots(items, [0.0] * len(items))
    gc.collect()
    assert engine._run_keys and not any(gc.is_tracked(keys) for keys in engine._run_keys.values())
    assert engine._slots(items, [0.0] * len(items)) == first  # kept keys give the same slots
