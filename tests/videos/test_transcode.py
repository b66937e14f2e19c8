"""A real transcode of generated clips, checked by probing what it produced."""

import re
from pathlib import Path

import pytest

from reelbox.media.probe import probe
from reelbox.videos.models import Video
from tests.conftest import stored_files

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def media_path(media_root: Path, url: str) -> Path:
    assert url.startswith("/media/")
    return media_root / url.removeprefix("/media/")


def test_upload_transcodes_to_ladder_and_hls(auth_api, clips, drain, media_root, client):
    source = clips(duration=2.5, width=1080, height=1920)
    video_id = auth_api.upload("/api/v1/videos", source, caption="ladder").json()["id"]
    drain()
    body = auth_api.get(f"/api/v1/videos/{video_id}").json()
    assert body["status"] == "ready", body
    assert (body["width"], body["height"]) == (1080, 1920)
    assert abs(body["duration"] - 2.5) < 0.1
    heights = sorted(r["height"] for r in body["renditions"])
    assert heights == [360, 480, 720, 1080]
    expected = {1080: (1080, 1920), 720: (720, 1280), 480: (480, 854), 360: (360, 640)}
    for rendition in body["renditions"]:
        path = media_path(media_root, rendition["url"])
        info = probe(path)
        assert info.video_codec == "h264" and info.audio_codec == "aac"
        assert (info.width, info.height) == expected[rendition["height"]]
        assert abs(info.duration - 2.5) < 0.1
        head = path.read_bytes()[:4096]
        assert head.find(b"moov") != -1 and head.find(b"moov") < max(head.find(b"mdat"), 4096)  # fast start
    master = media_path(media_root, body["hls_url"]).read_text()
    variants = re.findall(r"^(\d+/index\.m3u8)$", master, re.M)
    assert len(variants) == 4 and "RESOLUTION=720x1280" in master
    for variant in variants:
        playlist = media_path(media_root, body["hls_url"]).parent / variant
        text = playlist.read_text()
        assert text.startswith("#EXTM3U") and "#EXT-X-ENDLIST" in text
        durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+)", text)]
        assert abs(sum(durations) - 2.5) < 0.15 and max(durations) <= 2.1
        for segment in re.findall(r"^(seg_\d+\.ts)$", text, re.M):
            assert (playlist.parent / segment).stat().st_size > 0
    poster = media_path(media_root, body["poster_url"])
    assert poster.read_bytes()[:2] == b"\xff\xd8"
    # The media view serves byte ranges (browsers seek with them).
    url = body["renditions"][0]["url"]
    partial = client.get(url, headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206 and partial["Content-Range"].startswith("bytes 0-99/")
    assert len(b"".join(partial.streaming_content)) == 100
    # The untranscoded original is never served.
    assert client.get(body["poster_url"].replace("poster.jpg", "source")).status_code == 404


def test_rotated_phone_video_plays_upright(auth_api, clips, drain, media_root):
    video_id = auth_api.upload("/api/v1/videos", clips(duration=1, width=1280, height=720, rotate=90)).json()["id"]
    drain()
    body = auth_api.get(f"/api/v1/videos/{video_id}").json()
    assert (body["width"], body["height"]) == (720, 1280)
    top = max(body["renditions"], key=lambda r: r["height"])
    info = probe(media_path(media_root, top["url"]))
    assert (info.width, info.height, info.rotation) == (720, 1280, 0)


def test_small_silent_source_is_not_upscaled(auth_api, clips, drain, media_root):
    video_id = auth_api.upload("/api/v1/videos", clips(duration=1, width=360, height=640, tone_hz=None)).json()["id"]
    drain()
    body = auth_api.get(f"/api/v1/videos/{video_id}").json()
    assert [r["height"] for r in body["renditions"]] == [360]
    assert probe(media_path(media_root, body["renditions"][0]["url"])).has_audio


def test_job_is_idempotent(auth_api, clips, drain, media_root):
    from reelbox.videos.tasks import Transcoder

    video_id = auth_api.upload("/api/v1/videos", clips(duration=1, width=720, height=1280)).json()["id"]
    drain()
    video = Video.objects.get(public_id=video_id)
    before = stored_files(media_root, video)
    assert Transcoder(video.pk).run() == "skipped"
    # Even forced to run again (as after a crash), it adds nothing.
    Video.objects.filter(pk=video.pk).update(strip_path="", heartbeat_at=None)
    assert Transcoder(video.pk).run() == "done"
    assert stored_files(media_root, video) == before
    assert video.renditions.count() == 3


def test_worker_reuses_the_uploads_probe(auth_api, clips, drain, monkeypatch):
    # The upload decoded the source's first frames already; the transcode does not do it again, unless the
    # row has no probe (written by an older version).
    from reelbox.videos import tasks

    probed = []
    real = tasks.probe
    monkeypatch.setattr(tasks, "probe", lambda *a, **k: probed.append(a[0]) or real(*a, **k))
    first = auth_api.upload("/api/v1/videos", clips(duration=1, width=360, height=640)).json()["id"]
    drain()
    assert probed == [] and Video.objects.get(public_id=first).status == Video.Status.READY
    second = auth_api.upload("/api/v1/videos", clips(duration=1, width=360, height=640)).json()["id"]
    Video.objects.filter(public_id=second).update(probe=None)
    drain()
    assert len(probed) == 1 and Video.objects.get(public_id=second).status == Video.Status.READY


def test_failure_in_worker_marks_failed_and_removes_files(auth_api, clips, drain, media_root, tmp_path):
    video_id = auth_api.upload("/api/v1/videos", clips(duration=1, width=360, height=640)).json()["id"]
    video = Video.objects.get(public_id=video_id)
    # The stored original is damaged after the synchronous check (disk fault, tampering).
    (media_root / video.source_path).write_bytes(b"\x00" * 1000)
    drain()
    body = auth_api.get(f"/api/v1/videos/{video_id}").json()
    assert body["status"] == "failed" and body["error_code"] == "not_video"
    assert "Upload" in body["error"]
    assert stored_files(media_root, video) == []
    assert auth_api.client.get("/api/v1/feed/foryou").json()["items"] == []


@pytest.mark.parametrize("mode, missing, expected", [
    # A fresh 1080p source: the source is decoded once, the smaller rungs come from the 720p rendition.
    ("cascade", [720, 1080, 480, 360], [([720, 1080], None), ([480, 360], 720)]),
    # Reruns after a crash do only what is missing, from the same parents.
    ("cascade", [1080, 480, 360], [([1080], None), ([480, 360], 720)]),
    ("cascade", [360], [([360], 720)]),
    ("first-alone", [720, 1080, 480, 360], [([720], None), ([1080, 480, 360], None)]),
    ("first-alone", [1080, 480, 360], [([1080, 480, 360], None)]),
    ("one-pass", [720, 1080, 480, 360], [([720, 1080, 480, 360], None)]),
    ("cascade", [], []),
])
@pytest.mark.django_db(transaction=False)
def test_ladder_passes(settings, mode, missing, expected):
    from reelbox.media.ladder import LADDER
    from reelbox.videos.tasks import Transcoder

    settings.REELBOX = {**settings.REELBOX, "TRANSCODE_PASSES": mode}
    by_height = {r.height: r for r in LADDER}
    rungs = [by_height[h] for h in (720, 1080, 480, 360)]
    passes = Transcoder._passes(rungs, [by_height[h] for h in missing])
    assert [([r.height for r in group], parent and parent.height) for group, parent in passes] == expected
