"""Social writes under 32 concurrent users: likes, comments and follows, then a check that nothing was lost.

    python bench/social.py [--duration 60] [--users 32] [--videos 20] [--web-workers 2] [--threads 2]
                           [--driver wrk|python] [--json]

Each user toggles likes on random videos, comments (paced under the comment rate limit, one per 2.1 s) and
toggles follows on random creators. Prints throughput and p50/p99 latency per action, then verifies zero lost
writes: every counter (like_count, comment_count, follower_count, following_count) equals its rows, and the
rows equal what the clients were told succeeded.

The load comes from ``wrk`` with bench/social.lua (one wrk thread and connection per user) when wrk is
installed, else (or with ``--driver python``) from an asyncio/httpx loop in this process. On a small machine the
load generator shares the CPUs with the server: wrk costs it far less than Python does. wrk stops mid-request at
the end of the run; a user's one unanswered request may or may not have been written, and the check accepts
either outcome for that one (user, target) pair only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import subprocess
import tempfile
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._server import bench_env, data_dir, manage, percentile, server  # noqa: E402

POPULATE = """
import json, secrets
from django.utils import timezone
from reelbox.accounts.models import ApiToken, User
from reelbox.videos.models import Rendition, Video
creators = [User.objects.create(username=f"creator{i}", email=f"c{i}@example.test") for i in range(__CREATORS__)]
now = timezone.now()
videos = [Video.objects.create(author=creators[i % len(creators)], caption=f"bench video {i}", status="ready",
                               duration=15.0, width=720, height=1280, fps=30, media_prefix=f"videos/s{i}",
                               poster_path=f"videos/s{i}/poster.jpg", hls_path=f"videos/s{i}/master.m3u8",
                               ready_at=now)
          for i in range(__VIDEOS__)]
Rendition.objects.bulk_create([Rendition(video=v, height=720, width_px=720, height_px=1280, bitrate=1_500_000,
                                         mp4_path=f"{v.media_prefix}/720.mp4", hls_path=f"{v.media_prefix}/720/i.m3u8")
                               for v in videos])
tokens = []
for i in range(__USERS__):
    user = User.objects.create(username=f"fan{i}", email=f"f{i}@example.test")
    key = "rbx_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=ApiToken.hash_key(key))
    tokens.append(key)
print(json.dumps({"tokens": tokens, "videos": [v.public_id for v in videos],
                  "creators": [c.username for c in creators]}))
"""

VERIFY = """
import json
from reelbox.accounts.models import User
from reelbox.social.models import Comment, Follow, Like
from reelbox.videos.models import Video
bad = []
for v in Video.objects.all():
    likes = Like.objects.filter(video=v).count()
    comments = Comment.objects.filter(video=v).count()
    if v.like_count != likes or v.comment_count != comments:
        bad.append(f"video {v.public_id}: like_count {v.like_count} vs {likes} rows, "
                   f"comment_count {v.comment_count} vs {comments} rows")
for u in User.objects.all():
    followers = Follow.objects.filter(followee=u, status="accepted").count()
    following = Follow.objects.filter(follower=u, status="accepted").count()
    if u.follower_count != followers or u.following_count != following:
        bad.append(f"user {u.username}: follower_count {u.follower_count} vs {followers}, "
                   f"following_count {u.following_count} vs {following}")
print(json.dumps({"mismatches": bad, "likes": sorted(Like.objects.values_list("user__username", "video__public_id")),
                  "comments": Comment.objects.count(),
                  "follows": sorted(Follow.objects.values_list("follower__username", "followee__username"))}))
