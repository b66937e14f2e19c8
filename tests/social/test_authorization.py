"""Every social and video read, as a stranger, a blocked user and a non-follower of a private account.

Each case names what must stay hidden; the test asserts the status (404 or 403, never 200 with content) and
that no hidden caption, comment text or video id appears anywhere in the body.
"""

import pytest
from django.test import Client

from reelbox.social import actions
from reelbox.social.models import Comment
from tests.conftest import Api
from tests.factories import ready_video

pytestmark = pytest.mark.django_db

SECRETS = ["CAPTION-FOLLOWERS", "CAPTION-ONLYME", "CAPTION-PRIVACC", "CAPTION-PUBLIC", "COMMENT-PUBLIC",
           "REPLY-PUBLIC", "COMMENT-PRIVACC"]


@pytest.fixture
def world(person, api):
    alice = person("alice")  # public account
    priv = person("priv")  # private account
    blocked = person("blocked")  # alice blocked them
    outsider = person("outsider")  # a logged-in stranger who follows no one
    follower = person("follower")
    w = {"alice": alice, "priv": priv, "blocked": blocked, "outsider": outsider, "follower": follower, "anon": api}
    w["public"] = ready_video(alice.user, caption="CAPTION-PUBLIC")
    w["followers"] = ready_video(alice.user, caption="CAPTION-FOLLOWERS")
    w["onlyme"] = ready_video(alice.user, caption="CAPTION-ONLYME")
    actions.follow(follower.user, alice.user)
    alice.patch(f"/api/v1/videos/{w['followers'].public_id}", {"visibility": "followers"})
    alice.patch(f"/api/v1/videos/{w['onlyme'].public_id}", {"visibility": "private"})
    w["comment"] = actions.create_comment(alice.user, w["public"].public_id, "COMMENT-PUBLIC")
    w["reply"] = actions.create_comment(follower.user, w["public"].public_id, "REPLY-PUBLIC", w["comment"].pk)
    w["privvideo"] = ready_video(priv.user, caption="CAPTION-PRIVACC")
    w["privcomment"] = actions.create_comment(priv.user, w["privvideo"].public_id, "COMMENT-PRIVACC")
    actions.update_privacy(priv.user, is_private=True)
    # The outsider asked to follow the private account: a pending request grants nothing.
    actions.follow(outsider.user, priv.user)
    actions.block(alice.user, blocked.user)
    return w


def assert_hidden(response, statuses, hidden):
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    # A 404 page may echo the path that was asked for (the language form's "next"): that is no leak.
    body = response.content.decode().replace(response.wsgi_request.get_full_path(), "")
    for secret in hidden:
        assert secret not in body, (secret, body[:500])


def reads(w, video, comment):
    v = video.public_id
    return [f"/api/v1/videos/{v}", f"/api/v1/videos/{v}/comments", f"/api/v1/videos/{v}/comments?sort=newest",
            f"/api/v1/comments/{comment.pk}/replies", f"/v/{v}"]


def writes(video, comment):
    v = video.public_id
    return [("post", f"/api/v1/videos/{v}/like", None), ("delete", f"/api/v1/videos/{v}/like", None),
            ("post", f"/api/v1/videos/{v}/bookmark", None), ("post", f"/api/v1/videos/{v}/share", {"channel": "link"}),
            ("post", f"/api/v1/videos/{v}/comments", {"text": "hello"}),
            ("post", f"/api/v1/videos/{v}/comments", {"text": "hello", "parent_id": comment.pk}),
            ("post", f"/api/v1/comments/{comment.pk}/like", None), ("delete", f"/api/v1/comments/{comment.pk}", None),
            ("post", f"/api/v1/comments/{comment.pk}/pin", None)]


def call(api, method, path, body):
    if method == "post":
        return api.post(path, body)
    return api.delete(path)


def test_blocked_user_sees_nothing_of_the_blocker_and_vice_versa(world):
    w = world
    everything = SECRETS
    for viewer, owner in (("blocked", "alice"), ("alice", "blocked")):
        api = w[viewer]
        for path in [f"/api/v1/users/{owner}", f"/api/v1/users/{owner}/videos", f"/api/v1/users/{owner}/followers",
                     f"/api/v1/users/{owner}/following", f"/@{owner}"]:
            assert_hidden(api.get(path) if path.startswith("/api") else api.client.get(path), {404}, everything)
    api = w["blocked"]
    for path in reads(w, w["public"], w["comment"]):
        assert_hidden(api.get(path), {404}, everything)
    for method, path, body in writes(w["public"], w["comment"]):
        assert_hidden(call(api, method, path, body), {404}, everything)
    follow = api.post("/api/v1/users/alice/follow")
    assert follow.status_code == 403 and follow.json()["code"] == "follow_not_allowed"
    # The blocked user's own comments vanish for the blocker, and the follower's reply is still fine.
    states = api.get("/api/v1/me/video-states", ids=w["public"].public_id).json()["states"]
    assert states == {}
    assert Comment.objects.filter(author=w["blocked"].user).count() == 0


