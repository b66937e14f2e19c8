import pytest

from reelbox.social.models import Bookmark, Like, Share
from reelbox.videos.models import Video
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


def like_count(video):
    return Video.objects.get(pk=video.pk).like_count


def test_like_is_idempotent_and_unlike_too(person):
    alice = person("alice")
    video = ready_video(person("bob").user)
    url = f"/api/v1/videos/{video.public_id}/like"
    for _ in range(2):
        response = alice.post(url)
        assert response.status_code == 200, response.content
        assert response.json() == {"liked": True, "like_count": 1}
    assert Like.objects.count() == 1 and like_count(video) == 1
    for _ in range(2):
        assert alice.delete(url).json() == {"liked": False, "like_count": 0}
    assert Like.objects.count() == 0 and like_count(video) == 0


def test_like_needs_login_and_a_visible_video(api, person):
    alice = person("alice")
    video = ready_video(person("bob").user)
    assert api.post(f"/api/v1/videos/{video.public_id}/like").status_code == 401
    assert alice.post("/api/v1/videos/nosuchvideo/like").status_code == 404
    processing = Video.objects.create(author=video.author, status=Video.Status.PROCESSING, media_prefix="p")
    assert alice.post(f"/api/v1/videos/{processing.public_id}/like").status_code == 404


def test_counts_are_in_the_video_json_and_viewer_state_is_separate(api, person):
    alice = person("alice")
    video = ready_video(person("bob").user)
    alice.post(f"/api/v1/videos/{video.public_id}/like")
    alice.post(f"/api/v1/videos/{video.public_id}/bookmark")
    alice.post("/api/v1/users/bob/follow")
    mine = alice.get(f"/api/v1/videos/{video.public_id}").json()
    assert mine["like_count"] == 1 and mine["comment_count"] == 0 and mine["share_count"] == 0
    assert mine["viewer"] == {"liked": True, "bookmarked": True, "follow": "accepted", "is_author": False}
    assert api.get(f"/api/v1/videos/{video.public_id}").json()["viewer"] is None
    # The feed's shared JSON carries counts, never anyone's state.
    item = api.get("/api/v1/feed/foryou").json()["items"][0]
    assert "viewer" not in item or item["viewer"] is None
    states = alice.get("/api/v1/me/video-states", ids=f"{video.public_id},unknown").json()["states"]
    assert states == {video.public_id: {"liked": True, "bookmarked": True, "follow": "accepted", "is_author": False}}


def test_bookmarks_are_private_and_paginated(api, person):
    alice, bob = person("alice"), person("bob")
    videos = [ready_video(bob.user) for _ in range(3)]
    for video in videos:
        for _ in range(2):
            assert alice.post(f"/api/v1/videos/{video.public_id}/bookmark").json() == {"bookmarked": True}
    assert Bookmark.objects.count() == 3
    first = alice.get("/api/v1/me/bookmarks", limit=2).json()
    second = alice.get("/api/v1/me/bookmarks", limit=2, cursor=first["next_cursor"]).json()
    assert [v["id"] for v in first["items"] + second["items"]] == [v.public_id for v in reversed(videos)]
    assert second["next_cursor"] is None
    assert bob.get("/api/v1/me/bookmarks").json()["items"] == []
    assert api.get("/api/v1/me/bookmarks").status_code == 401
    alice.delete(f"/api/v1/videos/{videos[0].public_id}/bookmark")
    assert len(alice.get("/api/v1/me/bookmarks").json()["items"]) == 2


def test_bookmarked_video_gone_private_leaves_the_list(person):
    alice, bob = person("alice"), person("bob")
    video = ready_video(bob.user)
    alice.post(f"/api/v1/videos/{video.public_id}/bookmark")
    bob.patch(f"/api/v1/videos/{video.public_id}", {"visibility": "private"})
    assert alice.get("/api/v1/me/bookmarks").json()["items"] == []


def test_share_counts_and_returns_the_link(api, person):
    video = ready_video(person("bob").user)
    response = api.post(f"/api/v1/videos/{video.public_id}/share", {"channel": "link"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["url"].endswith(f"/v/{video.public_id}") and body["share_count"] == 1
    person("alice").post(f"/api/v1/videos/{video.public_id}/share", {})
    assert Video.objects.get(pk=video.pk).share_count == 2 == Share.objects.count()
    bad = api.post(f"/api/v1/videos/{video.public_id}/share", {"channel": "carrier-pigeon"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_channel"
    assert api.post("/api/v1/videos/nosuch/share", {"channel": "link"}).status_code == 404
