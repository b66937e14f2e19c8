"""Uploads are validated by content: every refusal is a clear 4xx and leaves nothing behind."""

import shutil
from pathlib import Path

import pytest

from reelbox.media.generate import make_audio_only, make_image
from reelbox.videos.models import Video

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_video_storage(media_root: Path):
    # Files that earlier tests' videos left behind (their rows rolled back) are not this upload's orphans.
    shutil.rmtree(media_root / "videos", ignore_errors=True)


def assert_nothing_left(media_root: Path):
    assert Video.objects.count() == 0
    leftovers = [p for p in (media_root / "videos").rglob("*") if p.is_file()] if (media_root / "videos").exists() else []
    assert leftovers == []


def refused(auth_api, path, code, status=400):
    response = auth_api.upload("/api/v1/videos", path, caption="x")
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"] and "." in body["detail"]  # a sentence, not a code
    return body


def test_zero_byte_file(auth_api, tmp_path, media_root):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    refused(auth_api, empty, "empty")
    assert_nothing_left(media_root)


def test_random_bytes_renamed_mp4(auth_api, tmp_path, media_root):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(bytes(range(256)) * 400)
    refused(auth_api, junk, "not_video")
    assert_nothing_left(media_root)


def test_jpeg_renamed_mp4(auth_api, tmp_path, media_root):
    image = make_image(tmp_path / "photo.jpg")
    renamed = image.rename(tmp_path / "photo.mp4")
    refused(auth_api, renamed, "not_video")
    assert_nothing_left(media_root)


def test_audio_only(auth_api, tmp_path, media_root):
    refused(auth_api, make_audio_only(tmp_path / "song.m4a"), "audio_only")
    assert_nothing_left(media_root)


def test_truncated_mp4_is_undecodable(auth_api, clips, tmp_path, media_root):
    whole = clips(duration=2, width=360, height=640).read_bytes()
    cut = tmp_path / "cut.mp4"
    # Fast-start puts the index first: keep it, drop the media data.
    cut.write_bytes(whole[: int(len(whole) * 0.05)])
    refused(auth_api, cut, "undecodable")
    assert_nothing_left(media_root)


def test_too_long(auth_api, clips, settings, media_root):
    settings.REELBOX = {**settings.REELBOX, "MAX_DURATION_S": 1}
    refused(auth_api, clips(duration=2, width=360, height=640), "too_long")
    assert_nothing_left(media_root)


def test_too_large(auth_api, clips, settings, media_root):
    settings.REELBOX = {**settings.REELBOX, "MAX_UPLOAD_BYTES": 1000}
    refused(auth_api, clips(duration=1, width=360, height=640), "too_large", status=413)
    assert_nothing_left(media_root)


def test_dimensions_too_small(auth_api, clips, media_root):
    refused(auth_api, clips(duration=1, width=32, height=32, tone_hz=None), "dimensions_too_small")
    assert_nothing_left(media_root)


def test_dimensions_too_large(auth_api, clips, media_root):
    refused(auth_api, clips(duration=0.2, width=4112, height=64, tone_hz=None, pattern="color"),
            "dimensions_too_large")
    assert_nothing_left(media_root)


def test_caption_too_long(auth_api, clips, media_root):
    with open(clips(duration=1, width=360, height=640), "rb") as fh:
        response = auth_api.client.post("/api/v1/videos", {"file": fh, "caption": "x" * 2201},
                                        headers={"Authorization": f"Bearer {auth_api.token}"})
    assert response.status_code == 400 and response.json()["detail"].startswith("caption:")
    assert_nothing_left(media_root)


def test_upload_requires_auth(api, clips):
    response = api.upload("/api/v1/videos", clips(duration=1, width=360, height=640))
    assert response.status_code == 401


def test_missing_file_field(auth_api):
    response = auth_api.client.post("/api/v1/videos", {"caption": "no file"},
                                    headers={"Authorization": f"Bearer {auth_api.token}"})
    assert response.status_code == 400 and "file" in response.json()["detail"]


def test_upload_rate_limit(auth_api, clips, settings, django_capture_on_commit_callbacks):
    settings.REELBOX = {**settings.REELBOX, "RATE_LIMITS": {**settings.REELBOX["RATE_LIMITS"], "upload": (2, 1800)}}
    clip = clips(duration=1, width=360, height=640)
    statuses = [auth_api.upload("/api/v1/videos", clip).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]


def test_accepted_upload_is_processing_and_private_until_ready(auth_api, api, clips):
    response = auth_api.upload("/api/v1/videos", clips(duration=1, width=360, height=640), caption="hello #world")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "processing" and body["caption"] == "hello #world"
    assert body["renditions"] == [] and body["hls_url"] is None
    # Only the author sees a video that is not ready yet.
    assert auth_api.get(f"/api/v1/videos/{body['id']}").status_code == 200
    assert api.get(f"/api/v1/videos/{body['id']}").status_code == 404
    assert api.get("/api/v1/feed/foryou").json()["items"] == []


def test_video_takes_the_creators_region(auth_api, clips):
    auth_api.user.region = "ID"
    auth_api.user.save(update_fields=["region"])
    response = auth_api.upload("/api/v1/videos", clips(duration=1, width=360, height=640), caption="halo")
    assert response.status_code == 202, response.content
    assert Video.objects.get(public_id=response.json()["id"]).region == "ID"
    auth_api.user.region = ""  # not set: neither is the video's
    auth_api.user.save(update_fields=["region"])
    response = auth_api.upload("/api/v1/videos", clips(duration=1, width=360, height=640), caption="again")
    assert Video.objects.get(public_id=response.json()["id"]).region == ""


def test_oversized_body_refused_before_it_is_read(auth_api, tmp_path, settings, media_root, monkeypatch, client):
    # Declared far over the limit: refused without parsing, so nothing reaches the disk, not even a temp file.
    from django.http.multipartparser import MultiPartParser

    parsed = []
    real_parse = MultiPartParser.parse
    monkeypatch.setattr(MultiPartParser, "parse", lambda self: parsed.append(1) or real_parse(self))
    settings.REELBOX = {**settings.REELBOX, "MAX_UPLOAD_BYTES": 1000}
    big = tmp_path / "big.mp4"
    big.write_bytes(b"\0" * (2 * 1024 * 1024))
    body = refused(auth_api, big, "too_large", status=413)
    assert "MB" in body["detail"] and parsed == []
    assert_nothing_left(media_root)
    # The web upload form gets a readable sentence too.
    with big.open("rb") as fh:
        page = client.post("/upload", {"file": fh})
    assert page.status_code == 413 and "larger than the limit" in page.content.decode()
