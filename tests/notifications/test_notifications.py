"""Notifications through the API: who hears of what, grouping, read state, preferences, blocks and mutes."""

import pytest

from reelbox.notifications.models import Notification
from reelbox.social import actions as social
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(person):
    creator = person("creator")
    video = ready_video(creator.user, caption="my clip")
    video.creator = creator
    return video


def items(api):
    response = api.get("/api/v1/notifications")
    assert response.status_code == 200, response.content
    return response.json()["items"]


def unread(api) -> int:
    return api.get("/api/v1/notifications/unread-count").json()["count"]


def test_likes_group_into_one_line(person, video, commit):
    fans = [person(f"fan{i}") for i in range(4)]
    for fan in fans:
        with commit():
            assert fan.post(f"/api/v1/videos/{video.public_id}/like").status_code == 200
    [line] = items(video.creator)
    assert line["verb"] == "like"
    assert line["actor_count"] == 4
    assert line["text"] == "fan3 and 3 others liked your video"
    assert [a["username"] for a in line["actors"]] == ["fan3", "fan2"]
    assert line["video"]["id"] == video.public_id
    assert unread(video.creator) == 1


def test_liking_twice_or_your_own_video_notifies_nobody_twice(person, video, commit):
    fan = person("fan")
    for _ in range(2):
        with commit():
            fan.post(f"/api/v1/videos/{video.public_id}/like")
    with commit():
        video.creator.post(f"/api/v1/videos/{video.public_id}/like")
    [line] = items(video.creator)
    assert line["actor_count"] == 1 and line["text"] == "fan liked your video"
    assert items(fan) == []


def test_comment_reply_and_mention(person, video, commit):
    alice, bob = person("alice"), person("bob")
    with commit():
        top = alice.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "nice @bob"}).json()
    with commit():
        bob.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "thanks", "parent_id": top["id"]})
    creator_lines = items(video.creator)
    assert [(n["verb"], n["comment"]["text"]) for n in creator_lines] == [("comment", "thanks"), ("comment", "nice @bob")]
    [mention] = items(bob)
    assert mention["verb"] == "mention" and mention["text"] == "alice mentioned you in a comment"
    [reply] = items(alice)
    assert reply["verb"] == "reply" and reply["comment"]["text"] == "thanks"


def test_follow_and_follow_request(person, commit):
    alice, bob, priv = person("alice"), person("bob"), person("priv")
    social.update_privacy(priv.user, is_private=True)
    with commit():
        bob.post("/api/v1/users/alice/follow")
    with commit():
        bob.post("/api/v1/users/priv/follow")
    assert [(n["verb"], n["text"]) for n in items(alice)] == [("follow", "bob started following you")]
    assert [(n["verb"], n["text"]) for n in items(priv)] == [("follow_request", "bob asked to follow you")]


def test_approved_follow_request_notifies_the_requester(person, commit):
    bob, priv, carol = person("bob"), person("priv"), person("carol")
    social.update_privacy(priv.user, is_private=True)
    with commit():
        bob.post("/api/v1/users/priv/follow")
        carol.post("/api/v1/users/priv/follow")
    assert items(bob) == []
    with commit():
        assert priv.post("/api/v1/me/follow-requests/bob/approve").status_code == 204
    [line] = items(bob)
    assert (line["verb"], line["text"]) == ("follow_approved", "priv approved your follow request")
    assert line["actors"][0]["username"] == "priv"
    # Approving twice tells nothing new; declining tells nothing at all.
    with commit():
        assert priv.post("/api/v1/me/follow-requests/bob/approve").status_code in (204, 404)
        assert priv.post("/api/v1/me/follow-requests/carol/decline").status_code == 204
    assert len(items(bob)) == 1 and items(carol) == []
    # The switch turns it off.
    body = carol.patch("/api/v1/me/notification-preferences", {"follow_approved": False}).json()
    assert body["follow_approved"] is False
    with commit():
        carol.post("/api/v1/users/priv/follow")
        assert priv.post("/api/v1/me/follow-requests/carol/approve").status_code == 204
    assert items(carol) == []


def test_going_public_tells_each_requester_they_were_approved(person, commit):
    bob, priv = person("bob"), person("priv")
    social.update_privacy(priv.user, is_private=True)
    with commit():
        bob.post("/api/v1/users/priv/follow")
    with commit():
        assert priv.patch("/api/v1/me/privacy", {"is_private": False}).status_code == 200
    assert [n["verb"] for n in items(bob)] == ["follow_approved"]


