"""Sounds: every upload's audio becomes an original sound (one sound per song, however re-encoded), the music
library, use counts, and who may see a sound and its videos."""

from __future__ import annotations

import pytest

from reelbox.studio.models import Sound, VideoSound
from reelbox.videos import actions as video_actions
from reelbox.videos.models import Video

from .conftest import post_files

pytestmark = pytest.mark.django_db(transaction=True)


def upload(user, path, caption="") -> Video:
    return video_actions.create_video(author=user, local_path=path, caption=caption)


def sound_of(video) -> Sound | None:
    link = VideoSound.objects.filter(video=video).select_related("sound").first()
    return link.sound if link else None


def test_original_sounds_one_per_song(make_user, studio_media, drain, media_root, tmp_path, client):
    from reelbox.media.ffmpeg import run_ffmpeg

    alice, bob = make_user(), make_user()
    first = upload(alice, studio_media("song", song="a", duration=6, kbps=128))
    drain()
    sound = sound_of(first)
    assert sound is not None and sound.kind == Sound.Kind.ORIGINAL and sound.owner == alice
    assert sound.source_video == first and sound.use_count == 1
    assert sound.duration == pytest.approx(6, abs=0.2) and len(bytes(sound.fingerprint)) > 0
    assert (media_root / sound.audio_path).is_file()
    # Players name the sound and link to its page, from the video's JSON and from feed pages.
    shown = {"id": sound.public_id, "title": "", "owner": alice.username}
    assert client.get(f"/api/v1/videos/{first.public_id}").json()["sound"] == shown
    feed = client.get("/api/v1/feed/foryou").json()["items"]
    assert [v["sound"] for v in feed if v["id"] == first.public_id] == [shown]

    # The same song, re-encoded at another bitrate and sample rate, by someone else: the same sound.
    again = upload(bob, studio_media("song", song="a", duration=6, kbps=48, rate=22050))
    other = upload(bob, studio_media("song", song="b", duration=6))
    silent = upload(bob, studio_media("clip", tone_hz=None))
    hush = tmp_path / "hush.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=360x640:r=25:d=3", "-f", "lavfi", "-i", "anullsrc=d=3",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                str(hush)], timeout=60)
    silent_track = upload(bob, hush)
    drain()
    assert sound_of(again) == sound
    assert sound_of(other) not in (None, sound)
    assert sound_of(silent) is None and sound_of(silent_track) is None  # no audio (or silence), no sound
    sound.refresh_from_db()
    assert sound.use_count == 2
    assert Sound.objects.count() == 2

    # Use counts follow deletions exactly.
    video_actions.delete_video(again)
    sound.refresh_from_db()
    assert sound.use_count == 1


def test_sound_page_shows_only_what_the_viewer_may_see(make_user, studio_media, drain, client, api_for):
    alice = make_user()
    first = upload(alice, studio_media("song", song="a", duration=6))
    drain()
    sound = sound_of(first)
    again = upload(make_user(), studio_media("song", song="a", duration=6, kbps=64))
    drain()
    assert sound_of(again) == sound
    Video.objects.filter(pk=again.pk).update(view_count=5)

    video_actions.update_video(first, visibility=Video.Visibility.PRIVATE)
    response = client.get(f"/api/v1/sounds/{sound.public_id}")
    assert response.status_code == 200 and response.json()["use_count"] == 2
    listed = client.get(f"/api/v1/sounds/{sound.public_id}/videos").json()["items"]
    assert [v["id"] for v in listed] == [again.public_id]
    owner = api_for(alice)
    assert [v["id"] for v in owner.get(f"/api/v1/sounds/{sound.public_id}/videos").json()["items"]] == [
        again.public_id, first.public_id]  # most watched first
    page = client.get(f"/sound/{sound.public_id}")
    assert page.status_code == 200
    html = page.content.decode()
    assert again.public_id in html and first.public_id not in html
    assert f"/studio/?sound={sound.public_id}" in html

    # Every video of it private: the sound does not exist for others (its audio would leak)...
    video_actions.update_video(again, visibility=Video.Visibility.PRIVATE)
    assert client.get(f"/api/v1/sounds/{sound.public_id}").status_code == 404
    assert client.get(f"/sound/{sound.public_id}").status_code == 404
    assert owner.get(f"/api/v1/sounds/{sound.public_id}").status_code == 200
    # ...and a new public upload of the same song is not tied to it (that would show its owner's name).
    third = upload(make_user(), studio_media("song", song="a", duration=6, kbps=96))
    drain()
    assert sound_of(third) not in (None, sound)


def test_music_library_is_curated_by_staff(api_for, make_user, studio_media, client):
    staff_user = make_user()
    staff_user.is_staff = True
    staff_user.save()
    staff, someone = api_for(staff_user), api_for()
    track = studio_media("audio", song="b", duration=5)
    fields = {"title": "Sunny Loop", "artist": "Reelbox Band", "licence": "CC0"}
    response = post_files(someone, "/api/v1/sounds", [], **fields)
    assert response.status_code in (400, 403)
    with open(track, "rb") as fh:
        response = someone.client.post("/api/v1/sounds", {"file": fh, **fields}, headers=someone._headers(None))
    assert response.status_code == 403
    with open(track, "rb") as fh:
        response = staff.client.post("/api/v1/sounds", {"file": fh, **fields}, headers=staff._headers(None))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "library" and body["title"] == "Sunny Loop" and body["duration"] == pytest.approx(5, abs=0.2)
    assert [s["id"] for s in client.get("/api/v1/sounds", {"q": "sunny"}).json()["items"]] == [body["id"]]
    assert client.get("/api/v1/sounds", {"q": "nothing like it"}).json()["items"] == []
    with open(studio_media("clip", tone_hz=None), "rb") as fh:
        response = staff.client.post("/api/v1/sounds", {"file": fh, "title": "mute"}, headers=staff._headers(None))
    assert response.status_code == 400 and response.json()["field"] == "file"
    assert someone.delete(f"/api/v1/sounds/{body['id']}").status_code == 403
    assert staff.delete(f"/api/v1/sounds/{body['id']}").status_code == 204
    assert not Sound.objects.exists()


def test_a_studio_video_records_its_chosen_sound(api_for, make_draft, library_sound, drain, client):
    track = library_sound(song="b", duration=6)
    api = api_for()
    draft = make_draft(api, sound=track.public_id)
    assert draft["recipe"]["sound"]["id"] == track.public_id
    recipe = dict(draft["recipe"], original_volume=0.2, sound={"id": track.public_id, "offset": 1.0, "volume": 1.5})
    assert api.patch(f"/api/v1/drafts/{draft['id']}", {"recipe": recipe}).status_code == 200
    bad = dict(recipe, sound={"id": track.public_id, "offset": 60})
    response = api.patch(f"/api/v1/drafts/{draft['id']}", {"recipe": bad})
    assert response.status_code == 400 and response.json()["field"] == "sound.offset"
    assert api.post(f"/api/v1/drafts/{draft['id']}/publish", {}).status_code == 202
    drain()
    video = Video.objects.get(public_id=api.get(f"/api/v1/drafts/{draft['id']}").json()["video_id"])
    assert video.status == Video.Status.READY
    assert sound_of(video) == track  # not a new "original sound"
    track.refresh_from_db()
    assert track.use_count == 1 and Sound.objects.count() == 1
    page = client.get(f"/v/{video.public_id}").content.decode()
    assert f"/sound/{track.public_id}" in page
    # "Use this sound" opens the studio with it.
    studio = api.client.get(f"/studio/?sound={track.public_id}")
    assert studio.status_code in (200, 302)
