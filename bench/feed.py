"""For You endpoint under 32 concurrent clients, against a trivial JSON endpoint of the same server.

    python bench/feed.py [--videos 1000] [--clients 32] [--seconds 20]

Prints p50/p99 latency and throughput for both endpoints, measured in the same run. Load comes from
wrk (Debian package `wrk`) when installed, else from an asyncio httpx client (which itself eats
much of the two cores, so its figures understate the server).
Targets (issue #2): For You p99 < 50 ms; throughput >= 0.5x the trivial endpoint's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._server import bench_env, data_dir, manage, percentile, server  # noqa: E402

POPULATE = """
import random
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from reelbox.accounts.models import User
from reelbox.videos.models import Rendition, Video
random.seed(1)
topics = __TOPICS__
authors = [User.objects.create(username=f"bench{i}", email=f"b{i}@example.test") for i in range(50)]
now = timezone.now()
# created_at is auto_now_add, which would stamp every row "now": switched off in this process only, so the
# catalogue's ages (trending decay, exploration pools) are given directly instead of one UPDATE per video.
Video._meta.get_field("created_at").auto_now_add = False
with transaction.atomic():
    videos = [Video(author=authors[i % 50], status="ready", duration=15.0, width=720, height=1280, fps=30,
                    caption=f"bench video {i} #bench" + (f" #topic{i % topics}" if topics else ""),
                    media_prefix=f"videos/b{i}", poster_path=f"videos/b{i}/poster.jpg",
                    hls_path=f"videos/b{i}/master.m3u8", view_count=random.randint(0, 100000), ready_at=now,
                    created_at=now - timedelta(minutes=random.randint(0, 100000)), public_id=f"bench{i:07d}")
              for i in range(__COUNT__)]
    Video.objects.bulk_create(videos, batch_size=2000)
    Rendition.objects.bulk_create(
        [Rendition(video=v, height=h, width_px=h, height_px=h * 16 // 9, bitrate=h * 2000,
                   mp4_path=f"{v.media_prefix}/{h}.mp4", hls_path=f"{v.media_prefix}/{h}/index.m3u8")
         for v in Video.objects.all().only("pk", "media_prefix").iterator(chunk_size=5000) for h in (720, 480, 360)],
        batch_size=2000)
