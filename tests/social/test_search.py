"""Finding people: by username prefix or display name; never across a block, never inactive accounts."""

import pytest

from reelbox.social import actions

pytestmark = pytest.mark.django_db


def found(api, q):
    response = api.get("/api/v1/users", q=q)
    assert response.status_code == 200, response.content
    return [u["username"] for u in response.json()["items"]]


def test_search_by_username_prefix_and_display_name(api, person):
    alice = person("alice")
    person("alicia")
    carol = person("carol")
    carol.user.display_name = "Carol Alison"
    carol.user.save(update_fields=["display_name"])
    assert found(api, "ali") == ["alice", "alicia", "carol"]
    assert found(api, "@ALIC") == ["alice", "alicia"]
    assert found(alice, "ali") == ["alicia", "carol"]  # not yourself
    assert found(api, "") == [] and found(api, "zzz") == []


def test_search_hides_blocked_either_way_and_inactive(person):
    alice, bob, carol = person("alice"), person("bob"), person("bobby")
    actions.block(bob.user, alice.user)
    assert found(alice, "bob") == ["bobby"]
    assert found(bob, "ali") == []
    carol.user.is_active = False
    carol.user.save(update_fields=["is_active"])
    assert found(alice, "bob") == []
