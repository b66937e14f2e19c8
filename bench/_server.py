"""Helpers shared by the benchmarks: a throw-away Reelbox server on a free port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(data_dir: Path, **extra: str) -> dict:
    env = os.environ | {"REELBOX_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "reelbox.settings",
                        "REELBOX_DEBUG": "false"}
    env.update(extra)
    return env


def manage(data_dir: Path, *args: str, **extra: str) -> None:
    subprocess.run([sys.executable, "-m", "reelbox.cli", "manage", *args], env=bench_env(data_dir, **extra),
                   check=True, stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def data_dir(keep: str | None = None) -> Iterator[Path]:
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="reelbox-bench-") as tmp:
        yield Path(tmp)


@contextlib.contextmanager
def server(data: Path, *args: str, **extra: str) -> Iterator[str]:
    port = free_port()
    # The server's log goes to a file (a pipe nobody reads would block the server once full), kept with the data.
    log = (data / "server.log").open("ab")
    proc = subprocess.Popen([sys.executable, "-m", "reelbox.cli", "run", "--no-seed", "--port", str(port), *args],
                            env=bench_env(data, **extra), stdout=subprocess.DEVNULL, stderr=log,
                            start_new_session=True)
    log.close()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/api/v1/ping", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError((data / "server.log").read_text(errors="replace")[-2000:] if proc.poll() is not None
                               else "server did not start")
        yield url
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
