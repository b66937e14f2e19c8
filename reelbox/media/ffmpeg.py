"""Running ffmpeg safely: bounded in time, killed as a group, errors kept.

ffmpeg is given untrusted input, so every run has a deadline. It runs in its
own process group and the whole group is SIGKILLed on timeout or on any
exception in the caller (including KeyboardInterrupt), so an interrupted
worker never leaves an orphaned encoder eating CPU. Being in its own session
also keeps a terminal's Ctrl-C from reaching ffmpeg before we can clean up.
On Linux, ffmpeg is additionally told to die with its parent, which covers
the one case no ``except`` can: the worker itself being SIGKILLed.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from typing import IO

from reelbox.media.errors import FFmpegError, FFmpegTimeout

STDERR_TAIL_BYTES = 4096
PROGRESS_EVERY_S = 0.5

# Untrusted inputs may only be read from local files, and only by demuxers for
# real video containers. Without this, a playlist (HLS, concat, ...) renamed
# to .mp4 makes ffmpeg fetch URLs or read arbitrary local files into the
# output (a classic SSRF / file disclosure hole).
SAFE_PROTOCOLS = "file"
SAFE_FORMATS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,asf,ogg"


@functools.cache
def ffmpeg_exe() -> str:
    """The ffmpeg binary: the system's if on PATH, else imageio-ffmpeg's static build."""
    system = shutil.which("ffmpeg")
    if system:
        return system
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def safe_input(path: os.PathLike | str) -> list[str]:
    """``-i path`` for an untrusted file, restricted to local, real video containers."""
    return ["-protocol_whitelist", SAFE_PROTOCOLS, "-format_whitelist", SAFE_FORMATS, "-i", os.fspath(path)]


def run_ffmpeg(
    args: list[str],
    *,
    timeout: float,
    threads: int | None = None,
    on_progress: Callable[[float], None] | None = None,
    duration: float | None = None,
    cwd: os.PathLike | str | None = None,
) -> None:
    """Run ffmpeg with ``args``; raise FFmpegError on failure, FFmpegTimeout past ``timeout`` s.

    ``threads`` caps decoder and filter threads (placed before every ``-i`` and
    as the global filter options); encoders take their own ``-threads`` in
    ``args`` because only the caller knows where each output begins.
    ``on_progress`` is called from this thread with the seconds of media
    processed so far, at most twice a second, for as long as ffmpeg reports
    progress; ``duration``, when known, caps the reported value. ``cwd`` is
    ffmpeg's working directory, against which relative output names resolve.
    """
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-y", "-loglevel", "error", "-nostats"]
    if threads:
        cmd += ["-filter_threads", str(threads), "-filter_complex_threads", str(threads)]
        cmd += _with_input_threads(args, threads)
    else:
        cmd += list(args)
    if on_progress is not None:
        # Progress goes to stdout as key=value blocks; stderr stays for errors.
        cmd[1:1] = ["-progress", "pipe:1", "-stats_period", "0.5"]

    proc = subprocess.Popen(
        _die_with_parent() + cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if on_progress is not None else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=cwd,
    )
    tail = bytearray()
    progress = _Progress()
    readers = [threading.Thread(target=_drain_tail, args=(proc.stderr, tail), daemon=True)]
    if on_progress is not None:
        readers.append(threading.Thread(target=_read_progress, args=(proc.stdout, progress), daemon=True))
    for reader in readers:
        reader.start()

    deadline = time.monotonic() + timeout
    try:
        returncode = _wait(proc, deadline, on_progress, progress, duration)
    except BaseException:
        # Whatever went wrong here (the callback raised, KeyboardInterrupt),
        # the encoder must not outlive us.
        _kill_group(proc)
        _join(readers)
        raise
    if returncode is None:
        _kill_group(proc)
        _join(readers)
        raise FFmpegTimeout(f"ffmpeg ran longer than {timeout:g} s and was killed", _tail_text(tail))
    _join(readers)
    if returncode != 0:
        raise FFmpegError(f"ffmpeg exited with status {returncode}", _tail_text(tail))


def _wait(
    proc: subprocess.Popen,
    deadline: float,
    on_progress: Callable[[float], None] | None,
    progress: _Progress,
    duration: float | None,
) -> int | None:
    """ffmpeg's exit status, or None once ``deadline`` passes with it still running."""
    last_report = 0.0
    while True:
        try:
            return proc.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if now >= deadline:
            return None
        if on_progress is not None and now - last_report >= PROGRESS_EVERY_S:
            seconds = progress.take()
            if seconds is not None:
                last_report = now
                on_progress(min(seconds, duration) if duration is not None else seconds)


def _die_with_parent() -> list[str]:
    """A command prefix making the kernel SIGKILL ffmpeg when the thread that starts it dies: util-linux's
    ``setpriv`` sets the signal, then runs ffmpeg in its place (Linux; nothing elsewhere).

    Not a ``preexec_fn``: with one, Python runs in the child between fork and exec, after dropping the other
    threads' states, and objects only they held are freed there. A PyAV scaler freed in the child waited
    forever for slice threads that were not forked, and the worker with it (CI, on a 2-core machine)."""
    exe = _setpriv()
    return [exe, "--pdeathsig", "KILL", "--"] if exe else []


@functools.cache
def _setpriv() -> str | None:
    return shutil.which("setpriv") if os.uname().sysname == "Linux" else None


def _with_input_threads(args: Iterable[str], threads: int) -> list[str]:
    out: list[str] = []
    for arg in args:
        if arg == "-i":
            out += ["-threads", str(threads)]
        out.append(arg)
    return out


def _kill_group(proc: subprocess.Popen) -> None:
    # Once ffmpeg is reaped its pid (= the group id) may be reused: never
    # signal a group whose leader we already collected.
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    proc.wait()


def _join(readers: list[threading.Thread]) -> None:
    for reader in readers:
        reader.join(timeout=5)


def _drain_tail(stream: IO[bytes], tail: bytearray) -> None:
    # Keep only the last few KB: a failing ffmpeg can print megabytes, and
    # on hostile input even one "line" can be huge, so read in chunks.
    for chunk in iter(lambda: stream.read1(65536), b""):
        tail += chunk
        del tail[:-STDERR_TAIL_BYTES]
    stream.close()


def _tail_text(tail: bytearray) -> str:
    return bytes(tail).decode("utf-8", "replace").strip()


class _Progress:
    """Latest ``out_time`` from ffmpeg's progress blocks, handed between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds: float | None = None

    def put(self, seconds: float) -> None:
        with self._lock:
            self._seconds = seconds

    def take(self) -> float | None:
        with self._lock:
            seconds, self._seconds = self._seconds, None
            return seconds


def _read_progress(stream: IO[bytes], progress: _Progress) -> None:
    current = 0.0
    for raw in iter(stream.readline, b""):
        key, _, value = raw.decode("ascii", "replace").strip().partition("=")
        if key == "out_time_us":
            try:
                current = max(current, int(value) / 1_000_000)
            except ValueError:
                pass  # "N/A" before the first frame is out
        elif key == "progress":
            # One report per block, so a stalled encoder still reports (the
            # same position) and the caller's heartbeat keeps beating.
            progress.put(current)
    stream.close()
