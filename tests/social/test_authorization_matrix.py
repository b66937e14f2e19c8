"""Every social, messaging and notification endpoint, called as a stranger (logged in and anonymous), as a
blocked user and as a non-follower of a private account: the status each must get, and that no hidden caption,
comment, message, video id or name appears in any answer.

``test_the_matrix_covers_every_endpoint`` keeps the table complete: a new endpoint in those parts of the API
fails it until it is added here.
"""

import pytest

from reelbox.notifications.models import Notification
from reelbox.social import actions
from tests.factories import ready_video

pytestmark = pytest.mark.django_db

TAGS = {"social", "messages", "notifications"}
ROLES = ("anon", "stranger", "private", "blocked")
NOT_FOUND = {role: {404} for role in ROLES}


def same(statuses, anon=None) -> dict:
    """Everyone gets ``statuses``; the anonymous caller gets ``anon`` (401 where the endpoint needs login)."""
    return {role: set(statuses) for role in ROLES} | {"anon": set(anon or {401})}


# (method, path, body, {role: allowed statuses}). Order matters only in that the writes that change who follows
# or blocks whom come last, so they cannot open a door for the calls before them.
MATRIX = [
    ("get", "/users?q={username}", None, same({200}, {200})),
    ("get", "/users/{username}/followers", None, {"anon": {200}, "stranger": {200}, "private": {403}, "blocked": {404}}),
    ("get", "/users/{username}/following", None, {"anon": {200}, "stranger": {200}, "private": {403}, "blocked": {404}}),
    ("delete", "/me/followers/{username}", None, same({204, 404})),
    ("get", "/me/follow-requests", None, same({200})),
    ("post", "/me/follow-requests/{username}/approve", None, same({404})),
    ("post", "/me/follow-requests/{username}/decline", None, same({404})),
    ("post", "/videos/{video_id}/like", None, same({404})),
    ("delete", "/videos/{video_id}/like", None, same({404})),
    ("post", "/videos/{video_id}/bookmark", None, same({404})),
    # Removing a bookmark answers the same for any id (a video gone private must still leave the list).
    ("delete", "/videos/{video_id}/bookmark", None, same({200})),
    ("get", "/me/bookmarks", None, same({200})),
    ("post", "/videos/{video_id}/share", {"channel": "link"}, NOT_FOUND),
    ("post", "/videos/{video_id}/share", {"channel": "message", "conversation_id": "{conversation_id}"},
     same({404})),
    ("get", "/me/video-states?ids={video_id}", None, same({200})),
    ("get", "/videos/{video_id}/comments", None, NOT_FOUND),
    ("get", "/videos/{video_id}/comments?sort=newest", None, NOT_FOUND),
    ("post", "/videos/{video_id}/comments", {"text": "hello"}, same({404})),
    ("post", "/videos/{video_id}/comments", {"text": "hello", "parent_id": "{comment_id}"}, same({404})),
    ("get", "/comments/{comment_id}/replies", None, NOT_FOUND),
    ("delete", "/comments/{comment_id}", None, same({404})),
    ("post", "/comments/{comment_id}/like", None, same({404})),
    ("delete", "/comments/{comment_id}/like", None, same({404})),
    ("post", "/comments/{comment_id}/pin", None, same({404})),
    ("delete", "/comments/{comment_id}/pin", None, same({404})),
    ("get", "/me/privacy", None, same({200})),
    ("patch", "/me/privacy", {}, same({200})),
    ("get", "/me/blocks", None, same({200})),
    ("get", "/notifications", None, same({200})),
    ("get", "/notifications/unread-count", None, same({200})),
    ("post", "/notifications/read", {"ids": ["{notification_id}"]}, same({200})),
    ("get", "/me/notification-preferences", None, same({200})),
    ("patch", "/me/notification-preferences", {}, same({200})),
    ("post", "/conversations", {"members": ["{username}"]}, same({403})),
    ("get", "/conversations", None, same({200})),
    ("get", "/conversations/{conversation_id}", None, same({404})),
    ("get", "/conversations/{conversation_id}/messages", None, same({404})),
    ("post", "/conversations/{conversation_id}/messages", {"text": "hi"}, same({404})),
    ("post", "/conversations/{conversation_id}/read", {}, same({404})),
    ("post", "/conversations/{conversation_id}/members", {"members": ["{me}"]}, same({404})),
    ("delete", "/conversations/{conversation_id}/members/{username}", None, same({404})),
    ("post", "/conversations/{conversation_id}/leave", {}, same({404})),
    ("post", "/users/{username}/mute", None, same({200})),
    ("delete", "/users/{username}/mute", None, same({200})),
    ("post", "/users/{username}/follow", None, {"anon": {401}, "stranger": {200}, "private": {200}, "blocked": {403}}),
    ("delete", "/users/{username}/follow", None, same({200})),
    ("post", "/users/{username}/block", None, same({200})),
    ("delete", "/users/{username}/block", None, same({200})),
]


