import pytest

from reelbox.videos import queries as video_queries
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


def feed_ids(api):
    video_queries.clear_cache()
    return [item["id"] for item in api.get("/api/v1/feed/foryou", limit=30).json()["items"]]


def test_privacy_settings_read_and_write(person):
    alice = person("alice")
    assert alice.get("/api/v1/me/privacy").json() == {
        "is_private": False, "who_can_comment": "everyone", "who_can_duet": "everyone",
        "who_can_stitch": "everyone", "who_can_download": "everyone", "who_can_message": "followers"}
    changed = alice.patch("/api/v1/me/privacy", {"who_can_duet": "nobody", "who_can_message": "everyone"}).json()
    assert changed["who_can_duet"] == "nobody" and changed["who_can_message"] == "everyone"
    bad = alice.patch("/api/v1/me/privacy", {"who_can_stitch": "martians"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_who_can_stitch"
    assert "who_can_stitch" in bad.json()["detail"]


def test_video_settings_by_the_author_only(person):
    alice, bob = person("alice"), person("bob")
    video = ready_video(alice.user)
    url = f"/api/v1/videos/{video.public_id}"
    response = alice.patch(url, {"visibility": "followers", "allow_duet": False, "allow_stitch": False})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["visibility"], body["allow_duet"], body["allow_stitch"]) == ("followers", False, False)
    assert alice.patch(url, {"visibility": "friends"}).json()["code"] == "invalid_visibility"
    bob.post("/api/v1/users/alice/follow")
    assert bob.patch(url, {"visibility": "public"}).status_code == 403
    video.refresh_from_db()
    assert video.visibility == "followers"


def test_non_public_videos_never_reach_feeds(api, person):
    alice, fan = person("alice"), person("fan")
    fan.post("/api/v1/users/alice/follow")
    public = ready_video(alice.user)
    followers = ready_video(alice.user)
    only_me = ready_video(alice.user)
    alice.patch(f"/api/v1/videos/{followers.public_id}", {"visibility": "followers"})
    alice.patch(f"/api/v1/videos/{only_me.public_id}", {"visibility": "private"})
    for viewer in (api, fan):
        shown = feed_ids(viewer)
        assert followers.public_id not in shown and only_me.public_id not in shown
    assert set(video_queries.playable().values_list("public_id", flat=True)) == {public.public_id}


def test_private_account_videos_leave_feeds_and_profiles(api, person):
    alice, fan, stranger = person("alice"), person("fan"), person("stranger")
    video = ready_video(alice.user)
    fan.post("/api/v1/users/alice/follow")
    alice.patch("/api/v1/me/privacy", {"is_private": True})
    assert video.public_id not in feed_ids(api) + feed_ids(fan)
    assert not video_queries.playable().filter(pk=video.pk).exists()
    vid = f"/api/v1/videos/{video.public_id}"
    assert stranger.get(vid).status_code == 404 and api.get(vid).status_code == 404
    assert fan.get(vid).status_code == 200
    assert stranger.get("/api/v1/users/alice/videos").status_code == 403
    assert [v["id"] for v in fan.get("/api/v1/users/alice/videos").json()["items"]] == [video.public_id]
    # The profile itself stays visible, without its content.
    profile = stranger.get("/api/v1/users/alice").json()
    assert profile["is_private"] is True and profile["username"] == "alice"


def test_followers_only_video_for_accepted_followers(api, person):
    alice, fan, stranger = person("alice"), person("fan"), person("stranger")
    fan.post("/api/v1/users/alice/follow")
    video = ready_video(alice.user)
    alice.patch(f"/api/v1/videos/{video.public_id}", {"visibility": "followers"})
    vid = f"/api/v1/videos/{video.public_id}"
    assert fan.get(vid).status_code == 200 and alice.get(vid).status_code == 200
    assert stranger.get(vid).status_code == 404 and api.get(vid).status_code == 404
    assert stranger.client.get(f"/v/{video.public_id}").status_code == 404
    assert [v["id"] for v in fan.get("/api/v1/users/alice/videos").json()["items"]] == [video.public_id]
    assert stranger.get("/api/v1/users/alice/videos").json()["items"] == []
    assert stranger.post(f"{vid}/comments", {"text": "hi"}).status_code == 404
    assert fan.post(f"{vid}/comments", {"text": "hi"}).status_code == 201


def test_only_me_video_is_for_its_author(person):
    alice, fan = person("alice"), person("fan")
    fan.post("/api/v1/users/alice/follow")
    video = ready_video(alice.user)
    alice.patch(f"/api/v1/videos/{video.public_id}", {"visibility": "private"})
    assert fan.get(f"/api/v1/videos/{video.public_id}").status_code == 404
    assert alice.get(f"/api/v1/videos/{video.public_id}").status_code == 200
    assert [v["id"] for v in alice.get("/api/v1/users/alice/videos").json()["items"]] == [video.public_id]


def test_interaction_settings(person):
    from reelbox.videos.queries import interaction_allowed

    alice, fan, stranger = person("alice"), person("fan"), person("stranger")
    fan.post("/api/v1/users/alice/follow")
    video = ready_video(alice.user)
    alice.patch("/api/v1/me/privacy", {"who_can_duet": "followers", "who_can_download": "nobody"})
    video.author.refresh_from_db()
    assert interaction_allowed(fan.user, video, "duet") and not interaction_allowed(stranger.user, video, "duet")
    assert not interaction_allowed(fan.user, video, "download")
    assert interaction_allowed(alice.user, video, "download")
    alice.patch(f"/api/v1/videos/{video.public_id}", {"allow_duet": False})
    video.refresh_from_db()
    assert not interaction_allowed(fan.user, video, "duet")
    assert interaction_allowed(stranger.user, video, "stitch")
