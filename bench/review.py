"""What automatic review costs beside the first encode, on bench/transcode.py's 15 s phone clip.

    python bench/review.py [--duration 15] [--repeat 3]

Measured in one run on the same clip (1080x1920 30 fps with film grain, H.264 High at 17 Mbit/s):

1. the bare ffmpeg 720p encode (Reelbox's first rung, bench/transcode.py's baseline) alone;
2. ``scan_video`` alone, with its parts (decode, NSFW, PDQ) in wall and CPU seconds;
3. both at once, as the pipeline runs them (review in a thread beside the encode): the encode's wall
   time, the scan's, and when both are done.

The requirement (issue #6): review adds at most 20 % to upload -> first playable. First playable is
the 720p encode getting far enough ahead (bench/transcode.py measures ~1.0-1.1x the bare 720p encode),
so the figures that matter are "encode beside review / encode alone" (review slowing the encoder
down) and "both done / encode alone" (if publication waits for the verdict). Each configuration runs
``--repeat`` times, alternating, and the median is reported; the model is loaded before timing (a
worker loads it once per process).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.transcode import bare  # noqa: E402
from reelbox.media import frames, hashing, ladder  # noqa: E402
from reelbox.media.generate import make_clip  # noqa: E402
from reelbox.media.probe import probe  # noqa: E402
from reelbox.safety import availability, nsfw, scan  # noqa: E402


def encode_with_cpu(src: Path, out_dir: Path, rungs: list) -> tuple[float, float]:
    """(wall, CPU) seconds of the bare encode; CPU counts ffmpeg's every thread."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = bare(src, out_dir, rungs)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def timed_scan(src: Path, index: hashing.HashIndex) -> dict:
    wall, cpu = time.perf_counter(), time.thread_time()
    result = scan.scan_video(src, index=index)
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.thread_time() - cpu, "frames": result.frames,
            "parts_s": result.timings, "labels": result.labels, "unavailable": result.unavailable}


def parts_cpu(src: Path) -> dict:
    """CPU seconds of each stage alone (wall time is at the mercy of whatever else runs)."""
    out = {}
    cpu = time.thread_time()
    picked = frames.sample(src)
    out["decode"] = time.thread_time() - cpu
    cpu = time.thread_time()
    nsfw.summarise(nsfw.score(picked))
    out["nsfw"] = time.thread_time() - cpu
    cpu = time.thread_time()
    hashing.pdq(picked)
    out["pdq"] = time.thread_time() - cpu
    return out


def together(src: Path, out_dir: Path, rungs: list, index: hashing.HashIndex) -> dict:
    box: dict = {}

    def review() -> None:
        box["scan"] = timed_scan(src, index)
        box["scan_done"] = time.perf_counter()

    start = time.perf_counter()
    thread = threading.Thread(target=review)
    thread.start()
    encode = bare(src, out_dir, rungs)
    thread.join()
    return {"encode_s": encode, "scan_s": box["scan"]["wall_s"], "both_done_s": max(encode, box["scan_done"] - start)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--source-kbps", type=int, default=17000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clip", type=Path, help="use this clip instead of generating one")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    missing = {k: v for k, v in availability().items() if v}
    if missing:
        raise SystemExit(f"review models unavailable: {missing}")
    with tempfile.TemporaryDirectory(prefix="reelbox-bench-review-") as tmp:
        tmp = Path(tmp)
        src = args.clip or make_clip(tmp / "phone.mp4", duration=args.duration, width=1080, height=1920, fps=30,
                                     grain=10, video_kbps=args.source_kbps)
        rungs = ladder.plan_ladder(probe(src))[:1]
        (tmp / "out").mkdir()
        # A bank of 1,000 videos x 60 frames, so matching costs what it would on a real instance.
        index = hashing.HashIndex()
        rng = np.random.default_rng(0)
        for i in range(1000):
            index.add(f"bank:{i}", [rng.integers(0, 256, 32, dtype=np.uint8).tobytes() for _ in range(60)])
        cold = time.perf_counter()
        scan.scan_video(src, index=index)  # loads the model, warms the page cache
        cold = time.perf_counter() - cold
        alone_encode, encode_cpu, alone_scan, both = [], [], [], []
        for _ in range(args.repeat):
            wall, cpu = encode_with_cpu(src, tmp / "out", rungs)
            alone_encode.append(wall)
            encode_cpu.append(cpu)
            alone_scan.append(timed_scan(src, index))
            both.append(together(src, tmp / "out", rungs, index))
        cpu_parts = parts_cpu(src)
    med = statistics.median
    encode = med(alone_encode)
    scan_wall = med(s["wall_s"] for s in alone_scan)
    result = {
        "clip": f"{args.duration:.0f}s 1080x1920 30fps grain, {args.source_kbps} kbit/s",
        "frames_sampled": alone_scan[0]["frames"],
        "bare_720p_s": encode,
        "scan_alone_s": scan_wall,
        "scan_alone_cpu_s": med(s["cpu_s"] for s in alone_scan),
        "bare_720p_cpu_s": med(encode_cpu),
        "scan_first_call_s": cold,
        "scan_parts_wall_s": {k: med(s["parts_s"].get(k, 0.0) for s in alone_scan)
                              for k in ("decode", "nsfw", "pdq", "match")},
        "scan_parts_cpu_s": cpu_parts,
        "encode_beside_scan_s": med(b["encode_s"] for b in both),
        "scan_beside_encode_s": med(b["scan_s"] for b in both),
        "both_done_s": med(b["both_done_s"] for b in both),
        "labels": alone_scan[0]["labels"],
    }
    result["encode_slowdown"] = result["encode_beside_scan_s"] / encode - 1
    # On a machine whose cores the encoder keeps busy, review's CPU seconds are what it takes from it.
    result["cpu_ratio"] = result["scan_alone_cpu_s"] / result["bare_720p_cpu_s"]
    result["both_done_over_encode"] = result["both_done_s"] / encode - 1
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"clip: {result['clip']}; {result['frames_sampled']} frames sampled; median of {args.repeat}")
    print(f"bare ffmpeg 720p encode:            {encode:6.2f} s wall, {result['bare_720p_cpu_s']:.2f} s CPU")
    print(f"scan_video alone:                   {scan_wall:6.2f} s wall, {result['scan_alone_cpu_s']:.2f} s CPU"
          f" (first call in the process {cold:.2f} s)")
    for name, seconds in result["scan_parts_wall_s"].items():
        print(f"  {name:<8} {seconds:6.3f} s wall, {cpu_parts.get(name, seconds):6.3f} s CPU")
    print(f"beside each other: encode {result['encode_beside_scan_s']:6.2f} s, scan {result['scan_beside_encode_s']:.2f} s,"
          f" both done {result['both_done_s']:.2f} s")
    print(f"encode slowed by review:            {100 * result['encode_slowdown']:+6.1f} %  (target <= +20 %)")
    print(f"both done vs encode alone:          {100 * result['both_done_over_encode']:+6.1f} %")
    print(f"review CPU / encode CPU:            {100 * result['cpu_ratio']:6.1f} %  (the slowdown on saturated cores)")


if __name__ == "__main__":
    main()
