import pytest

from reelbox.accounts.models import User
from reelbox.social.models import Follow

pytestmark = pytest.mark.django_db


def counts(username):
    user = User.objects.get(username=username)
    return user.follower_count, user.following_count


def test_follow_is_idempotent_and_counted(person):
    alice, bob = person("alice"), person("bob")
    for _ in range(2):
        response = alice.post("/api/v1/users/bob/follow")
        assert response.status_code == 200, response.content
        assert response.json() == {"status": "accepted", "follower_count": 1, "following_count": 0}
    assert Follow.objects.count() == 1
    assert counts("bob") == (1, 0) and counts("alice") == (0, 1)
    profile = alice.get("/api/v1/users/bob").json()
    assert profile["follower_count"] == 1 and profile["viewer"]["follow"] == "accepted"
    assert bob.get("/api/v1/users/alice").json()["viewer"]["follows_you"] is True

    for _ in range(2):
        response = alice.delete("/api/v1/users/bob/follow")
        assert response.status_code == 200
        assert response.json()["status"] is None
    assert Follow.objects.count() == 0
    assert counts("bob") == (0, 0) and counts("alice") == (0, 0)


def test_follow_yourself_or_nobody(person):
    alice = person("alice")
    assert alice.post("/api/v1/users/alice/follow").json()["code"] == "follow_self"
    assert alice.post("/api/v1/users/nobody_here/follow").status_code == 404


def test_follow_needs_login(api, person):
    person("bob")
    assert api.post("/api/v1/users/bob/follow").status_code == 401


def test_follower_and_following_lists_paginate(person):
    star = person("star")
    fans = [person(f"fan{i}") for i in range(5)]
    for fan in fans:
        fan.post("/api/v1/users/star/follow")
    seen, cursor = [], None
    while True:
        body = star.get("/api/v1/users/star/followers", limit=2, **({"cursor": cursor} if cursor else {})).json()
        seen += [u["username"] for u in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == [f"fan{i}" for i in reversed(range(5))]
    following = fans[0].get("/api/v1/users/fan0/following").json()
    assert [u["username"] for u in following["items"]] == ["star"]
    assert star.get("/api/v1/users/star/followers", cursor="nope").json()["code"] == "invalid_cursor"


def test_private_account_gets_requests_to_approve_or_decline(person):
    owner, asker, other = person("owner"), person("asker"), person("other")
    assert owner.patch("/api/v1/me/privacy", {"is_private": True}).json()["is_private"] is True
    response = asker.post("/api/v1/users/owner/follow")
    assert response.json()["status"] == "pending"
    assert counts("owner") == (0, 0)
    other.post("/api/v1/users/owner/follow")
    pending = owner.get("/api/v1/me/follow-requests").json()
    assert [u["username"] for u in pending["items"]] == ["other", "asker"]

    assert owner.post("/api/v1/me/follow-requests/asker/approve").status_code == 204
    assert owner.post("/api/v1/me/follow-requests/asker/approve").status_code == 404
    assert owner.post("/api/v1/me/follow-requests/other/decline").status_code == 204
    assert counts("owner") == (1, 0) and counts("asker") == (0, 1)
    assert Follow.objects.filter(follower__username="other").count() == 0
    assert owner.get("/api/v1/me/follow-requests").json()["items"] == []
    # The approved follower sees the lists; others do not.
    assert asker.get("/api/v1/users/owner/followers").status_code == 200
    assert other.get("/api/v1/users/owner/followers").status_code == 403


def test_withdrawing_a_request_changes_no_count(person):
    owner, asker = person("owner"), person("asker")
    owner.patch("/api/v1/me/privacy", {"is_private": True})
    asker.post("/api/v1/users/owner/follow")
    asker.delete("/api/v1/users/owner/follow")
    assert Follow.objects.count() == 0 and counts("owner") == (0, 0) and counts("asker") == (0, 0)


def test_going_public_accepts_pending_requests(person):
    owner, asker = person("owner"), person("asker")
    owner.patch("/api/v1/me/privacy", {"is_private": True})
    asker.post("/api/v1/users/owner/follow")
    owner.patch("/api/v1/me/privacy", {"is_private": False})
    assert Follow.objects.get().status == "accepted"
    assert counts("owner") == (1, 0) and counts("asker") == (0, 1)


def test_remove_a_follower(person):
    owner, fan = person("owner"), person("fan")
    fan.post("/api/v1/users/owner/follow")
    assert owner.delete("/api/v1/me/followers/fan").status_code == 204
    assert counts("owner") == (0, 0) and counts("fan") == (0, 0)
