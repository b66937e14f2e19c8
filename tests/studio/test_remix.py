"""Duets and stitches: the original's permissions, the rendered result, the link back and the notification."""

from __future__ import annotations

import pytest

from reelbox.accounts.models import Audience
from reelbox.media.probe import probe
from reelbox.notifications.models import Notification, NotificationPreference
from reelbox.studio.models import Draft, Remix
from reelbox.videos import actions as video_actions
from reelbox.videos.models import Video
from tests.factories import ready_video

from .test_drafts import stored

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def original(make_user, studio_media, drain):
    author = make_user("creator")
    video = video_actions.create_video(author=author, local_path=studio_media("song", song="a", duration=4),
                                       caption="the original")
    drain()
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    return video


def test_duet_renders_links_back_and_notifies(original, api_for, make_draft, studio_media, drain, media_root, client):
    bob = api_for()
    draft = make_draft(bob, [studio_media("clip", duration=3.0, pattern="smptebars")], kind="duet",
                       source_video=original.public_id, layout="side")
    assert draft["status"] == "rendering" and draft["source_video"] == original.public_id
    drain()
    draft = bob.get(f"/api/v1/drafts/{draft['id']}").json()
    assert draft["status"] == "draft", draft["error"]
    info = probe(stored(media_root, draft["base_url"]))
    assert (info.width, info.height) == (720, 1280) and info.has_audio
    assert info.duration == pytest.approx(3.0, abs=0.15)  # as long as the own clip

    assert bob.patch(f"/api/v1/drafts/{draft['id']}", {"recipe": {"look": "vivid"}}).status_code == 200
    assert bob.post(f"/api/v1/drafts/{draft['id']}/publish", {}).status_code == 202
    drain()
    draft = bob.get(f"/api/v1/drafts/{draft['id']}").json()
    duet = Video.objects.get(public_id=draft["video_id"])
    assert duet.status == Video.Status.READY
    remix = Remix.objects.get(video=duet)
    assert remix.source_video == original and remix.kind == "duet"

    page = client.get(f"/v/{duet.public_id}").content.decode()
    assert "Duet with @creator" in page and f"/v/{original.public_id}" in page
    notes = Notification.objects.filter(recipient=original.author)
    assert [(n.verb, n.actor_id, n.video_id) for n in notes] == [("duet", bob.user.pk, duet.pk)]
    creator = api_for(original.author)
    line = creator.get("/api/v1/notifications").json()["items"][0]
    assert line["verb"] == "duet" and "duet" in line["text"]
    # The job may run again: still one notification.
    from reelbox.studio.tasks import after_processing

    after_processing.call(duet.pk)
    assert notes.count() == 1


def test_stitch_takes_up_to_five_seconds_of_the_original(original, api_for, make_draft, studio_media, drain,
                                                        media_root):
    bob = api_for()
    clip = studio_media("clip", duration=2.0)
    for start, end, field in ((0, 6, "stitch_end"), (2, 1, "stitch_end"), (10, 12, "stitch_start")):
        response = make_draft(bob, [clip], kind="stitch", source_video=original.public_id, stitch_start=start,
                              stitch_end=end, expect=400)
        assert response["field"] == field
    NotificationPreference.objects.create(user=original.author, stitch=False)
    draft = make_draft(bob, [clip], kind="stitch", source_video=original.public_id, stitch_start=0.5,
                       stitch_end=2.0)
    drain()
    draft = bob.get(f"/api/v1/drafts/{draft['id']}").json()
    assert draft["status"] == "draft", draft["error"]
    assert probe(stored(media_root, draft["base_url"])).duration == pytest.approx(1.5 + 2.0, abs=0.15)
    # The creator closes stitches before it is posted: publishing checks again.
    Video.objects.filter(pk=original.pk).update(allow_stitch=False)
    response = bob.post(f"/api/v1/drafts/{draft['id']}/publish", {})
    assert response.status_code == 403 and response.json()["code"] == "stitch_not_allowed"
    Video.objects.filter(pk=original.pk).update(allow_stitch=True)
    assert bob.post(f"/api/v1/drafts/{draft['id']}/publish", {}).status_code == 202
    drain()
    video = Video.objects.get(public_id=bob.get(f"/api/v1/drafts/{draft['id']}").json()["video_id"])
    assert Remix.objects.get(video=video).kind == "stitch"
    assert not Notification.objects.filter(recipient=original.author).exists()  # turned off


def test_remix_permissions(make_user, api_for, make_draft, studio_media):
    author = make_user()
    bob = api_for()
    clip = studio_media("clip")

    no_duets = ready_video(author)
    Video.objects.filter(pk=no_duets.pk).update(allow_duet=False, source_path="x")
    body = make_draft(bob, [clip], kind="duet", source_video=no_duets.public_id, expect=403)
    assert body["code"] == "duet_not_allowed"
    # Stitching the same video is still allowed (its own switch).
    assert make_draft(bob, [clip], kind="stitch", source_video=no_duets.public_id, expect=201)

    author.who_can_stitch = Audience.NOBODY
    author.save()
    body = make_draft(bob, [clip], kind="stitch", source_video=no_duets.public_id, expect=403)
    assert body["code"] == "stitch_not_allowed"

    author.who_can_duet = Audience.FOLLOWERS
    author.save()
    open_video = ready_video(author)
    Video.objects.filter(pk=open_video.pk).update(source_path="x")
    assert make_draft(bob, [clip], kind="duet", source_video=open_video.public_id, expect=403)["code"] == \
        "duet_not_allowed"

    private = ready_video(author)
    Video.objects.filter(pk=private.pk).update(visibility=Video.Visibility.PRIVATE, source_path="x")
    assert make_draft(bob, [clip], kind="duet", source_video=private.public_id, expect=404)["code"] == "not_found"
    assert make_draft(bob, [clip], kind="duet", source_video="nope", expect=404)
    assert make_draft(bob, [clip], kind="duet", expect=400)["field"] == "source_video"
    # Refusals store nothing.
    assert Draft.objects.filter(owner=bob.user).count() == 1
