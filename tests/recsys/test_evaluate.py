import pytest

from reelbox.recsys.data import ml100k_path

pytestmark = pytest.mark.skipif(ml100k_path() is None,
                                reason="ml-100k.inter not installed (pip install --no-deps recbole==1.2.1)")


def test_evaluator_on_ml100k_slice() -> None:
    from reelbox.recsys.data import load_ml100k
    from reelbox.recsys.evaluate import _first_users, run_random

    data = _first_users(load_ml100k(), 200)
    res = run_random(data, seed=2020, names=["reelbox", "ease", "pop"], budget_s=5.0)
    assert set(res) == {"reelbox", "ease", "pop"}
    for row in res.values():
        assert set(row) == {"ndcg@10", "recall@10", "hit@10", "mrr@10", "precision@10", "fit_seconds"}
        assert 0.0 <= row["ndcg@10"] <= 1.0
    assert res["ease"]["ndcg@10"] > res["pop"]["ndcg@10"]
    assert res["reelbox"]["ndcg@10"] > res["pop"]["ndcg@10"]


def test_cli_json(capsys) -> None:
    import json

    from reelbox.recsys.evaluate import main

    assert main(["--dataset", "ml-100k", "--json", "--models", "pop", "--max-users", "100"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["pop"]) >= {"ndcg@10", "fit_seconds"}


def test_temporal_protocol_replays_the_same_events_with_and_without_updates() -> None:
    from reelbox.recsys.data import load_ml100k, temporal_split
    from reelbox.recsys.evaluate import _first_users
    from reelbox.recsys.temporal import run_temporal

    split = temporal_split(_first_users(load_ml100k(), 100))
    res = run_temporal(split, budget_s=3.0)
    assert set(res) == {"reelbox_static", "reelbox_online"}
    assert res["reelbox_static"]["events"] == res["reelbox_online"]["events"] == len(split.test.user) > 0
    for row in res.values():
        assert 0.0 <= row["ndcg@10"] <= row["hit@10"] <= 1.0
    # The online run scores each event after the viewer's earlier test events were applied: it must differ.
    assert res["reelbox_online"]["ndcg@10"] != res["reelbox_static"]["ndcg@10"]
