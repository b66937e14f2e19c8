"""For You at catalogue and event-log scale (issue #3): one catalogue size, or several compared in one invocation.

    python bench/feed_scale.py --compare 1000,100000 --events 1000000 [--clients 32] [--seconds 20] [--rounds 3]

For each size, in its own fresh SQLite data dir: populate the videos, generate the event log (impression, play
and progress/complete/skip with watch times, over --devices devices of which a tenth are signed-in users, with
Zipf-skewed video popularity and timestamps over the last --days days), train the recommender on it (the
worker's retrain path; its time, model size and peak memory are printed). Then every size gets its own server,
all running at once, and each is measured in turn, --rounds times over, under --clients concurrent wrk
clients: the trivial endpoint, cold For You viewers walking pages with the cursor, and viewers with history
(anonymous devices whose events are in the log, bench/foryou_personal.lua). Taking the sizes in turn, rather
than one after the other, keeps a drift in the machine's speed from passing for a difference between sizes.
Prints the median p50/p99/req/s per endpoint and, with --compare, the For You latency ratio of each larger
size to the smallest. Targets (issue #3): p99 < 50 ms at 100k videos / 1M events; latencies within 20 %
across sizes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._server import data_dir  # noqa: E402
from bench.feed import load_wrk, populate, serve, shell, train  # noqa: E402

# Vectorised with numpy, then Event rows bulk-created in large batches inside transactions: ~1M rows a minute
# or two on SQLite. Views are sorted by time so event ids grow with created_at, as in a live log (training
# reads the newest TRAIN_MAX_EVENTS by id).
EVENTS = """
import json, time
import numpy as np
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from reelbox.accounts.models import User
from reelbox.feed.models import Event
from reelbox.videos.models import Video
started = time.perf_counter()
rng = np.random.default_rng(7)
target, devices, days = __EVENTS__, __DEVICES__, __DAYS__
rows = list(Video.objects.order_by("pk").values_list("pk", "duration"))
pks = np.array([pk for pk, _d in rows])
dur_ms = np.array([(d or 15.0) * 1000 for _pk, d in rows])
# Popularity: Zipf-like (s = 0.9) over a random order of the catalogue, so a few videos are hot.
weights = 1.0 / np.arange(1, len(pks) + 1) ** 0.9
popularity = rng.permutation(len(pks))
p = weights[popularity] / weights.sum()
# The last tenth of the devices are signed-in viewers (user set); the rest anonymous, named as
# bench/foryou_personal.lua's cookies (benchdevice000000...).
signed = devices // 10
users = User.objects.bulk_create([User(username=f"viewer{i}", email=f"v{i}@example.test") for i in range(signed)])
user_ids = [u.pk for u in users]
anon = devices - signed
n = int(target / 2.8) + 1000  # ~2.8 events per view (impression, 90 % play, then one outcome)
video = rng.choice(len(pks), size=n, p=p)
# Heavy viewers: devices * u**2 (a few watch a lot, most a little), heavy ones spread over the ids.
device = rng.permutation(devices)[(devices * rng.random(n) ** 2).astype(np.int64)]
age_s = days * 86400 * rng.random(n) ** 1.5  # more recent activity than old
order = np.argsort(-age_s)
video, device, age_s = video[order], device[order], age_s[order]
played = rng.random(n) < 0.9
outcome = rng.choice([Event.Type.COMPLETE, Event.Type.SKIP, Event.Type.PROGRESS], size=n, p=[0.35, 0.4, 0.25])
frac = np.where(outcome == Event.Type.COMPLETE, rng.uniform(0.98, 1.3, n),
                np.where(outcome == Event.Type.SKIP, rng.uniform(0.02, 0.2, n), rng.uniform(0.2, 0.95, n)))
watch = (frac * dur_ms[video]).astype(np.int64)
now = timezone.now()
IMP, PLAY = Event.Type.IMPRESSION, Event.Type.PLAY
made = 0
batch = []
for i in range(n):
    d = int(device[i])
    if d < anon:
        who = {"device_id": f"benchdevice{d:06d}"}
    else:
        who = {"device_id": f"benchuserdev{d:06d}", "user_id": user_ids[(d - anon) % signed]}
    at = now - timedelta(seconds=float(age_s[i]))
    vid = int(pks[video[i]])
    batch.append(Event(video_id=vid, type=IMP, created_at=at, **who))
    if played[i]:
        w = int(watch[i])
        batch.append(Event(video_id=vid, type=PLAY, created_at=at + timedelta(milliseconds=300), **who))
        batch.append(Event(video_id=vid, type=int(outcome[i]), watch_ms=w,
                            created_at=at + timedelta(milliseconds=300 + w), **who))
    if len(batch) >= 50000 or made + len(batch) >= target:
        batch = batch[:target - made]
        with transaction.atomic():
            Event.objects.bulk_create(batch, batch_size=4000)
        made += len(batch)
        batch = []
        if made >= target:
            break
