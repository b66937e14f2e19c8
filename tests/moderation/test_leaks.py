"""Held, blocked, removed and pending content is invisible on every read path, to everyone but its uploader
and staff. Each path is checked before (visible: the check can fail) and after the hold."""

import importlib.util

import pytest

from reelbox.messaging import actions as messaging
from reelbox.social import actions as social
from tests.factories import ready_video

pytestmark = pytest.mark.django_db


def ids(items) -> set[str]:
    return {i["id"] for i in items}


def read_paths(viewer_api, anon, owner, video, comment_id, conversation_id):
    """What each read path shows of ``video`` (True: it leaks through)."""
    pid = video.public_id
    seen = {}
    for who, client in (("viewer", viewer_api), ("anonymous", anon)):
        seen[f"{who} video api"] = client.get(f"/api/v1/videos/{pid}").status_code == 200
        seen[f"{who} profile api"] = pid in ids(client.get(f"/api/v1/users/{owner.username}/videos").json()["items"])
        seen[f"{who} for you"] = pid in ids(client.get("/api/v1/feed/foryou", limit=50).json()["items"])
        seen[f"{who} comments"] = client.get(f"/api/v1/videos/{pid}/comments").status_code == 200
        seen[f"{who} replies"] = client.get(f"/api/v1/comments/{comment_id}/replies").status_code == 200
        seen[f"{who} share page"] = client.get(f"/v/{pid}").status_code == 200
        seen[f"{who} profile page"] = pid in client.get(f"/@{owner.username}").content.decode()
        if importlib.util.find_spec("reelbox.discovery") is not None:
            found = client.get("/api/v1/search", q="zebracorn", type="videos").json()["videos"]
            seen[f"{who} search"] = pid in ids(found)
    seen["following feed"] = pid in ids(viewer_api.get("/api/v1/feed/following").json()["items"])
    seen["bookmarks"] = pid in ids(viewer_api.get("/api/v1/me/bookmarks").json()["items"])
    messages = viewer_api.get(f"/api/v1/conversations/{conversation_id}/messages").json()["items"]
    seen["message share"] = any(m["video"] and m["video"]["id"] == pid for m in messages)
    notes = viewer_api.get("/api/v1/notifications").json()["items"]
    seen["notifications"] = any((n.get("video") or {}).get("id") == pid or (n.get("comment") or {}).get("id") == comment_id
                                for n in notes)
    return seen


@pytest.mark.parametrize("action", ["hold", "block", "remove"])
def test_restricted_video_is_invisible_everywhere(api_for, api, action, django_capture_on_commit_callbacks):
    owner, viewer, friend, mod = api_for(), api_for(), api_for(), api_for(staff=True)
    video = ready_video(owner.user, caption="the zebracorn dance #zebracorn")
    if importlib.util.find_spec("reelbox.discovery") is not None:
        from reelbox.discovery import indexing

        indexing.index_video(video)
    social.follow(viewer.user, owner.user)
    social.bookmark(viewer.user, video.public_id)
    # The owner mentions the viewer in a comment: a notification that points at the video.
    with django_capture_on_commit_callbacks(execute=True):
        comment = social.create_comment(owner.user, video.public_id, f"hi @{viewer.user.username}")
    social.follow(friend.user, viewer.user)  # so the friend accepts messages from the viewer
    conversation, _new = messaging.start_conversation(viewer.user, [friend.user.username])
    messaging.send_message(friend.user, conversation.pk, "look", video_id=video.public_id)

    before = read_paths(viewer, api, owner.user, video, comment.pk, conversation.pk)
    assert all(before.values()), [k for k, v in before.items() if not v]

    r = mod.post("/api/v1/moderation/actions", {"target_type": "video", "target_id": video.public_id,
                                                "action": action, "explanation": "test"})
    assert r.status_code == 200, r.content
    after = read_paths(viewer, api, owner.user, video, comment.pk, conversation.pk)
    assert not any(after.values()), [k for k, v in after.items() if v]

    # The uploader and staff still see it, with the state.
    assert owner.get(f"/api/v1/videos/{video.public_id}").json()["moderation"]["state"] != "approved"
    assert mod.get(f"/api/v1/videos/{video.public_id}").status_code == 200
    assert video.public_id in ids(owner.get(f"/api/v1/users/{owner.user.username}/videos").json()["items"])