"""

COMMENT_EVERY_S = 2.1  # under the "comment" rate limit (30 a minute per user)


class User:
    def __init__(self, index: int, token: str):
        self.name = f"fan{index}"
        self.headers = {"Authorization": f"Bearer {token}"}
        self.liked: set[str] = set()
        self.following: set[str] = set()
        self.comments = 0
        self.next_comment = 0.0


async def user_loop(http, user: User, videos, creators, stop_at, stats, rng: random.Random):
    while time.perf_counter() < stop_at:
        now = time.perf_counter()
        roll = rng.random()
        if now >= user.next_comment and roll < 0.25:
            action, video = "comment", rng.choice(videos)
            request = http.post(f"/api/v1/videos/{video}/comments", headers=user.headers,
                                json={"text": f"bench comment from {user.name} @{rng.choice(creators)}"})
            user.next_comment = now + COMMENT_EVERY_S
        elif roll < 0.7:
            video = rng.choice(videos)
            action = "unlike" if video in user.liked else "like"
            method = http.delete if action == "unlike" else http.post
            request = method(f"/api/v1/videos/{video}/like", headers=user.headers)
        else:
            creator = rng.choice(creators)
            action = "unfollow" if creator in user.following else "follow"
            method = http.delete if action == "unfollow" else http.post
            request = method(f"/api/v1/users/{creator}/follow", headers=user.headers)
        start = time.perf_counter()
        try:
            response = await request
        except httpx.HTTPError as exc:
            stats[action]["errors"].append(repr(exc))
            continue
        stats[action]["latencies"].append(time.perf_counter() - start)
        if response.status_code >= 400:
            stats[action]["errors"].append(f"{response.status_code} {response.text[:200]}")
            continue
        # Only what the server confirmed counts as written.
        if action == "like":
            user.liked.add(video)
        elif action == "unlike":
            user.liked.discard(video)
        elif action == "follow":
            user.following.add(creator)
        elif action == "unfollow":
            user.following.discard(creator)
        else:
            user.comments += 1


async def load(base, tokens, videos, creators, seconds) -> tuple[dict, list[User], float]:
    stats = defaultdict(lambda: {"latencies": [], "errors": []})
    users = [User(i, t) for i, t in enumerate(tokens)]
    limits = httpx.Limits(max_connections=len(users), max_keepalive_connections=len(users))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        start = time.perf_counter()
        await asyncio.gather(*(user_loop(http, u, videos, creators, start + seconds, stats, random.Random(i))
                               for i, u in enumerate(users)))
        elapsed = time.perf_counter() - start
    return stats, users, elapsed


def shell(data: Path, code: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "reelbox.cli", "manage", "shell", "-c", code], env=bench_env(data),
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


class Outcome:
    """What the load generator saw: per-action latencies and errors, and the writes the server confirmed."""

    def __init__(self):
        self.stats = defaultdict(lambda: {"latencies": [], "errors": []})
        self.likes: set[tuple[str, str]] = set()
        self.follows: set[tuple[str, str]] = set()
        self.comments = 0
        # (user, action, target) sent but unanswered when the run stopped.
        self.pending: list[tuple[str, str, str]] = []
        self.socket_errors: dict = {}
        self.elapsed = 0.0
        # CPU seconds the load generator itself used (user + system): what it took from the server's cores.
        self.load_cpu_s = 0.0


def cpu_s(who) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def drive_python(base, setup, seconds) -> Outcome:
    before = cpu_s(resource.RUSAGE_SELF)
    stats, users, elapsed = asyncio.run(load(base, setup["tokens"], setup["videos"], setup["creators"], seconds))
    out = Outcome()
    out.load_cpu_s = cpu_s(resource.RUSAGE_SELF) - before
    out.stats, out.elapsed = stats, elapsed
    out.likes = {(u.name, v) for u in users for v in u.liked}
    out.follows = {(u.name, c) for u in users for c in u.following}
    out.comments = sum(u.comments for u in users)
    return out


def drive_wrk(base, setup, seconds) -> Outcome:
    users = len(setup["tokens"])
    with tempfile.TemporaryDirectory(prefix="reelbox-wrk-") as tmp:
        setup_file, out_file = Path(tmp) / "setup.txt", Path(tmp) / "out.txt"
        setup_file.write_text("\n".join([",".join(setup["videos"]), ",".join(setup["creators"]), *setup["tokens"]])
                              + "\n")
        env = os.environ | {"SOCIAL_BENCH_SETUP": str(setup_file), "SOCIAL_BENCH_OUT": str(out_file)}
        before = cpu_s(resource.RUSAGE_CHILDREN)
        subprocess.run([shutil.which("wrk"), f"-t{users}", f"-c{users}", f"-d{seconds:g}s", "--timeout", "60s",
                        "-s", str(Path(__file__).with_name("social.lua")), base],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        load_cpu_s = cpu_s(resource.RUSAGE_CHILDREN) - before
        lines = out_file.read_text().splitlines()
    out = Outcome()
    out.load_cpu_s = load_cpu_s
    for line in lines:
        kind, _sep, rest = line.partition(" ")
        if kind == "D":
            duration_us, connect, read, write, timeout = map(int, rest.split())
            out.elapsed = duration_us / 1e6
            out.socket_errors = {k: v for k, v in
                                 {"connect": connect, "read": read, "write": write, "timeout": timeout}.items() if v}
        elif kind == "L":
            action, latency_us, status = rest.split()
            if int(status) < 400:
                out.stats[action]["latencies"].append(int(latency_us) / 1e6)
            else:
                out.stats[action]["errors"].append(status)
        elif kind == "E":
            action, _sep, text = rest.partition(" ")
            out.stats[action]["errors"].insert(0, text)
            out.stats[action]["errors"].pop()  # the L line already counted it; keep the text first
        elif kind == "LIKE":
            out.likes.add(tuple(rest.split()))
        elif kind == "FOLLOW":
            out.follows.add(tuple(rest.split()))
        elif kind == "COMMENTS":
            out.comments += int(rest.split()[1])
        elif kind == "PENDING":
            out.pending.append(tuple(rest.split()))
    return out


def lost_writes(db: dict, outcome: Outcome) -> list[str]:
    lost = list(db["mismatches"])
    likes, follows = {tuple(p) for p in db["likes"]}, {tuple(p) for p in db["follows"]}
    # A request unanswered at the end may have been written or not: that one pair may go either way.
    open_likes = {(u, t) for u, a, t in outcome.pending if a in ("like", "unlike")}
    open_follows = {(u, t) for u, a, t in outcome.pending if a in ("follow", "unfollow")}
    open_comments = sum(1 for _u, a, _t in outcome.pending if a == "comment")
    if likes - open_likes != outcome.likes - open_likes:
        lost.append(f"like rows {len(likes)} != confirmed likes {len(outcome.likes)}")
    if follows - open_follows != outcome.follows - open_follows:
        lost.append(f"follow rows {len(follows)} != confirmed follows {len(outcome.follows)}")
    if not outcome.comments <= db["comments"] <= outcome.comments + open_comments:
        lost.append(f"comment rows {db['comments']} != confirmed comments {outcome.comments}")
    return lost


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--videos", type=int, default=20)
    parser.add_argument("--creators", type=int, default=8)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--driver", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python",
                        help="what generates the load (default: wrk when installed)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    drive = drive_wrk if args.driver == "wrk" else drive_python
    with data_dir() as data:
        manage(data, "migrate", "--verbosity", "0")
        setup = shell(data, POPULATE.replace("__USERS__", str(args.users)).replace("__VIDEOS__", str(args.videos))
                      .replace("__CREATORS__", str(args.creators)))
        with server(data, "--no-worker", "--web-workers", str(args.web_workers), "--threads", str(args.threads)) as base:
            outcome = drive(base, setup, args.duration)
        db = shell(data, VERIFY)

    elapsed = outcome.elapsed
    lost = lost_writes(db, outcome)
    actions = {}
    for name, s in sorted(outcome.stats.items()):
        lat = s["latencies"]
        actions[name] = {"requests": len(lat), "rps": len(lat) / elapsed, "p50_ms": percentile(lat, 50) * 1000,
                         "p99_ms": percentile(lat, 99) * 1000, "errors": len(s["errors"]),
                         "first_error": s["errors"][0] if s["errors"] else None}
    total = sum(a["requests"] for a in actions.values())
    every = [x for s in outcome.stats.values() for x in s["latencies"]]
    result = {"driver": args.driver, "users": args.users, "videos": args.videos, "duration_s": elapsed,
              "total_rps": total / elapsed, "p99_ms": percentile(every, 99) * 1000, "actions": actions,
              "load_cpu_s": outcome.load_cpu_s, "load_cpu_ms_per_request": outcome.load_cpu_s * 1000 / max(total, 1),
              "socket_errors": outcome.socket_errors, "unanswered_at_end": len(outcome.pending), "lost_writes": lost,
              "rows": {"likes": len(db["likes"]), "comments": db["comments"], "follows": len(db["follows"])}}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.users} users ({args.driver}), {args.videos} videos, {elapsed:.0f} s, "
              f"{args.web_workers} web workers x {args.threads} threads")
        print(f"{'action':<10}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
        for name, a in actions.items():
            print(f"{name:<10}{a['requests']:>10}{a['rps']:>10.1f}{a['p50_ms']:>10.1f}{a['p99_ms']:>10.1f}{a['errors']:>8}")
            if a["first_error"]:
                print(f"    first error: {a['first_error']}")
        print(f"{'all':<10}{total:>10}{total / elapsed:>10.1f}{'':>10}{result['p99_ms']:>10.1f}")
        print(f"load generator CPU: {outcome.load_cpu_s:.2f} s ({result['load_cpu_ms_per_request']:.2f} ms a request)")
        if outcome.socket_errors:
            print(f"socket errors: {outcome.socket_errors}")
        print(f"rows at the end: {result['rows']}; unanswered when the run stopped: {len(outcome.pending)}")
        print("lost writes: none (every counter equals its rows; rows equal confirmed writes)" if not lost
              else "LOST WRITES:\n  " + "\n  ".join(lost))
    if lost or outcome.socket_errors or any(a["errors"] for a in actions.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
