"""Direct messages through the API: who may write to whom, groups, history, receipts, shared videos, limits."""

import pytest

from reelbox.messaging.models import Conversation, Member, Message
from reelbox.social import actions as social
from tests.factories import ready_video

pytestmark = pytest.mark.django_db

NEUTRAL = "You can't message this account."


def start(api, *members, **extra):
    return api.post("/api/v1/conversations", {"members": list(members), **extra})


def send(api, conversation_id, text="hello", **extra):
    return api.post(f"/api/v1/conversations/{conversation_id}/messages", {"text": text, **extra})


@pytest.fixture
def pair(person):
    """alice may write to bob: bob accepts messages from everyone."""
    alice, bob = person("alice"), person("bob")
    social.update_privacy(bob.user, who_can_message="everyone")
    return alice, bob


def test_who_may_message_you(person):
    alice, bob = person("alice"), person("bob")
    # Default: people bob follows.
    refused = start(alice, "bob")
    assert refused.status_code == 403 and refused.json() == {"detail": NEUTRAL, "code": "message_not_allowed"}
    social.follow(bob.user, alice.user)
    created = start(alice, "bob")
    assert created.status_code == 201
    again = start(alice, "@Bob")
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    assert Conversation.objects.count() == 1
    social.update_privacy(bob.user, who_can_message="nobody")
    carol = person("carol")
    assert start(carol, "bob").status_code == 403
    social.update_privacy(bob.user, who_can_message="everyone")
    assert start(carol, "bob").status_code == 201


def test_blocked_either_way_is_refused_neutrally(pair, person):
    alice, bob = pair
    conversation = start(alice, "bob").json()["id"]
    social.block(bob.user, alice.user)
    for sender, other in ((alice, "bob"), (bob, "alice")):
        response = start(sender, other)
        assert response.status_code == 403 and response.json()["detail"] == NEUTRAL
        response = send(sender, conversation)
        assert response.status_code == 403 and response.json()["detail"] == NEUTRAL


def test_the_recipient_may_answer_whatever_their_own_setting(pair):
    alice, bob = pair  # alice accepts messages only from people she follows, and follows nobody
    conversation = start(alice, "bob").json()["id"]
    assert send(bob, conversation, "hi alice").status_code == 201


def test_bad_input_names_the_field(pair, person):
    alice, _bob = pair
    conversation = start(alice, "bob").json()["id"]
    for text in ("", "   ", "x" * 2001):
        response = send(alice, conversation, text)
        assert response.status_code == 400 and response.json()["detail"].startswith("text:"), response.json()
    assert send(alice, conversation, "x" * 2000).status_code == 201
    for members in ([], ["alice"]):
        response = start(alice, *members)
        assert response.status_code == 400 and response.json()["detail"].startswith("members:")
    response = start(alice, "nobody_here")
    assert response.status_code == 404 and response.json()["detail"].startswith("members:")
    assert alice.post("/api/v1/conversations", {"members": "bob"}).status_code == 400


def test_groups_up_to_twelve(person):
    owner = person("owner")
    others = [person(f"member{i}") for i in range(12)]
    for other in others:
        social.update_privacy(other.user, who_can_message="everyone")
    names = [o.user.username for o in others]
    too_many = start(owner, *names)
    assert too_many.status_code == 400 and too_many.json()["detail"].startswith("members:")
    group = start(owner, *names[:11], title="The twelve")
    assert group.status_code == 201
    body = group.json()
    assert body["is_group"] and body["title"] == "The twelve" and len(body["members"]) == 12
    assert send(others[3], body["id"], "hi all").status_code == 201
    # A second group with the same people is a new conversation; a pair has only one.
    assert start(owner, *names[:11]).status_code == 201


