"""Group conversations: adding people (at most 12), removing them (admins), leaving; the rules that hold for each."""

import pytest

from reelbox.messaging.models import Conversation, Member
from reelbox.notifications.models import Notification
from reelbox.social import actions as social

pytestmark = pytest.mark.django_db

NEUTRAL = "You can't message this account."


@pytest.fixture
def people(person):
    made = {}

    def get(name):
        if name not in made:
            made[name] = person(name)
            social.update_privacy(made[name].user, who_can_message="everyone")
        return made[name]

    return get


@pytest.fixture
def group(people):
    """alice (creator, admin), bob and carol."""
    alice = people("alice")
    people("bob"), people("carol")
    response = alice.post("/api/v1/conversations", {"members": ["bob", "carol"], "title": "trip"})
    assert response.status_code == 201
    return response.json()["id"]


def names(api, conversation):
    body = api.get(f"/api/v1/conversations/{conversation}").json()
    return [m["username"] for m in body["members"]]


def send(api, conversation, text):
    return api.post(f"/api/v1/conversations/{conversation}/messages", {"text": text})


def test_creator_is_admin_and_members_are_listed(people, group):
    body = people("bob").get(f"/api/v1/conversations/{group}").json()
    assert body["created_by"] == "alice"
    assert [(m["username"], m["is_admin"]) for m in body["members"]] == [
        ("alice", True), ("bob", False), ("carol", False)]


def test_any_member_adds_people_who_then_read_only_what_follows(people, group, commit):
    alice, bob, dave = people("alice"), people("bob"), people("dave")
    with commit():
        assert send(alice, group, "before dave").status_code == 201
    response = bob.post(f"/api/v1/conversations/{group}/members", {"members": ["dave", "@alice"]})
    assert response.status_code == 200, response.content
    assert [m["username"] for m in response.json()["members"]] == ["alice", "bob", "carol", "dave"]
    assert Member.objects.filter(conversation_id=group).count() == 4  # alice, already in, was skipped
    conversation = dave.get(f"/api/v1/conversations/{group}").json()
    assert conversation["last_message"] is None and conversation["unread_count"] == 0
    assert dave.get(f"/api/v1/conversations/{group}/messages").json()["items"] == []
    with commit():
        send(alice, group, "welcome dave")
    assert [m["text"] for m in dave.get(f"/api/v1/conversations/{group}/messages").json()["items"]] == [
        "welcome dave"]
    assert dave.get(f"/api/v1/conversations/{group}").json()["unread_count"] == 1
    assert Notification.objects.filter(recipient_id=dave.user.pk, conversation_id=group).count() == 1


def test_at_most_twelve_people(people, group):
    alice = people("alice")
    nine = [people(f"user{i}").user.username for i in range(9)]
    assert alice.post(f"/api/v1/conversations/{group}/members", {"members": nine}).status_code == 200
    response = alice.post(f"/api/v1/conversations/{group}/members", {"members": [people("extra").user.username]})
    assert response.status_code == 400 and response.json()["code"] == "invalid_members"
    assert Member.objects.filter(conversation_id=group).count() == 12


def test_adding_respects_who_can_message_and_blocks(people, group):
    alice, bob, carol = people("alice"), people("bob"), people("carol")
    shy, ghost = people("shy"), people("ghost")
    social.update_privacy(shy.user, who_can_message="nobody")
    response = alice.post(f"/api/v1/conversations/{group}/members", {"members": ["shy"]})
    assert response.status_code == 403 and response.json()["detail"] == NEUTRAL
    # ghost blocked carol: nobody may put them in a group with her, and the answer does not say why.
    social.block(ghost.user, carol.user)
    response = bob.post(f"/api/v1/conversations/{group}/members", {"members": ["ghost"]})
    assert response.status_code == 403 and response.json()["detail"] == NEUTRAL
    social.block(alice.user, people("pest").user)
    assert alice.post(f"/api/v1/conversations/{group}/members", {"members": ["pest"]}).status_code == 403
    unknown = alice.post(f"/api/v1/conversations/{group}/members", {"members": ["nobody_here"]})
    assert unknown.status_code == 404
    assert alice.post(f"/api/v1/conversations/{group}/members", {"members": "bob"}).status_code in (400, 422)
    assert names(alice, group) == ["alice", "bob", "carol"]


