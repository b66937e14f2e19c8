"""Smart auto-edit: clips cut to the beats of a sound, re-rolled, kept as a draft, published."""

from __future__ import annotations

import pytest

from reelbox.media.probe import probe
from reelbox.studio import actions
from reelbox.studio.models import Draft, Sound, VideoSound
from reelbox.videos.models import Video

from .test_drafts import stored

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def beat_sound(db, studio_media):
    return actions.add_library_track(local_path=studio_media("audio", song="beat", duration=4), title="Clicks")


def test_montage_needs_2_to_20_clips_and_a_sound_with_beats(api_for, make_draft, studio_media, beat_sound):
    api = api_for()
    clip = studio_media("clip", duration=2.0)
    body = make_draft(api, [clip], kind="montage", sound=beat_sound.public_id, expect=400)
    assert body["field"] == "files" and body["code"] == "too_few_clips" and "2" in body["detail"]
    body = make_draft(api, [clip] * 21, kind="montage", sound=beat_sound.public_id, expect=400)
    assert body["code"] == "too_many_clips" and "20" in body["detail"]
    body = make_draft(api, [clip, clip], kind="montage", expect=400)
    assert body["field"] == "sound" and body["code"] == "sound_required"
    silence = actions.add_library_track(local_path=studio_media("silence", duration=4), title="Silence")
    body = make_draft(api, [clip, clip], kind="montage", sound=silence.public_id, expect=400)
    assert body["field"] == "sound" and body["code"] == "silent_sound" and "silent" in body["detail"]
    assert not Draft.objects.exists()


def test_montage_cut_rerolled_and_published(api_for, make_draft, studio_media, beat_sound, drain, media_root):
    api = api_for()
    clips = [studio_media("clip", duration=2.0, pattern=p) for p in ("testsrc2", "smptebars", "rgbtestsrc")]
    draft = make_draft(api, clips, kind="montage", sound=beat_sound.public_id, caption="to the beat")
    assert draft["status"] == "rendering" and draft["clip_count"] == 3
    drain()
    draft = api.get(f"/api/v1/drafts/{draft['id']}").json()
    assert draft["status"] == "draft", draft["error"]
    first = draft["base_url"]
    info = probe(stored(media_root, first))
    assert (info.width, info.height) == (720, 1280) and info.has_audio
    assert 1.5 <= info.duration <= 4.2

    response = api.post(f"/api/v1/drafts/{draft['id']}/reroll")
    assert response.status_code == 202 and response.json()["seed"] == 1
    drain()
    draft = api.get(f"/api/v1/drafts/{draft['id']}").json()
    assert draft["status"] == "draft" and draft["base_url"] != first
    assert not stored(media_root, first).exists()  # the old take is gone
    assert stored(media_root, draft["base_url"]).exists()

    assert api.patch(f"/api/v1/drafts/{draft['id']}", {"recipe": {"look": "dramatic"}}).status_code == 200
    assert api.post(f"/api/v1/drafts/{draft['id']}/publish", {}).status_code == 202
    drain()
    video = Video.objects.get(public_id=api.get(f"/api/v1/drafts/{draft['id']}").json()["video_id"])
    assert video.status == Video.Status.READY and video.caption == "to the beat"
    assert VideoSound.objects.get(video=video).sound == beat_sound
    assert Sound.objects.get(pk=beat_sound.pk).use_count == 1


def test_reroll_is_only_for_montages(api_for, make_draft):
    api = api_for()
    draft = make_draft(api)
    response = api.post(f"/api/v1/drafts/{draft['id']}/reroll")
    assert response.status_code == 400 and response.json()["code"] == "not_montage"
