"""Event -> changed next page: how long from a viewer's beacon to a For You page that reflects it.

    python bench/feed_realtime.py [--videos 1000] [--trials 50]

A running server (`reelbox run --no-worker`, Granian with 2 web processes, so the event and the next page
are usually served by different processes) with 1,000 videos over 20 hashtags and a trained model. Each
trial is a new anonymous viewer (its own device cookie): it fetches a page, completes three videos of a
hashtag it was not shown much, then fetches the next page. Latency is from sending the events to receiving
that page; the page "reflects" the event when the hashtag now leads it. Target (issue #3): < 1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._server import bench_env, data_dir, manage, percentile, server  # noqa: E402

TAGS = 20
POPULATE = """
import random
from datetime import timedelta
from django.utils import timezone
from reelbox.accounts.models import User
from reelbox.videos.models import Rendition, Video
random.seed(2)
authors = [User.objects.create(username=f"rt{i}", email=f"rt{i}@example.test") for i in range(100)]
now = timezone.now()
Video.objects.bulk_create([
    Video(author=authors[i % 100], caption=f"video {i} #t{i % __TAGS__}", status="ready", duration=15.0, width=720,
          height=1280, fps=30, media_prefix=f"videos/r{i}", poster_path=f"videos/r{i}/poster.jpg",
          hls_path=f"videos/r{i}/master.m3u8", view_count=random.randint(0, 100000), ready_at=now,
          public_id=f"rt{i:06d}") for i in range(__COUNT__)], batch_size=500)
Rendition.objects.bulk_create(
    [Rendition(video=v, height=720, width_px=720, height_px=1280, bitrate=1_500_000,
               mp4_path=f"{v.media_prefix}/720.mp4", hls_path=f"{v.media_prefix}/720/index.m3u8")
     for v in Video.objects.all().only("pk", "media_prefix")], batch_size=1000)
from reelbox.feed.recommender import train
train()
"""


def tag(item: dict) -> str:
    return item["caption"].rsplit("#", 1)[1]


def trial(base: str, by_tag: dict[str, list[str]], n: int) -> tuple[float, bool]:
    with httpx.Client(base_url=base, timeout=10) as http:
        first = http.get("/api/v1/feed/foryou").json()
        shown = Counter(tag(i) for i in first["items"])
        target = sorted(by_tag, key=lambda t: (shown[t], (int(t[1:]) + n) % TAGS))[0]
        picks = [v for v in by_tag[target] if v not in {i["id"] for i in first["items"]}][:3]
        events = [{"video_id": v, "type": t, "watch_ms": 15000 if t == "complete" else 0}
                  for v in picks for t in ("impression", "play", "complete")]
        start = time.perf_counter()
        http.post("/api/v1/events", json={"events": events}).raise_for_status()
        page = http.get("/api/v1/feed/foryou", params={"cursor": first["next_cursor"]}).json()
        elapsed = time.perf_counter() - start
        tags = Counter(tag(i) for i in page["items"])
        return elapsed, bool(tags) and tags[target] == max(tags.values()) and tags[target] > shown[target]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with data_dir() as data:
        manage(data, "migrate", "--verbosity", "0")
        subprocess.run([sys.executable, "-m", "reelbox.cli", "manage", "shell", "-c",
                        POPULATE.replace("__COUNT__", str(args.videos)).replace("__TAGS__", str(TAGS))],
                       env=bench_env(data), check=True, stdout=subprocess.DEVNULL)
        with server(data, "--no-worker", "--web-workers", "2", "--threads", "2") as base:
            by_tag: dict[str, list[str]] = {}
            for n in range(args.videos):
                by_tag.setdefault(f"t{n % TAGS}", []).append(f"rt{n:06d}")
            trial(base, by_tag, -1)  # warm both processes' caches and models
            results = [trial(base, by_tag, n) for n in range(args.trials)]
    latencies = [r[0] for r in results]
    out = {"trials": len(results), "reflected": sum(r[1] for r in results),
           "median_ms": statistics.median(latencies) * 1000, "p99_ms": percentile(latencies, 99) * 1000}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{args.videos} videos, {out['trials']} anonymous viewers, 2 web processes")
    print(f"event -> next page: median {out['median_ms']:.1f} ms, p99 {out['p99_ms']:.1f} ms  (target < 1000 ms)")
    print(f"next page led by the hashtag just watched: {out['reflected']}/{out['trials']}")


if __name__ == "__main__":
    main()