@pytest.fixture
def world(person, api):
    alice, priv, blocked, outsider, friend = (person(n) for n in ("alice", "priv", "blocked", "outsider", "friend"))
    alice.user.display_name = "ALICE-NAME"
    alice.user.save(update_fields=["display_name"])
    for p in (alice, priv, friend):
        actions.update_privacy(p.user, who_can_message="followers")
    public = ready_video(alice.user, caption="CAPTION-PUBLIC")
    onlyme = ready_video(alice.user, caption="CAPTION-ONLYME")
    public_comment = actions.create_comment(friend.user, public.public_id, "COMMENT-PUBLIC")
    onlyme_comment = actions.create_comment(alice.user, onlyme.public_id, "COMMENT-ONLYME")
    alice.patch(f"/api/v1/videos/{onlyme.public_id}", {"visibility": "private"})
    privvideo = ready_video(priv.user, caption="CAPTION-PRIVACC")
    priv_comment = actions.create_comment(priv.user, privvideo.public_id, "COMMENT-PRIVACC")
    actions.update_privacy(priv.user, is_private=True)
    actions.follow(outsider.user, priv.user)  # pending: grants nothing
    actions.follow(friend.user, alice.user)
    actions.follow(alice.user, friend.user)
    conversation = friend.post("/api/v1/conversations", {"members": ["alice"]}).json()["id"]
    assert friend.post(f"/api/v1/conversations/{conversation}/messages", {"text": "MESSAGE-SECRET"}).status_code == 201
    actions.block(alice.user, blocked.user)
    notification = Notification.objects.filter(recipient_id=alice.user.pk).values_list("pk", flat=True).first()
    common = {"conversation_id": conversation, "notification_id": notification or 0}
    secrets = ["MESSAGE-SECRET"]
    return {
        "anon": (api, common | {"username": "alice", "video_id": onlyme.public_id, "comment_id": onlyme_comment.pk,
                                "me": "alice"},
                 secrets + ["CAPTION-ONLYME", "COMMENT-ONLYME", onlyme.public_id]),
        "stranger": (outsider, common | {"username": "alice", "video_id": onlyme.public_id,
                                         "comment_id": onlyme_comment.pk, "me": "outsider"},
                     secrets + ["CAPTION-ONLYME", "COMMENT-ONLYME", onlyme.public_id]),
        "private": (outsider, common | {"username": "priv", "video_id": privvideo.public_id,
                                        "comment_id": priv_comment.pk, "me": "outsider"},
                    secrets + ["CAPTION-PRIVACC", "COMMENT-PRIVACC", privvideo.public_id]),
        "blocked": (blocked, common | {"username": "alice", "video_id": public.public_id,
                                       "comment_id": public_comment.pk, "me": "blocked"},
                    secrets + ["CAPTION-PUBLIC", "COMMENT-PUBLIC", "ALICE-NAME", public.public_id]),
    }


def fill(value, ctx):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ctx:
        return ctx[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ctx)
    if isinstance(value, list):
        return [fill(v, ctx) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, ctx) for k, v in value.items()}
    return value


@pytest.mark.parametrize("role", ROLES)
def test_nothing_leaks(world, role):
    api, ctx, hidden = world[role]
    for method, path, body, expected in MATRIX:
        url = "/api/v1" + fill(path, ctx)
        if method == "get":
            response = api.get(url)
        elif method == "delete":
            response = api.delete(url)
        else:
            response = getattr(api, method)(url, fill(body, ctx))
        where = (role, method, path)
        assert response.status_code in expected[role], (*where, response.status_code, response.content[:300])
        # The answer may echo the path asked for; anything else of the hidden things is a leak.
        text = response.content.decode().replace(url, "")
        for secret in hidden:
            assert secret not in text, (*where, secret, text[:300])
        if path == "/notifications/read" and response.status_code == 200:
            assert response.json()["marked"] == 0
        if path.startswith("/users?q=") and role == "blocked":
            assert response.json()["items"] == []


def test_the_matrix_covers_every_endpoint(api):
    schema = api.get("/api/v1/openapi.json").json()["paths"]
    endpoints = {(method, path.removeprefix("/api/v1")) for path, ops in schema.items()
                 for method, op in ops.items() if TAGS & set(op.get("tags", []))}
    covered = {(method, path.split("?")[0]) for method, path, _body, _expected in MATRIX}
    assert endpoints - covered == set()
    assert covered - endpoints == set()
