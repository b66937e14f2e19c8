"""Running ffmpeg safely as a subprocess.

Hazards handled here so callers cannot forget them: ffmpeg reading the
terminal (``-nostdin``), runaway jobs on hostile input (a timeout that kills
the whole process group, not just the parent), and opaque failures (the tail
of stderr is kept for logs).
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable

from reelbox.media.errors import FFmpegError, FFmpegTimeout


@functools.cache
def ffmpeg_exe() -> str:
    system = shutil.which("ffmpeg")
    if system:
        return system
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def run_ffmpeg(
    args: list[str],
    *,
    timeout: float,
    threads: int | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> None:
    """Run ffmpeg with ``args`` (inputs, filters, outputs); raise FFmpegError with stderr's tail on failure."""
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-y", "-loglevel", "error", "-progress", "pipe:1",
           "-stats_period", "1"]
    if threads:
        cmd += ["-threads", str(threads)]
    cmd += args
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    tail: deque[bytes] = deque(maxlen=40)
    reader = threading.Thread(target=lambda: tail.extend(proc.stderr), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    killer = threading.Timer(timeout, _kill_group, args=(proc,))
    killer.daemon = True
    killer.start()
    try:
        for line in proc.stdout:
            if on_progress and line.startswith(b"out_time_us="):
                try:
                    on_progress(int(line.split(b"=", 1)[1]) / 1e6)
                except ValueError:
                    pass
        proc.wait()
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        killer.cancel()
        reader.join(timeout=5)
    stderr = b"".join(tail).decode("utf-8", "replace")[-4000:]
    if proc.returncode != 0:
        if time.monotonic() >= deadline:
            raise FFmpegTimeout(f"ffmpeg timed out after {timeout:.0f}s", stderr)
        raise FFmpegError(f"ffmpeg exited with status {proc.returncode}", stderr)