"""

# Trains a model version as the worker does (the real retrain path) and reports what it cost. Run in its own
# process so the peak memory is the training's alone.
TRAIN = """
import json, resource, time
from pathlib import Path
from django.conf import settings
from reelbox.feed.recommender import train
started = time.perf_counter()
row = train()
seconds = time.perf_counter() - started
size = (Path(settings.DATA_DIR) / "recsys" / Path(row.path).name).stat().st_size
print("BENCH_TRAIN " + json.dumps({"seconds": seconds, "model_bytes": size, "items": row.n_items,
                                  "pairs": row.n_events, "viewers": row.n_viewers,
                                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# Viewers with history for --personal: each device watched 40 videos (120 events), and the model is
# retrained on them, so their pages are ranked for them from their latest events.
HISTORIES = """
import random
from django.utils import timezone
from reelbox.feed.models import Event
from reelbox.videos.models import Video
random.seed(3)
pks = list(Video.objects.values_list("pk", flat=True))
now = timezone.now()
rows = []
for d in range(__DEVICES__):
    for pk in random.sample(pks, 40):
        kind = random.choice([Event.Type.COMPLETE, Event.Type.SKIP, Event.Type.PROGRESS])
        for t in (Event.Type.IMPRESSION, Event.Type.PLAY, kind):
            rows.append(Event(device_id=f"benchdevice{d:06d}", video_id=pk, type=t, created_at=now,
                              watch_ms=random.randint(0, 15000) if t == kind else 0))
Event.objects.bulk_create(rows, batch_size=2000)
"""


async def client_loop(http: httpx.AsyncClient, path: str, stop_at: float, latencies: list[float], walk: bool):
    cursor = None
    while time.perf_counter() < stop_at:
        url = path + (f"?cursor={cursor}" if cursor else "")
        start = time.perf_counter()
        response = await http.get(url)
        latencies.append(time.perf_counter() - start)
        response.raise_for_status()
        if walk:
            cursor = response.json().get("next_cursor")


async def load(base: str, path: str, clients: int, seconds: float, walk: bool) -> dict:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        await asyncio.gather(*(client_loop(http, path, time.perf_counter() + 2, [], walk) for _ in range(clients)))
        start = time.perf_counter()
        await asyncio.gather(*(client_loop(http, path, start + seconds, latencies, walk) for _ in range(clients)))
        elapsed = time.perf_counter() - start
    return {"requests": len(latencies), "rps": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000}


WRK_LATENCY = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def load_wrk(base: str, path: str, clients: int, seconds: float, walk: bool | str) -> dict:
    """wrk (C) generates load with far less CPU than a Python client, leaving the server the cores."""
    lua = walk if isinstance(walk, str) else "foryou.lua"
    script = ["-s", str(Path(__file__).with_name(lua))] if walk else []
    subprocess.run(["wrk", "-t2", f"-c{clients}", "-d2s", *script, base + path], capture_output=True, check=True)
    out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--latency", *script, base + path],
                         capture_output=True, text=True, check=True).stdout
    lat = {q: float(v) * UNITS[u] for q, v, u in WRK_LATENCY.findall(out)}
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{path}: {errors.group(1)} failed responses")
    return {"requests": requests, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": lat["50"], "p99_ms": lat["99"]}


def measure(base: str, path: str, clients: int, seconds: float, walk: bool) -> dict:
    if shutil.which("wrk"):
        return load_wrk(base, path, clients, seconds, walk)
    return asyncio.run(load(base, path, clients, seconds, walk))


def shell(data: Path, script: str, **subs: object) -> str:
    """Run a script in `reelbox manage shell` on the data dir (``__NAME__`` placeholders filled from subs)."""
    for name, value in subs.items():
        script = script.replace(f"__{name.upper()}__", str(value))
    return subprocess.run([sys.executable, "-m", "reelbox.cli", "manage", "shell", "-c", script],
                          env=bench_env(data), check=True, stdout=subprocess.PIPE, text=True).stdout


def populate(data: Path, videos: int, topics: int = 0) -> None:
    """A migrated data dir with ``videos`` ready videos (3 renditions each) by 50 authors."""
    manage(data, "migrate", "--verbosity", "0")
    shell(data, POPULATE, count=videos, topics=topics)


def train(data: Path) -> dict:
    """Train a model version on the data dir's event log; returns its cost (seconds, model bytes, peak RSS)."""
    out = shell(data, TRAIN)
    return json.loads(out.split("BENCH_TRAIN ", 1)[1])


def serve(data: Path, args: argparse.Namespace):
    return server(data, "--no-worker", "--web-workers", str(args.web_workers), "--threads", str(args.threads))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--personal", type=int, default=0, metavar="DEVICES",
                        help="also measure viewers with history: seed DEVICES devices with 40 watched videos each")
    args = parser.parse_args()
    with data_dir() as data:
        populate(data, args.videos)
        # A model version, as a running platform has (the worker retrains it); serving loads it.
        train(data)
        with serve(data, args) as base:
            trivial = measure(base, "/api/v1/ping", args.clients, args.seconds, walk=False)
            foryou = measure(base, "/api/v1/feed/foryou", args.clients, args.seconds, walk=True)
        personal = None
        if args.personal:
            if not shutil.which("wrk"):
                raise SystemExit("--personal needs wrk")
            shell(data, HISTORIES, devices=args.personal)
            train(data)
            with serve(data, args) as base:
                os.environ["BENCH_DEVICES"] = str(args.personal)
                personal = load_wrk(base, "/api/v1/feed/foryou", args.clients, args.seconds, "foryou_personal.lua")
    result = {"videos": args.videos, "clients": args.clients, "trivial": trivial, "foryou": foryou,
              "throughput_ratio": foryou["rps"] / trivial["rps"]}
    if personal:
        result["foryou_personal"] = personal
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.videos} videos, {args.clients} concurrent clients, {args.seconds:.0f} s per endpoint")
    print(f"{'endpoint':<22}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    rows = [("trivial /api/v1/ping", trivial), ("/api/v1/feed/foryou", foryou)]
    if personal:
        rows.append(("foryou, with history", personal))
    for name, r in rows:
        print(f"{name:<22}{r['requests']:>10}{r['rps']:>10.0f}{r['p50_ms']:>10.1f}{r['p99_ms']:>10.1f}")
    print(f"throughput ratio (For You / trivial): {result['throughput_ratio']:.2f}  (target >= 0.5)")
    print(f"For You p99: {foryou['p99_ms']:.1f} ms  (target < 50 ms)")


if __name__ == "__main__":
    main()
