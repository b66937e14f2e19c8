import pytest

from reelbox.accounts.models import User
from reelbox.social import queries
from reelbox.social.models import Follow
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(person):
    alice, bob = person("alice"), person("bob")
    alice.post("/api/v1/users/bob/follow")
    bob.post("/api/v1/users/alice/follow")
    return alice, bob


def test_block_is_idempotent_ends_follows_and_hides_both_ways(pair):
    alice, bob = pair
    video = ready_video(bob.user)
    mine = ready_video(alice.user)
    for _ in range(2):
        assert alice.post("/api/v1/users/bob/block").json() == {"blocked": True, "muted": False}
    assert Follow.objects.count() == 0
    assert [User.objects.get(username=n).follower_count for n in ("alice", "bob")] == [0, 0]
    assert [User.objects.get(username=n).following_count for n in ("alice", "bob")] == [0, 0]
    for viewer, target, vid in ((alice, "bob", video), (bob, "alice", mine)):
        assert viewer.get(f"/api/v1/users/{target}").status_code == 404
        assert viewer.get(f"/api/v1/videos/{vid.public_id}").status_code == 404
        assert viewer.get(f"/api/v1/users/{target}/videos").status_code == 404
        assert viewer.client.get(f"/v/{vid.public_id}").status_code == 404
        assert viewer.client.get(f"/@{target}").status_code == 404
        comment = viewer.post(f"/api/v1/videos/{vid.public_id}/comments", {"text": "hi"})
        assert comment.status_code == 404 and comment.json()["code"] == "not_found"
        follow = viewer.post(f"/api/v1/users/{target}/follow")
        assert follow.status_code == 403 and follow.json()["code"] == "follow_not_allowed"
        assert viewer.post(f"/api/v1/videos/{vid.public_id}/like").status_code == 404
    assert queries.hidden_author_ids(alice.user.pk) == {bob.user.pk}
    assert queries.hidden_author_ids(bob.user.pk) == {alice.user.pk}
    assert queries.hidden_author_ids(None) == set()

    alice.delete("/api/v1/users/bob/block")
    assert bob.get("/api/v1/users/alice").status_code == 200
    assert bob.get(f"/api/v1/videos/{mine.public_id}").status_code == 200
    # Unblocking does not restore the follows.
    assert Follow.objects.count() == 0


def test_blocked_users_vanish_from_each_others_comments_and_lists(person):
    alice, bob, carol = person("alice"), person("bob"), person("carol")
    video = ready_video(carol.user)
    url = f"/api/v1/videos/{video.public_id}/comments"
    alice.post(url, {"text": "from alice"})
    bob.post(url, {"text": "from bob"})
    alice.post("/api/v1/users/carol/follow")
    bob.post("/api/v1/users/carol/follow")
    bob.post("/api/v1/users/alice/block")
    assert [c["text"] for c in alice.get(url).json()["items"]] == ["from alice"]
    assert [c["text"] for c in bob.get(url).json()["items"]] == ["from bob"]
    assert [u["username"] for u in alice.get("/api/v1/users/carol/followers").json()["items"]] == ["alice"]
    assert len(carol.get(url).json()["items"]) == 2


def test_mute_hides_from_the_muter_only(person):
    alice, bob = person("alice"), person("bob")
    for _ in range(2):
        assert alice.post("/api/v1/users/bob/mute").json() == {"blocked": False, "muted": True}
    assert queries.hidden_author_ids(alice.user.pk) == {bob.user.pk}
    assert queries.hidden_author_ids(bob.user.pk) == set()
    # Silently: the profile and videos stay reachable directly.
    assert alice.get("/api/v1/users/bob").json()["viewer"]["muted"] is True
    assert alice.delete("/api/v1/users/bob/mute").json()["muted"] is False
    assert queries.hidden_author_ids(alice.user.pk) == set()


def test_following_ids_are_accepted_follows_only(person):
    alice, bob, carol = person("alice"), person("bob"), person("carol")
    carol.patch("/api/v1/me/privacy", {"is_private": True})
    alice.post("/api/v1/users/bob/follow")
    alice.post("/api/v1/users/carol/follow")
    assert queries.following_ids(alice.user.pk) == {bob.user.pk}


def test_cannot_block_or_mute_yourself(person):
    alice = person("alice")
    assert alice.post("/api/v1/users/alice/block").status_code == 400
    assert alice.post("/api/v1/users/alice/mute").status_code == 400


def test_feed_leaves_out_muted_and_blocked_authors(person):
    from reelbox.videos import queries as video_queries

    viewer, muted, blocker, other = person("viewer"), person("muted"), person("blocker"), person("other")
    videos = {p.user.username: ready_video(p.user).public_id for p in (muted, blocker, other)}
    viewer.post("/api/v1/users/muted/mute")
    blocker.post("/api/v1/users/viewer/block")
    video_queries.clear_cache()
    shown = [item["id"] for item in viewer.get("/api/v1/feed/foryou", limit=30).json()["items"]]
    assert videos["other"] in shown
    assert videos["muted"] not in shown and videos["blocker"] not in shown
    # Only the muter is affected by a mute.
    seen_by_other = [item["id"] for item in other.get("/api/v1/feed/foryou", limit=30).json()["items"]]
    assert videos["muted"] in seen_by_other
