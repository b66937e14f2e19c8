"""Upload -> first playable for everyone, with automatic review on and off, in the same run.

    python bench/review_pipeline.py [--duration 15] [--rounds 1]

The clip is bench/transcode.py's phone clip (1080x1920 30 fps with film grain, H.264 at a phone's
bitrate). With review on, a new upload is "pending" (only its uploader sees it) until the scan that runs
beside the first 720p encode (frames every second -> NSFW model, PDQ hashes, bank match, caption text)
has been applied; with review off (SiteControl.review_uploads=false) it is visible once ready. Both are
timed the same way: from the start of the upload until an anonymous GET /api/v1/videos/<id> answers 200
(ready and approved). Target (issue #6): review adds at most 20 % to upload -> first playable.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._server import data_dir, manage, server  # noqa: E402
from reelbox.media.generate import make_clip  # noqa: E402

POLL_S = 0.2


def _set_review(data: Path, on: bool) -> None:
    code = ("from reelbox.moderation.models import SiteControl; "
            f"SiteControl.objects.update_or_create(pk=1, defaults={{'review_uploads': {on!r}}})")
    manage(data, "shell", "-c", code)


def one_run(src: Path, warmup: Path, review: bool) -> dict:
    with data_dir() as data:
        manage(data, "migrate", "--verbosity", "0")
        _set_review(data, review)
        with (server(data, "--web-workers", "1") as base, httpx.Client(base_url=base, timeout=120) as http,
              httpx.Client(base_url=base, timeout=120) as anonymous):
            token = http.post("/api/v1/auth/signup", json={"username": "bench", "email": "b@example.test",
                                                           "password": "benchmark passphrase"}).json()["token"]
            http.headers["Authorization"] = f"Bearer {token}"
            # Steady state: the worker has run a job (imports and, with review on, the models loaded).
            with warmup.open("rb") as fh:
                warm_id = http.post("/api/v1/videos", files={"file": ("warm.mp4", fh, "video/mp4")}).json()["id"]
            while anonymous.get(f"/api/v1/videos/{warm_id}").status_code != 200:
                time.sleep(0.1)
            time.sleep(3)  # the warm-up's thumbnail strip finishes after it is playable
            start = time.perf_counter()
            with src.open("rb") as fh:
                response = http.post("/api/v1/videos", files={"file": ("clip.mp4", fh, "video/mp4")})
            response.raise_for_status()
            video_id = response.json()["id"]
            ready_for_uploader = None
            while True:
                own = http.get(f"/api/v1/videos/{video_id}").json()
                now = time.perf_counter() - start
                if own["status"] == "failed":
                    raise SystemExit(f"transcode failed: {own['error']}")
                if own["status"] == "ready" and ready_for_uploader is None:
                    ready_for_uploader = now
                if own["status"] == "ready" and anonymous.get(f"/api/v1/videos/{video_id}").status_code == 200:
                    return {"ready_for_uploader_s": ready_for_uploader, "first_playable_s": now,
                            "state": (own.get("moderation") or {}).get("state")}
                if own.get("moderation", {}).get("state") not in (None, "pending", "approved"):
                    raise SystemExit(f"review did not approve the benchmark clip: {own['moderation']}")
                time.sleep(POLL_S)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--source-kbps", type=int, default=17000)
    parser.add_argument("--rounds", type=int, default=1, help="off/on pairs; the median of each is reported")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reelbox-bench-") as tmp:
        tmp = Path(tmp)
        src = make_clip(tmp / "phone.mp4", duration=args.duration, width=1080, height=1920, fps=30, grain=10,
                        video_kbps=args.source_kbps)
        warmup = make_clip(tmp / "warm.mp4", duration=1, width=360, height=640)
        runs = {"off": [], "on": []}
        for _ in range(args.rounds):  # interleaved, so drift in the machine's load hits both alike
            runs["off"].append(one_run(src, warmup, review=False))
            runs["on"].append(one_run(src, warmup, review=True))

    def median(values: list[float]) -> float:
        ordered = sorted(values)
        middle = len(ordered) // 2
        return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2

    off = median([r["first_playable_s"] for r in runs["off"]])
    on = median([r["first_playable_s"] for r in runs["on"]])
    # Each round's pair ran back to back, so its ratio cancels most of the machine's drift.
    pairs = [(b["first_playable_s"] / a["first_playable_s"] - 1) * 100 for a, b in zip(runs["off"], runs["on"])]
    result = {"clip": f"{args.duration:.0f}s 1080x1920 30fps grain, {args.source_kbps} kbit/s",
              "rounds": args.rounds, "review_off_s": off, "review_on_s": on,
              "overhead_pct": median(pairs), "overhead_by_round_pct": pairs, "runs": runs}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"clip: {result['clip']}, {args.rounds} round(s)")
    print(f"upload -> first playable, review off: {off:6.2f} s")
    print(f"upload -> first playable, review on:  {on:6.2f} s")
    for i, (a, b, pct) in enumerate(zip(runs["off"], runs["on"], pairs), 1):
        print(f"  round {i}: off {a['first_playable_s']:6.2f} s, on {b['first_playable_s']:6.2f} s ({pct:+.1f} %)")
    print(f"review overhead (median of rounds): {result['overhead_pct']:+.1f} % (target <= 20 %)")


if __name__ == "__main__":
    main()