def test_blocks_and_mutes_silence_notifications(person, video, commit):
    blocked, muted, fan = person("blocked"), person("muted"), person("fan")
    with commit():
        video.creator.post("/api/v1/users/muted/mute")
        video.creator.post("/api/v1/users/fan/follow")
    with commit():
        muted.post(f"/api/v1/videos/{video.public_id}/like")
    assert items(video.creator) == []
    with commit():
        video.creator.post("/api/v1/users/blocked/block")
    with commit():
        assert blocked.post(f"/api/v1/videos/{video.public_id}/like").status_code == 404
    # Even a hook called directly across a block writes nothing.
    from reelbox.notifications import actions as notify

    assert notify.notify(video.creator.user.pk, blocked.user.pk, "follow") is None
    assert notify.notify(blocked.user.pk, video.creator.user.pk, "follow") is None
    # A block made after the notification hides the blocked actor from it.
    with commit():
        fan.post(f"/api/v1/videos/{video.public_id}/like")
    assert [n["actors"][0]["username"] for n in items(video.creator)] == ["fan"]
    with commit():
        video.creator.post("/api/v1/users/fan/block")
    assert items(video.creator) == []
    assert Notification.objects.filter(recipient=video.creator.user).exists()


def test_read_all_and_by_id(person, video, commit):
    a, b = person("ann"), person("ben")
    with commit():
        a.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "one"})
    with commit():
        b.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "two"})
    lines = items(video.creator)
    assert unread(video.creator) == 2
    # Someone else's ids change nothing.
    assert a.post("/api/v1/notifications/read", {"ids": [lines[0]["id"]]}).json() == {"marked": 0, "count": 0}
    assert video.creator.post("/api/v1/notifications/read", {"ids": [lines[0]["id"]]}).json() == {
        "marked": 1, "count": 1}
    assert video.creator.post("/api/v1/notifications/read", {}).json() == {"marked": 1, "count": 0}
    assert all(n["read"] for n in items(video.creator))
    # After reading, a new like starts a new line instead of reviving the read one.
    with commit():
        a.post(f"/api/v1/videos/{video.public_id}/like")
    assert unread(video.creator) == 1


def test_preferences_turn_types_off(person, video, commit):
    fan = person("fan")
    assert video.creator.get("/api/v1/me/notification-preferences").json()["like"] is True
    body = video.creator.patch("/api/v1/me/notification-preferences", {"like": False}).json()
    assert body["like"] is False and body["comment"] is True
    with commit():
        fan.post(f"/api/v1/videos/{video.public_id}/like")
    with commit():
        fan.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "hi"})
    assert [n["verb"] for n in items(video.creator)] == ["comment"]


def test_cursor_pagination(person, video, commit):
    for i in range(5):
        with commit():
            person(f"cc{i}").post(f"/api/v1/videos/{video.public_id}/comments", {"text": f"comment {i}"})
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = video.creator.get("/api/v1/notifications", **params).json()
        seen += [n["comment"]["text"] for n in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"comment {i}" for i in reversed(range(5))]
    assert video.creator.get("/api/v1/notifications", cursor="x.y").status_code == 400


def test_anonymous_is_refused(api):
    for path in ("/api/v1/notifications", "/api/v1/notifications/unread-count", "/api/v1/me/notification-preferences"):
        assert api.get(path).status_code == 401
    assert api.post("/api/v1/notifications/read", {}).status_code == 401


def test_page_shows_lines_marks_them_read_and_the_badge(person, video, commit):
    with commit():
        person("fan").post(f"/api/v1/videos/{video.public_id}/like")
    home = video.creator.client.get("/bookmarks")
    assert b'id="notification-badge"' in home.content and b">1</span>" in home.content
    page = video.creator.client.get("/notifications")
    assert page.status_code == 200
    assert "fan liked your video" in page.content.decode()
    assert unread(video.creator) == 0
    assert video.creator.client.get("/settings/notifications").status_code == 200
    response = video.creator.client.post("/settings/notifications", {"comment": "on"})
    assert response.status_code == 302
    prefs = video.creator.get("/api/v1/me/notification-preferences").json()
    assert prefs["comment"] is True and prefs["like"] is False
