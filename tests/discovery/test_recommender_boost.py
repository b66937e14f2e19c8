"""For You: challenge membership is a content feature, and featured challenges get a configured boost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reelbox.discovery import actions
from reelbox.feed import recommender
from reelbox.recsys import Engine, Interactions, Item

pytestmark = pytest.mark.django_db


def test_catalog_items_carry_challenge_tag_and_boost(make_user, post, settings):
    staff = make_user()
    staff.is_staff = True
    staff.save()
    now = timezone.now()
    actions.create_challenge(staff, hashtag="spin", title="Spin", starts_at=now - timedelta(hours=1),
                             ends_at=now + timedelta(days=1), featured=True)
    actions.create_challenge(staff, hashtag="hop", title="Hop", starts_at=now - timedelta(hours=1),
                             ends_at=now + timedelta(days=1))
    u = make_user()
    featured = post(u, "look #fun #Spin")
    plain_entry = post(u, "#hop hop")
    other = post(u, "nothing to see #fun")

    settings.REELBOX = {**settings.REELBOX, "DISCOVERY": {**settings.REELBOX["DISCOVERY"], "FEATURED_BOOST": 0.4,
                                                          "CHALLENGE_BOOST": 0.1}}
    items = {it.item: it for it in recommender.catalog_items()}
    assert items[featured.pk].hashtags == ("spin", "fun")  # the challenge's tag first
    assert items[featured.pk].boost == pytest.approx(0.5)
    assert items[plain_entry.pk].boost == pytest.approx(0.1)
    assert items[other.pk].boost == 0.0
    settings.REELBOX = {**settings.REELBOX, "DISCOVERY": {**settings.REELBOX["DISCOVERY"], "FEATURED_BOOST": 0.0,
                                                          "CHALLENGE_BOOST": 0.0}}
    assert all(it.boost == 0.0 for it in recommender.catalog_items())


def _engine(boost: float) -> Engine:
    items = [Item(i, creator=i, hashtags=("t",), created_at=0.0, boost=boost if i == 1 else 0.0) for i in range(2)]
    # Both videos watched the same way by the same number of viewers: nothing tells them apart but the boost.
    log = Interactions.from_records([{"user": f"u{n}", "item": i, "timestamp": float(n), "watch_ratio": 0.5}
                                     for n in range(20) for i in range(2)])
    eng = Engine({"exploration": {"share": 0.0}})
    eng.fit(log, items)
    return eng


def test_boost_moves_an_item_up_the_ranking():
    assert [r.item for r in _engine(0.5).recommend("new", 2)][0] == 1
    assert [r.item for r in _engine(0.0).recommend("new", 2)][0] == 0  # unboosted: id order breaks the tie


def test_boost_survives_the_model_file():
    from reelbox.recsys import Model

    eng = _engine(0.5)
    again = Model.from_bytes(eng.model.to_bytes())
    assert again.catalog.boost.tolist() == [0.0, 0.5]