def test_only_admins_remove_and_removed_people_lose_the_conversation(people, group, commit):
    alice, bob, carol = people("alice"), people("bob"), people("carol")
    with commit():
        send(alice, group, "hello all")
    assert Notification.objects.filter(recipient_id=carol.user.pk, conversation_id=group).exists()
    response = bob.delete(f"/api/v1/conversations/{group}/members/carol")
    assert response.status_code == 403 and response.json()["code"] == "not_admin"
    assert alice.delete(f"/api/v1/conversations/{group}/members/nobody_here").status_code == 404
    assert alice.delete(f"/api/v1/conversations/{group}/members/carol").status_code == 204
    assert names(alice, group) == ["alice", "bob"]
    for path in (f"/api/v1/conversations/{group}", f"/api/v1/conversations/{group}/messages"):
        assert carol.get(path).status_code == 404
    assert send(carol, group, "still here?").status_code == 404
    assert carol.get("/api/v1/conversations").json()["items"] == []
    # Her notification pointed at a conversation she can no longer open.
    assert carol.get("/api/v1/notifications").json()["items"] == []
    assert carol.get("/api/v1/notifications/unread-count").json()["count"] == 0
    with commit():
        send(alice, group, "after carol")
    assert not Notification.objects.filter(recipient_id=carol.user.pk, conversation_id=group).exists()


def test_leaving_hands_admin_on_and_the_last_one_out_ends_it(people, group):
    alice, bob, carol = people("alice"), people("bob"), people("carol")
    assert bob.post(f"/api/v1/conversations/{group}/leave", {}).status_code == 204
    assert names(alice, group) == ["alice", "carol"]
    assert alice.delete(f"/api/v1/conversations/{group}/members/alice").status_code == 204  # leaving, too
    body = carol.get(f"/api/v1/conversations/{group}").json()
    assert [(m["username"], m["is_admin"]) for m in body["members"]] == [("carol", True)]
    assert alice.post(f"/api/v1/conversations/{group}/leave", {}).status_code == 404
    assert carol.post(f"/api/v1/conversations/{group}/leave", {}).status_code == 204
    assert not Conversation.objects.filter(pk=group).exists()


def test_one_to_one_conversations_have_no_members_to_change(people):
    alice, bob = people("alice"), people("bob")
    pair = alice.post("/api/v1/conversations", {"members": ["bob"]}).json()["id"]
    for response in (alice.post(f"/api/v1/conversations/{pair}/members", {"members": ["carol"]}),
                     alice.delete(f"/api/v1/conversations/{pair}/members/bob"),
                     bob.post(f"/api/v1/conversations/{pair}/leave", {})):
        assert response.status_code == 400 and response.json()["code"] == "not_a_group"


def test_the_conversation_page_lists_members_and_changes_them(people, group):
    alice, bob, dave = people("alice"), people("bob"), people("dave")
    page = alice.client.get(f"/messages/{group}").content.decode()
    assert 'id="group-members"' in page and "3 members" in page and "remove-member" in page
    assert "remove-member" not in bob.client.get(f"/messages/{group}").content.decode()
    response = bob.client.post(f"/messages/{group}", {"action": "add", "members": "dave"})
    assert response.status_code == 302 and "dave" in names(alice, group)
    refused = bob.client.post(f"/messages/{group}", {"action": "remove", "username": "dave"})
    assert refused.status_code == 400 and "dave" in names(alice, group)
    assert alice.client.post(f"/messages/{group}", {"action": "remove", "username": "dave"}).status_code == 302
    assert dave.client.get(f"/messages/{group}").status_code == 404
    assert bob.client.post(f"/messages/{group}", {"action": "leave"})["Location"] == "/messages"
    assert names(alice, group) == ["alice", "carol"]
