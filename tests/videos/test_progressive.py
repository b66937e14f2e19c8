"""The first rendition plays while the whole ladder is still being encoded in one pass."""

import re
import time

import pytest

from reelbox.videos.models import Video
from reelbox.videos.progressive import can_start

# -- when playback may start --------------------------------------------------------------------


def test_fast_encoder_is_playable_once_two_segments_are_ahead():
    # 3x realtime: the encoder can never be caught, so only the lead matters.
    assert not can_start(duration=60, encoded=3.0, elapsed=1.0)
    assert can_start(duration=60, encoded=4.5, elapsed=1.5)


def test_slow_encoder_waits_until_playback_cannot_catch_it():
    # 15 s at 0.86x realtime, the full ladder on two cores: the encoder finishes at 17.4 s, so a
    # viewer starting at t may start only if t + 15 >= 17.4 + 4 (the lead), i.e. around 6.4 s.
    speed = 0.86
    assert not can_start(duration=15, encoded=5.0, elapsed=5.0 / speed)
    assert can_start(duration=15, encoded=5.6, elapsed=5.6 / speed)
    # Far slower than realtime (0.3x): the last 5 s would take 16.7 s to encode, the last 3 s only 10 s.
    assert not can_start(duration=15, encoded=10.0, elapsed=10.0 / 0.3)
    assert can_start(duration=15, encoded=12.0, elapsed=12.0 / 0.3)


def test_the_lead_must_be_in_stored_segments():
    # The encoder is past 4 s, but only the first 2 s segment has been cut and stored.
    assert not can_start(duration=60, encoded=4.5, elapsed=1.5, available=2.0)
    assert can_start(duration=60, encoded=4.5, elapsed=1.5, available=4.0)


def test_short_or_finished_videos():
    assert can_start(duration=2.0, encoded=2.0, elapsed=10.0)
    assert not can_start(duration=3.0, encoded=1.0, elapsed=0.1)
    assert not can_start(duration=10.0, encoded=5.0, elapsed=0.0)


# -- through a real worker ----------------------------------------------------------------------


@pytest.fixture(params=["cascade", "first-alone", "one-pass"])
def passes(request, monkeypatch):
    """Every way of cutting the ladder into passes (REELBOX_TRANSCODE_PASSES), for the worker process."""
    monkeypatch.setenv("REELBOX_TRANSCODE_PASSES", request.param)
    return request.param


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_ready_on_a_growing_playlist_then_complete(passes, auth_api, clips, client, worker_process):
    # Long and heavy enough that the one-pass ladder takes several seconds on any machine.
    source = clips(duration=12, width=1080, height=1920, grain=10)
    video_id = auth_api.upload("/api/v1/videos", source).json()["id"]

    deadline = time.monotonic() + 240
    while True:
        assert time.monotonic() < deadline, "the video never became ready"
        body = auth_api.get(f"/api/v1/videos/{video_id}").json()
        assert body["status"] != "failed", body
        if body["status"] == "ready":
            break
        time.sleep(0.05)

    # Ready before any MP4 exists: the first rung's HLS, still growing, is the way to play.
    assert body["renditions"] == [], "ready only once the ladder finished: nothing was published early"
    master = client.get(body["hls_url"])
    assert master.status_code == 200 and master["Cache-Control"] == "no-cache"
    master_text = b"".join(master.streaming_content).decode()
    assert master_text.count("#EXT-X-STREAM-INF:") == 1 and "RESOLUTION=720x1280" in master_text
    assert body["poster_url"]
    live_url = body["hls_url"].rsplit("/", 1)[0] + "/720/index.m3u8"
    live = b"".join(client.get(live_url).streaming_content).decode()
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in live and "#EXT-X-ENDLIST" not in live
    segments = re.findall(r"^(seg_\d+\.ts)$", live, re.M)
    assert len(segments) >= 2
    for name in segments:
        response = client.get(live_url.replace("index.m3u8", name))
        assert response.status_code == 200 and response["Content-Type"] == "video/mp2t"
    # Listed in feeds as soon as it is ready.
    assert video_id in {item["id"] for item in auth_api.get("/api/v1/feed/foryou?limit=30").json()["items"]}

    while Video.objects.get(public_id=video_id).heartbeat_at is not None:
        assert time.monotonic() < deadline, "the ladder never finished"
        time.sleep(0.2)
    body = auth_api.get(f"/api/v1/videos/{video_id}").json()
    assert sorted(r["height"] for r in body["renditions"]) == [360, 480, 720, 1080]
    master_text = b"".join(client.get(body["hls_url"]).streaming_content).decode()
    assert master_text.count("#EXT-X-STREAM-INF:") == 4
    final = b"".join(client.get(live_url).streaming_content).decode()
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in final and final.rstrip().endswith("#EXT-X-ENDLIST")
    # The segments players already fetched keep their names: the playlist only grew.
    assert re.findall(r"^(seg_\d+\.ts)$", final, re.M)[: len(segments)] == segments