def test_pending_upload_is_invisible_until_reviewed(api_for, api):
    from reelbox.moderation import review
    from reelbox.videos.models import Video

    owner, viewer = api_for(), api_for()
    video = ready_video(owner.user)
    review.on_video_created(video)
    assert Video.objects.get(pk=video.pk).moderation == "pending"
    assert viewer.get(f"/api/v1/videos/{video.public_id}").status_code == 404
    assert api.get(f"/api/v1/videos/{video.public_id}").status_code == 404
    assert owner.get(f"/api/v1/videos/{video.public_id}").json()["moderation"]["state"] == "pending"


def test_removed_comment_is_invisible(api_for, django_capture_on_commit_callbacks):
    owner, commenter, reader, mod = api_for(), api_for(), api_for(), api_for(staff=True)
    video = ready_video(owner.user)
    with django_capture_on_commit_callbacks(execute=True):
        comment = social.create_comment(commenter.user, video.public_id, "rude words here")
    listed = lambda who: [c["id"] for c in who.get(f"/api/v1/videos/{video.public_id}/comments").json()["items"]]  # noqa: E731
    notes = lambda: [n.get("comment") for n in owner.get("/api/v1/notifications").json()["items"]]  # noqa: E731
    assert comment.pk in listed(reader) and any(notes())
    mod.post("/api/v1/moderation/actions", {"target_type": "comment", "target_id": str(comment.pk),
                                            "action": "remove", "explanation": "rude"})
    assert comment.pk not in listed(reader)
    assert comment.pk not in listed(owner)  # the video's owner is not the comment's author
    assert comment.pk in listed(commenter)
    assert not any(notes())


def test_limited_video_stays_on_profile_but_leaves_for_you(api_for, api):
    owner, mod = api_for(), api_for(staff=True)
    video = ready_video(owner.user)
    assert video.public_id in ids(api.get("/api/v1/feed/foryou", limit=50).json()["items"])
    mod.post("/api/v1/moderation/actions", {"target_type": "video", "target_id": video.public_id, "action": "limit"})
    assert video.public_id not in ids(api.get("/api/v1/feed/foryou", limit=50).json()["items"])
    assert video.public_id in ids(api.get(f"/api/v1/users/{owner.user.username}/videos").json()["items"])
    assert api.get(f"/api/v1/videos/{video.public_id}").status_code == 200


def test_age_restricted_video_needs_a_signed_in_viewer(api_for, api):
    owner, viewer, mod = api_for(), api_for(), api_for(staff=True)
    video = ready_video(owner.user)
    mod.post("/api/v1/moderation/actions", {"target_type": "video", "target_id": video.public_id,
                                            "action": "age_restrict"})
    assert api.get(f"/api/v1/videos/{video.public_id}").status_code == 404
    assert viewer.get(f"/api/v1/videos/{video.public_id}").status_code == 200
    assert video.public_id not in ids(viewer.get("/api/v1/feed/foryou", limit=50).json()["items"])


def test_uploader_reads_the_state_and_reason_on_the_video_page(api_for, client):
    owner, mod = api_for(), api_for(staff=True)
    video = ready_video(owner.user)
    mod.post("/api/v1/moderation/actions", {"target_type": "video", "target_id": video.public_id,
                                            "action": "hold", "explanation": "Checking the music rights."})
    client.force_login(owner.user)
    page = client.get(f"/v/{video.public_id}").content.decode()
    assert 'data-moderation="held"' in page and "Checking the music rights." in page
