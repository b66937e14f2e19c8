"""Kill the worker in the middle of a transcode; on restart the job runs again and finishes cleanly."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from reelbox.videos.models import Video
from tests.conftest import start_worker, stored_files

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def ffmpeg_processes(parent: int | None = None) -> list[int]:
    """This test run's transcoding ffmpegs: they work in (or write into) a transcode-* directory of its data dir."""
    work = os.path.join(settings.FILE_UPLOAD_TEMP_DIR, "transcode-")
    out = subprocess.run(["ps", "-ww", "-eo", "pid,ppid,args"], capture_output=True, text=True).stdout
    rows = [line.split(None, 2) for line in out.splitlines()[1:]]
    return [int(pid) for pid, ppid, args in rows
            if "ffmpeg" in args.split()[0] and (parent is None or int(ppid) == parent)
            and (work in args or work in _cwd(pid))]


def _cwd(pid: str) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


def test_worker_killed_mid_transcode_recovers(auth_api, clips, media_root):
    source = clips(duration=6, width=1080, height=1920, grain=10)
    video_id = auth_api.upload("/api/v1/videos", source).json()["id"]
    video = Video.objects.get(public_id=video_id)
    work = Path(settings.FILE_UPLOAD_TEMP_DIR)

    first = start_worker(stale_s=5)
    try:
        wait_for(lambda: ffmpeg_processes(first.pid), 60, "the encode to start")
        time.sleep(0.5)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    video.refresh_from_db()
    assert video.status == Video.Status.PROCESSING
    # The encoder dies with its worker instead of burning CPU as an orphan.
    wait_for(lambda: not ffmpeg_processes(), 10, "ffmpeg to exit with its worker")

    time.sleep(5.5)  # let the heartbeat go stale
    second = start_worker(5, "--batch")
    second.wait(timeout=300)
    stderr = (Path(settings.DATA_DIR) / "worker.log").read_bytes()
    assert second.returncode == 0, stderr.decode()[-2000:]

    video.refresh_from_db()
    assert video.status == Video.Status.READY, (video.error, stderr.decode()[-2000:])
    assert video.attempts == 2
    assert sorted(video.renditions.values_list("height", flat=True)) == [360, 480, 720, 1080]
    names = {p.relative_to(media_root / video.media_prefix).as_posix() for p in stored_files(media_root, video)}
    expected_top = {"source", "poster.jpg", "strip.jpg", "master.m3u8", "1080.mp4", "720.mp4", "480.mp4", "360.mp4"}
    assert {n for n in names if "/" not in n} == expected_top
    assert not any(work.glob(f"transcode-{video.pk}-*"))

    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    # The killed run is marked failed and the rerun succeeded (other domains' follow-up tasks aside).
    statuses = sorted(DBTaskResult.objects.filter(task_path__endswith=".transcode_video")
                      .values_list("status", flat=True))
    assert statuses == sorted([TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL])


def test_worker_killed_while_first_rung_is_published_early(auth_api, clips, media_root):
    from reelbox.videos.queries import playable
    from reelbox.videos.tasks import recover_stalled

    source = clips(duration=12, width=1080, height=1920, grain=10)
    video_id = auth_api.upload("/api/v1/videos", source).json()["id"]
    video = Video.objects.get(public_id=video_id)

    first = start_worker(stale_s=5)
    try:
        wait_for(lambda: Video.objects.get(pk=video.pk).status == Video.Status.READY, 240, "the early publish")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert not video.renditions.exists(), "the ladder finished before the worker was killed"

    # Its growing playlist will never end: once the worker is known dead the video is taken back.
    time.sleep(5.5)
    assert recover_stalled(stale_s=5) == 1
    video.refresh_from_db()
    assert video.status == Video.Status.PROCESSING
    assert not playable().filter(pk=video.pk).exists()

    second = start_worker(5, "--batch")
    second.wait(timeout=300)
    assert second.returncode == 0
    video.refresh_from_db()
    assert video.status == Video.Status.READY and video.heartbeat_at is None
    assert video.attempts == 2
    assert sorted(video.renditions.values_list("height", flat=True)) == [360, 480, 720, 1080]
    live = (media_root / video.media_prefix / "720" / "index.m3u8").read_text()
    assert live.rstrip().endswith("#EXT-X-ENDLIST")