def test_history_pagination_and_receipts(pair):
    alice, bob = pair
    conversation = start(alice, "bob").json()["id"]
    ids = [send(alice, conversation, f"m{i}").json()["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        page = bob.get(f"/api/v1/conversations/{conversation}/messages", limit=2,
                       **({"cursor": cursor} if cursor else {})).json()
        seen += [m["text"] for m in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["m4", "m3", "m2", "m1", "m0"]
    [listed] = bob.get("/api/v1/conversations").json()["items"]
    assert listed["unread_count"] == 5 and listed["last_message"]["text"] == "m4"
    receipt = bob.post(f"/api/v1/conversations/{conversation}/read", {"message_id": ids[2]}).json()
    assert receipt["username"] == "bob" and receipt["last_read_id"] == ids[2]
    # Receipts only move forward.
    assert bob.post(f"/api/v1/conversations/{conversation}/read", {"message_id": ids[0]}).json()[
        "last_read_id"] == ids[2]
    assert bob.get("/api/v1/conversations").json()["items"][0]["unread_count"] == 2
    bob.post(f"/api/v1/conversations/{conversation}/read")
    members = {m["username"]: m["last_read_id"] for m in alice.get(f"/api/v1/conversations/{conversation}").json()["members"]}
    assert members == {"alice": ids[-1], "bob": ids[-1]}


def test_shared_videos_show_only_to_readers_who_may_see_them(pair, person):
    alice, bob = pair
    creator = person("creator")
    public = ready_video(creator.user, caption="for all")
    followers_only = ready_video(creator.user, caption="for fans")
    creator.patch(f"/api/v1/videos/{followers_only.public_id}", {"visibility": "followers"})
    social.follow(alice.user, creator.user)
    conversation = start(alice, "bob").json()["id"]
    shown = send(alice, conversation, "", video_id=public.public_id)
    assert shown.status_code == 201 and shown.json()["video"]["id"] == public.public_id
    hidden = send(alice, conversation, "look", video_id=followers_only.public_id).json()
    assert hidden["video"]["id"] == followers_only.public_id  # alice follows the creator
    history = bob.get(f"/api/v1/conversations/{conversation}/messages").json()["items"]
    assert history[0]["video"] is None and history[0]["video_unavailable"] is True
    assert "for fans" not in str(history)
    assert history[1]["video"]["poster_url"] and history[1]["video"]["caption"] == "for all"
    # Bob cannot share what he cannot see.
    assert send(bob, conversation, "", video_id=followers_only.public_id).status_code == 404


def test_share_endpoint_sends_into_a_conversation(pair, person):
    alice, bob = pair
    video = ready_video(person("creator").user)
    conversation = start(alice, "bob").json()["id"]
    response = alice.post(f"/api/v1/videos/{video.public_id}/share",
                          {"channel": "message", "conversation_id": conversation, "text": "watch"})
    assert response.status_code == 200 and response.json()["share_count"] == 1
    [message] = bob.get(f"/api/v1/conversations/{conversation}/messages").json()["items"]
    assert message["text"] == "watch" and message["video"]["id"] == video.public_id
    missing = alice.post(f"/api/v1/videos/{video.public_id}/share", {"channel": "message"})
    assert missing.status_code == 400 and missing.json()["detail"].startswith("conversation_id:")
    outsider = person("outsider")
    assert outsider.post(f"/api/v1/videos/{video.public_id}/share",
                         {"channel": "message", "conversation_id": conversation}).status_code == 404


def test_messages_notify_and_reading_clears_them(pair, commit):
    alice, bob = pair
    conversation = start(alice, "bob").json()["id"]
    for text in ("one", "two"):
        with commit():
            send(alice, conversation, text)
    [line] = bob.get("/api/v1/notifications").json()["items"]
    assert line["verb"] == "message" and line["conversation_id"] == conversation
    assert bob.get("/api/v1/notifications/unread-count").json()["count"] == 1
    with commit():
        bob.post(f"/api/v1/conversations/{conversation}/read")
    assert bob.get("/api/v1/notifications/unread-count").json()["count"] == 0


def test_rate_limited(pair, settings):
    alice, _bob = pair
    settings.REELBOX = settings.REELBOX | {"RATE_LIMITS": settings.REELBOX["RATE_LIMITS"] | {"message": (3, 60)}}
    conversation = start(alice, "bob").json()["id"]
    assert [send(alice, conversation).status_code for _ in range(3)] == [201, 201, 429]


def test_non_members_and_strangers_see_nothing(pair, person, api):
    alice, bob = pair
    conversation = start(alice, "bob").json()["id"]
    send(alice, conversation, "SECRET-TEXT")
    outsider = person("outsider")
    paths = [f"/api/v1/conversations/{conversation}", f"/api/v1/conversations/{conversation}/messages"]
    for path in paths:
        response = outsider.get(path)
        assert response.status_code == 404 and b"SECRET" not in response.content
        assert api.get(path).status_code == 401
    assert outsider.get("/api/v1/conversations").json()["items"] == []
    assert send(outsider, conversation).status_code == 404
    assert outsider.post(f"/api/v1/conversations/{conversation}/read").status_code == 404
    assert outsider.client.get(f"/messages/{conversation}").status_code == 404
    assert send(api, conversation).status_code == 401
    assert Message.objects.count() == 1 and not Member.objects.filter(user=outsider.user).exists()


def test_web_pages(pair):
    alice, bob = pair
    response = alice.client.post("/messages", {"members": "bob"})
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    page = alice.client.get(response["Location"])
    assert page.status_code == 200 and b'id="message-form"' in page.content
    alice.client.post(f"/messages/{conversation.pk}", {"text": "<b>hi</b>"})
    page = bob.client.get(f"/messages/{conversation.pk}").content.decode()
    assert "&lt;b&gt;hi&lt;/b&gt;" in page and "<b>hi</b>" not in page
    assert "live.js" in page
    assert bob.client.get("/messages").status_code == 200


def test_message_button_on_a_profile(pair):
    alice, _bob = pair
    page = alice.client.get("/@bob").content.decode()
    assert 'class="inline message-profile"' in page and 'value="bob"' in page
    assert alice.client.post("/messages", {"members": "bob"}).status_code == 302
    refused = alice.client.post("/messages", {"members": "nobody_here"})
    assert refused.status_code == 400 and "no such user" in refused.content.decode()