print("BENCH_EVENTS " + json.dumps({"events": made, "views": i + 1, "anonymous_devices": anon,
                                   "seconds": time.perf_counter() - started}))
"""


# What a kept data dir holds, for --reuse: its events, the anonymous devices among them, its model versions.
COUNTED = """
import json
from reelbox.feed.models import Event, RecModel
anonymous = Event.objects.filter(user__isnull=True).values("device_id").distinct().count()
print("BENCH_COUNTED " + json.dumps({"events": Event.objects.count(), "anonymous_devices": anonymous,
                                    "models": RecModel.objects.count()}))
"""


def warm_up(base: str, in_a_row: int = 40) -> float:
    """Until every web process has loaded the model. Each loads it in the background as it starts (1.5 s at
    100k videos, ~15 s at 1M) and serves cold pages meanwhile, fast, so page speed cannot tell; a page names
    the model that ranked it (``Reelbox-Model``), and ``in_a_row`` such pages, each on a new connection that
    any process may take, leave a process without the model a chance of 2^-40 with two. Returns the wait."""
    started = time.perf_counter()
    streak = n = 0
    while streak < in_a_row:
        if time.perf_counter() - started > 300:
            raise SystemExit("the web processes did not load the model within 300 s")
        r = httpx.get(base + "/api/v1/feed/foryou", cookies={"rb_device": f"benchdevice{n % 1000:06d}"}, timeout=60)
        n += 1
        streak = streak + 1 if "Reelbox-Model" in r.headers else 0
        if not streak:
            time.sleep(0.2)
    return time.perf_counter() - started


def prepare(videos: int, args: argparse.Namespace, stack: contextlib.ExitStack) -> tuple[dict, Path]:
    """A data dir for ``videos`` with its event log and a trained model: built, or reused with --reuse."""
    keep = f"{args.keep}-{videos}" if args.keep and args.compare else args.keep
    reuse = bool(keep and Path(keep).exists() and any(Path(keep).iterdir()))
    if reuse and not args.reuse:
        raise SystemExit(f"--keep: {keep} is not empty (--reuse measures on it as it is)")
    data = stack.enter_context(data_dir(keep))
    result: dict = {"videos": videos}
    if reuse:
        result["events"] = json.loads(shell(data, COUNTED).split("BENCH_COUNTED ", 1)[1])
        print(f"[{videos} videos] reusing {keep}: {result['events']['events']} events", flush=True)
    else:
        started = time.perf_counter()
        populate(data, videos, topics=args.topics)
        result["populate_s"] = time.perf_counter() - started
        print(f"[{videos} videos] populated in {result['populate_s']:.0f} s", flush=True)
    if args.events and not reuse:
        out = shell(data, EVENTS, events=args.events, devices=args.devices, days=args.days)
        result["events"] = json.loads(out.split("BENCH_EVENTS ", 1)[1])
        e = result["events"]
        print(f"[{videos} videos] {e['events']} events ({e['views']} views) in {e['seconds']:.0f} s", flush=True)
    if reuse and result["events"]["models"]:
        result["train"] = t = None
    else:
        result["train"] = t = train(data)
    if t:
        print(f"[{videos} videos] trained in {t['seconds']:.1f} s: {t['items']} items, {t['pairs']} viewer-video "
              f"pairs, {t['viewers']} viewers, model {t['model_bytes'] / 1e6:.1f} MB, peak RSS "
              f"{t['peak_rss_mb']:.0f} MB", flush=True)
    return result, data


def measure_round(base: str, result: dict, args: argparse.Namespace) -> None:
    """One measurement of each endpoint on one size's server, appended to its result's rounds."""
    rounds = result.setdefault("rounds", {})
    rounds.setdefault("trivial", []).append(load_wrk(base, "/api/v1/ping", args.clients, args.seconds, walk=False))
    rounds.setdefault("cold", []).append(load_wrk(base, "/api/v1/feed/foryou", args.clients, args.seconds, walk=True))
    if "events" in result:
        os.environ["BENCH_DEVICES"] = str(min(args.personal, result["events"]["anonymous_devices"]))
        rounds.setdefault("personal", []).append(load_wrk(base, "/api/v1/feed/foryou", args.clients, args.seconds,
                                                          "foryou_personal.lua"))


def run_sizes(sizes: list[int], args: argparse.Namespace) -> list[dict]:
    """Build every size, then serve them all at once and measure them in turn, --rounds times over: a machine
    whose speed drifts (other tenants, turbo) then slows every size alike, and each figure is the median of
    its rounds."""
    with contextlib.ExitStack() as stack:
        prepared = [prepare(n, args, stack) for n in sizes]
        bases = []
        for result, data in prepared:
            bases.append(stack.enter_context(serve(data, args)))
            result["warm_up_s"] = warm_up(bases[-1])
        load_before = os.getloadavg()[0]
        for _ in range(args.rounds):
            for (result, _data), base in zip(prepared, bases):
                measure_round(base, result, args)
        load_after = os.getloadavg()[0]
    results = []
    for result, _data in prepared:
        result["load_before"], result["load_after"] = load_before, load_after
        for key, runs in result["rounds"].items():
            result[key] = {m: statistics.median(run[m] for run in runs)
                           for m in ("requests", "rps", "p50_ms", "p99_ms")}
        results.append(result)
    return results


ROWS = (("trivial /api/v1/ping", "trivial"), ("For You, cold", "cold"), ("For You, with history", "personal"))


def report(results: list[dict], args: argparse.Namespace) -> None:
    print(f"\n{args.clients} concurrent clients, {args.seconds:.0f} s per endpoint, "
          + (f"median of {args.rounds} rounds (every size in turn each round; p99 range in brackets)"
             if args.rounds > 1 else "one round"))
    print(f"{'videos':>9}{'events':>9}  {'endpoint':<24}{'requests':>10}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}")
    first = results[0]
    print(f"1-min load {first['load_before']:.1f} before the measurements, {first['load_after']:.1f} after (2 cores)")
    for r in results:
        events = r.get("events", {}).get("events", 0)
        print(f"{r['videos']} videos: model loaded by the web processes in {r['warm_up_s']:.1f} s")
        for name, key in ROWS:
            if key in r:
                m = r[key]
                p99s = [run["p99_ms"] for run in r["rounds"][key]]
                spread = f"  [{min(p99s):.1f}-{max(p99s):.1f}]" if len(p99s) > 1 else ""
                print(f"{r['videos']:>9}{events:>9}  {name:<24}{int(m['requests']):>10}{m['rps']:>8.0f}"
                      f"{m['p50_ms']:>9.1f}{m['p99_ms']:>9.1f}{spread}")
    if len(results) > 1:
        small = results[0]
        for large in results[1:]:
            print(f"\nlatency ratio, {large['videos']} vs {small['videos']} videos (target within 20 %):")
            for name, key in ROWS[1:]:
                if key in small and key in large:
                    p50 = large[key]["p50_ms"] / small[key]["p50_ms"]
                    p99 = large[key]["p99_ms"] / small[key]["p99_ms"]
                    print(f"  {name:<24} p50 x{p50:.2f}  p99 x{p99:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--compare", type=lambda s: [int(x) for x in s.split(",")], metavar="N,M",
                        help="catalogue sizes, each in its own data dir, measured in turn")
    parser.add_argument("--events", type=int, default=0, help="events generated for each catalogue size")
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--days", type=float, default=14)
    parser.add_argument("--topics", type=int, default=500, help="distinct #topicN hashtags across the catalogue")
    parser.add_argument("--personal", type=int, default=2000,
                        help="viewers with history the personal clients rotate over (anonymous devices 0..N-1)")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1,
                        help="measure every size this many times, in turn, and report the medians")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", metavar="DIR", help="build the data dir here and keep it (bench/foryou_steps.py "
                        "reads it); with --compare, DIR-<videos> per size")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep, measure on data dirs kept by an earlier run (trained only if they hold no model)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk (Debian package `wrk`)")
    results = run_sizes(args.compare or [args.videos], args)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        report(results, args)


if __name__ == "__main__":
    main()
