"""Drafts over the API, end to end with real renders: create, edit, validate, preview, publish, schedule."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from reelbox.media.probe import probe
from reelbox.studio.models import Draft
from reelbox.videos.models import Video

from .conftest import post_files

pytestmark = pytest.mark.django_db(transaction=True)


def stored(media_root: Path, url: str) -> Path:
    return media_root / url.split("/media/", 1)[1]


def draft_files(media_root: Path) -> list[Path]:
    root = media_root / "drafts"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_edit_preview_and_publish(api_for, make_draft, drain, studio_media, media_root):
    api = api_for()
    draft = make_draft(api, [studio_media("clip", duration=3.0)], caption="made in the studio #studio")
    assert draft["status"] == "draft" and draft["kind"] == "edit"
    assert draft["duration"] == pytest.approx(3.0, abs=0.1)
    assert draft["recipe"]["trim"]["end"] == pytest.approx(draft["duration"])

    recipe = {"trim": {"start": 0.5, "end": 2.5}, "speed": 2.0, "look": "mono",
              "texts": [{"text": "Hello 你好 مرحبا", "y": 0.2, "color": "#ffcc00"}],
              "stickers": [{"id": "star", "x": 0.8, "y": 0.8}], "cover": 0.4}
    response = api.patch(f"/api/v1/drafts/{draft['id']}", {"recipe": recipe})
    assert response.status_code == 200, response.content
    saved = response.json()["recipe"]
    assert saved["speed"] == 2.0 and saved["look"] == "mono" and saved["texts"][0]["end"] == pytest.approx(1.0)

    response = api.post(f"/api/v1/drafts/{draft['id']}/preview")
    assert response.status_code == 202 and response.json()["status"] == "rendering"
    drain()
    draft = api.get(f"/api/v1/drafts/{draft['id']}").json()
    assert draft["status"] == "draft", draft["error"]
    assert draft["preview_current"] and draft["cover_url"]
    info = probe(stored(media_root, draft["preview_url"]))
    assert (info.width, info.height) == (360, 640)
    assert info.duration == pytest.approx(1.0, abs=0.1)  # 2 s trimmed, at 2x
    assert info.has_audio

    response = api.post(f"/api/v1/drafts/{draft['id']}/publish", {})
    assert response.status_code == 202 and response.json()["status"] == "publishing"
    drain()
    draft = api.get(f"/api/v1/drafts/{draft['id']}").json()
    assert draft["status"] == "published" and draft["video_id"]
    video = Video.objects.get(public_id=draft["video_id"])
    assert video.status == Video.Status.READY and video.author_id == api.user.pk
    assert video.caption == "made in the studio #studio"
    assert video.duration == pytest.approx(1.0, abs=0.1)
    assert (video.width, video.height) == (720, 1280)
    # The chosen cover frame is the video's poster.
    row = Draft.objects.get(public_id=draft["id"])
    assert row.cover_path and (media_root / video.poster_path).read_bytes() == (media_root / row.cover_path).read_bytes()
    # The draft's working files went with publishing; the video has its own.
    assert not (media_root / Draft.objects.get(public_id=draft["id"]).media_prefix).exists()
    # Published drafts leave the drafts list.
    assert api.get("/api/v1/drafts").json()["items"] == []


@pytest.mark.parametrize(("recipe", "field"), [
    ({"trim": {"start": 0, "end": 30}}, "trim.end"),
    ({"speed": 10}, "speed"),
    ({"look": "no-such-filter"}, "look"),
    ({"texts": [{"text": "x" * 301}]}, "texts[0].text"),
    ({"texts": [{"text": "ok"}, {"text": "bad", "color": "red"}]}, "texts[1].color"),
    ({"stickers": [{"id": "nope"}]}, "stickers[0].id"),
    ({"sound": {"id": "missing"}}, "sound.id"),
])
def test_bad_recipes_are_refused_naming_the_field(api_for, make_draft, recipe, field):
    api = api_for()
    draft = make_draft(api)
    response = api.patch(f"/api/v1/drafts/{draft['id']}", {"recipe": recipe})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["field"] == field and field in body["detail"] and body["code"]
    # Nothing changed.
    assert api.get(f"/api/v1/drafts/{draft['id']}").json()["recipe"] == draft["recipe"]


def test_hostile_and_wrong_uploads_leave_no_row_and_no_file(api_for, tmp_path, media_root):
    api = api_for()
    before = draft_files(media_root)
    fake = tmp_path / "video.mp4"
    fake.write_text("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\nfile:///etc/passwd\n")
    response = post_files(api, "/api/v1/drafts", [fake])
    assert response.status_code == 400 and response.json()["code"]
    response = post_files(api, "/api/v1/drafts", [fake], kind="sculpture")
    assert response.status_code == 400 and response.json()["field"] == "kind"
    assert not Draft.objects.exists()
    assert draft_files(media_root) == before


def test_drafts_are_private(api_for, make_draft, settings):
    owner, other = api_for(), api_for()
    draft = make_draft(owner)
    url = f"/api/v1/drafts/{draft['id']}"
    assert other.get(url).status_code == 404
    assert other.patch(url, {"recipe": {"speed": 1.5}}).status_code == 404
    assert other.post(f"{url}/preview").status_code == 404
    assert other.post(f"{url}/publish", {}).status_code == 404
    assert other.delete(url).status_code == 404
    assert other.get("/api/v1/drafts").json()["items"] == []
    assert [d["id"] for d in owner.get("/api/v1/drafts").json()["items"]] == [draft["id"]]
    assert other.client.get(f"/studio/?draft={draft['id']}").status_code in (302, 404)
    prefix = Draft.objects.get(public_id=draft["id"]).media_prefix
    assert owner.delete(url).status_code == 204
    assert owner.get(url).status_code == 404
    assert not (Path(settings.MEDIA_ROOT) / prefix).exists()  # its files went with it


def test_scheduled_publishing_by_the_sweep(api_for, make_draft, drain):
    from reelbox.studio.actions import publish_due

    api = api_for()
    draft = make_draft(api, caption="later")
    when = timezone.now() + timedelta(hours=1)
    response = api.post(f"/api/v1/drafts/{draft['id']}/publish", {"publish_at": when.isoformat()})
    assert response.status_code == 202 and response.json()["status"] == "scheduled"
    assert publish_due() == 0
    # A preview of a scheduled draft leaves it scheduled.
    assert api.post(f"/api/v1/drafts/{draft['id']}/preview").status_code == 202
    drain()
    assert api.get(f"/api/v1/drafts/{draft['id']}").json()["status"] == "scheduled"
    assert not Video.objects.exists()

    assert publish_due(now=when + timedelta(seconds=1)) == 1
    assert publish_due(now=when + timedelta(seconds=2)) == 0  # started once only
    drain()
    draft = api.get(f"/api/v1/drafts/{draft['id']}").json()
    assert draft["status"] == "published"
    assert Video.objects.get(public_id=draft["video_id"]).caption == "later"


def test_a_failed_render_keeps_the_draft_and_says_why(api_for, make_draft, drain, media_root):
    api = api_for()
    draft = make_draft(api)
    row = Draft.objects.get(public_id=draft["id"])
    base = media_root / row.base_path
    kept = base.read_bytes()
    base.write_bytes(b"not a video any more")  # storage lost or corrupted the clip
    assert api.patch(f"/api/v1/drafts/{draft['id']}", {"recipe": {"look": "warm"}}).status_code == 200
    assert api.post(f"/api/v1/drafts/{draft['id']}/preview").status_code == 202
    drain()
    failed = api.get(f"/api/v1/drafts/{draft['id']}").json()
    assert failed["status"] == "failed" and failed["error"] and failed["error_code"]
    assert failed["recipe"]["look"] == "warm"  # the edit is intact
    assert sorted(p.name for p in (media_root / row.media_prefix).iterdir()) == ["clip0.mp4"]  # no stray output

    base.write_bytes(kept)
    again = api.patch(f"/api/v1/drafts/{draft['id']}", {"recipe": {"look": "warm"}}).json()
    assert again["status"] == "draft" and again["error"] is None
    assert api.post(f"/api/v1/drafts/{draft['id']}/preview").status_code == 202
    drain()
    assert api.get(f"/api/v1/drafts/{draft['id']}").json()["status"] == "draft"


def test_busy_drafts_refuse_changes(api_for, make_draft):
    api = api_for()
    draft = make_draft(api)
    assert api.post(f"/api/v1/drafts/{draft['id']}/preview").status_code == 202
    response = api.patch(f"/api/v1/drafts/{draft['id']}", {"recipe": {"speed": 1.5}})
    assert response.status_code == 409 and response.json()["code"] == "busy"
    assert api.post(f"/api/v1/drafts/{draft['id']}/publish", {}).status_code == 409


def test_a_camera_recording_without_duration_is_accepted(api_for, make_draft, tmp_path, drain):
    """Browsers' MediaRecorder writes WebM with no duration in its header: the studio still takes it."""
    from reelbox.media.ffmpeg import run_ffmpeg

    recording = tmp_path / "recording.webm"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=s=320x568:r=30:d=2", "-f", "lavfi", "-i", "sine=d=2",
                "-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus", "-live", "1", "-f", "webm",
                str(recording)], timeout=60)
    api = api_for()
    draft = make_draft(api, [recording])
    assert draft["duration"] == pytest.approx(2.0, abs=0.1) and draft["has_audio"]
    assert api.post(f"/api/v1/drafts/{draft['id']}/preview").status_code == 202
    drain()
    assert api.get(f"/api/v1/drafts/{draft['id']}").json()["status"] == "draft"