@pytest.mark.parametrize("viewer", ["anon", "outsider"])
def test_strangers_see_public_content_only(world, viewer):
    w = world
    api = w[viewer]
    hidden = ["CAPTION-FOLLOWERS", "CAPTION-ONLYME", "CAPTION-PRIVACC", "COMMENT-PRIVACC",
              w["followers"].public_id, w["onlyme"].public_id, w["privvideo"].public_id]
    for video in (w["followers"], w["onlyme"]):
        for path in reads(w, video, w["comment"])[:3] + [f"/v/{video.public_id}"]:
            assert_hidden(api.get(path), {404}, hidden)
    # Public content is there, without the hidden videos beside it.
    assert_hidden(api.get("/api/v1/users/alice/videos"), {200}, hidden)
    assert api.get("/api/v1/users/alice/videos").json()["items"][0]["caption"] == "CAPTION-PUBLIC"
    assert_hidden(api.client.get("/@alice"), {200}, hidden)
    assert_hidden(api.get("/api/v1/feed/foryou"), {200}, hidden)
    if viewer == "outsider":
        for video in (w["followers"], w["onlyme"]):
            for method, path, body in writes(video, w["comment"])[:5]:
                assert_hidden(call(api, method, path, body), {404}, hidden)
        assert api.get("/api/v1/me/video-states", ids=w["onlyme"].public_id).json()["states"] == {}


@pytest.mark.parametrize("viewer", ["anon", "outsider"])
def test_non_followers_of_a_private_account_see_its_profile_only(world, viewer):
    w = world
    api = w[viewer]
    hidden = ["CAPTION-PRIVACC", "COMMENT-PRIVACC", w["privvideo"].public_id]
    profile = api.get("/api/v1/users/priv")
    assert_hidden(profile, {200}, hidden)
    assert profile.json()["is_private"] is True
    for path in ["/api/v1/users/priv/videos", "/api/v1/users/priv/followers", "/api/v1/users/priv/following"]:
        response = api.get(path)
        assert_hidden(response, {403}, hidden)
        assert response.json()["code"] == "private_account"
    for path in reads(w, w["privvideo"], w["privcomment"]):
        assert_hidden(api.get(path), {404}, hidden)
    assert_hidden(api.client.get("/@priv"), {200}, hidden)
    assert_hidden(api.get("/api/v1/feed/foryou"), {200}, hidden)
    if viewer == "outsider":
        for method, path, body in writes(w["privvideo"], w["privcomment"]):
            assert_hidden(call(api, method, path, body), {404}, hidden)
        assert_hidden(api.get("/api/v1/me/bookmarks"), {200}, hidden)


def test_accepted_followers_see_what_strangers_cannot(world):
    w = world
    follower = w["follower"]
    assert follower.get(f"/api/v1/videos/{w['followers'].public_id}").status_code == 200
    assert follower.get(f"/api/v1/videos/{w['onlyme'].public_id}").status_code == 404
    actions.approve_request(w["priv"].user, w["outsider"].user)
    outsider = w["outsider"]
    assert outsider.get(f"/api/v1/videos/{w['privvideo'].public_id}").status_code == 200
    assert "COMMENT-PRIVACC" in outsider.get(f"/api/v1/videos/{w['privvideo'].public_id}/comments").content.decode()
    assert outsider.get("/api/v1/users/priv/videos").status_code == 200


def test_unknown_ids_look_like_hidden_ones(world):
    api = world["outsider"]
    hidden_video = api.get(f"/api/v1/videos/{world['onlyme'].public_id}")
    missing = api.get("/api/v1/videos/doesnotexist")
    assert hidden_video.status_code == missing.status_code == 404
    assert hidden_video.json() == missing.json()
    assert api.get("/api/v1/comments/999999/replies").json() == api.get(
        f"/api/v1/comments/{world['privcomment'].pk}/replies").json()


def test_anonymous_writes_need_login(world):
    anon = Api(Client())
    v = world["public"].public_id
    for path in [f"/api/v1/videos/{v}/like", f"/api/v1/videos/{v}/bookmark", f"/api/v1/videos/{v}/comments",
                 "/api/v1/users/alice/follow", "/api/v1/users/alice/block", "/api/v1/users/alice/mute"]:
        assert anon.post(path, {"text": "x"}).status_code == 401
