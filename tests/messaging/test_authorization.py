"""Every messaging and notification endpoint as a stranger, an outsider, and a blocked user: nothing leaks."""

import pytest

from reelbox.social import actions as social
from tests.factories import ready_video

pytestmark = pytest.mark.django_db

SECRET = "SECRET-MESSAGE-TEXT"


@pytest.fixture
def world(person, api, commit):
    alice, bob, outsider, blocked = person("alice"), person("bob"), person("outsider"), person("blocked")
    for p in (alice, bob, outsider, blocked):
        social.update_privacy(p.user, who_can_message="everyone")
    conversation = alice.post("/api/v1/conversations", {"members": ["bob", "blocked"]}).json()["id"]
    with commit():
        alice.post(f"/api/v1/conversations/{conversation}/messages", {"text": SECRET})
    video = ready_video(alice.user, caption="CAPTION")
    with commit():
        bob.post(f"/api/v1/videos/{video.public_id}/comments", {"text": "SECRET-COMMENT"})
    social.block(alice.user, blocked.user)
    return {"alice": alice, "bob": bob, "outsider": outsider, "blocked": blocked, "anon": api,
            "conversation": conversation, "video": video}


def endpoints(conversation):
    c = conversation
    return [("get", f"/api/v1/conversations/{c}", None), ("get", f"/api/v1/conversations/{c}/messages", None),
            ("post", f"/api/v1/conversations/{c}/messages", {"text": "hi"}),
            ("post", f"/api/v1/conversations/{c}/read", {}),
            ("post", f"/api/v1/conversations/{c}/members", {"members": ["outsider"]}),
            ("delete", f"/api/v1/conversations/{c}/members/bob", None),
            ("post", f"/api/v1/conversations/{c}/leave", {})]


def call(api, method, path, body):
    if method == "delete":
        return api.delete(path)
    return api.get(path) if method == "get" else api.post(path, body)


def test_anonymous_gets_401_everywhere(world):
    anon = world["anon"]
    for method, path, body in [*endpoints(world["conversation"]), ("get", "/api/v1/conversations", None),
                               ("post", "/api/v1/conversations", {"members": ["bob"]}),
                               ("get", "/api/v1/notifications", None),
                               ("get", "/api/v1/notifications/unread-count", None),
                               ("post", "/api/v1/notifications/read", {}),
                               ("get", "/api/v1/me/notification-preferences", None)]:
        response = call(anon, method, path, body)
        assert response.status_code == 401, (path, response.status_code)
        assert SECRET.encode() not in response.content


def test_outsiders_get_404_and_see_nothing(world):
    outsider = world["outsider"]
    for method, path, body in endpoints(world["conversation"]):
        response = call(outsider, method, path, body)
        assert response.status_code == 404, (path, response.status_code)
        assert SECRET.encode() not in response.content
    for path in ("/api/v1/conversations", "/api/v1/notifications"):
        assert outsider.get(path).json()["items"] == []
    assert outsider.client.get(f"/messages/{world['conversation']}").status_code == 404
    assert SECRET.encode() not in outsider.client.get("/messages").content


def test_blocked_people_cannot_write_to_each_other_and_never_hear_of_each_other(world, commit):
    alice, blocked = world["alice"], world["blocked"]
    conversation = world["conversation"]
    for sender, other in ((blocked, "alice"), (alice, "blocked")):
        response = sender.post("/api/v1/conversations", {"members": [other]})
        assert response.status_code == 403 and response.json()["code"] == "message_not_allowed"
    # In the group they were both in, history stays readable to members (it is theirs too) ...
    assert blocked.get(f"/api/v1/conversations/{conversation}/messages").status_code == 200
    # ... but neither can write to the other any more.
    for sender in (alice, blocked):
        assert sender.post(f"/api/v1/conversations/{conversation}/messages", {"text": "x"}).status_code == 403
    # The message notification blocked got from alice before the block is gone from their list.
    assert [n for n in blocked.get("/api/v1/notifications").json()["items"] if n["actors"][0]["username"] == "alice"] == []
    with commit():
        blocked.post(f"/api/v1/videos/{world['video'].public_id}/comments", {"text": "hi"})
    assert all(n["actors"][0]["username"] != "blocked" for n in alice.get("/api/v1/notifications").json()["items"])


def test_notifications_are_only_their_recipients(world):
    alice, bob = world["alice"], world["bob"]
    [comment_line] = [n for n in alice.get("/api/v1/notifications").json()["items"] if n["verb"] == "comment"]
    assert comment_line["comment"]["text"] == "SECRET-COMMENT"
    assert b"SECRET-COMMENT" not in bob.get("/api/v1/notifications").content
    assert bob.post("/api/v1/notifications/read", {"ids": [comment_line["id"]]}).json()["marked"] == 0
    assert alice.get("/api/v1/notifications/unread-count").json()["count"] == 1
