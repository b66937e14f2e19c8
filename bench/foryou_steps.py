"""Where a personal For You page's time goes, step by step, in process (no HTTP), on a kept data dir.

    python bench/feed_scale.py --videos 100000 --events 1000000 --keep /tmp/reelbox-100k   # builds it once
    python bench/foryou_steps.py --data-dir /tmp/reelbox-100k [--pages 500]

Devices with history (those bench/feed_scale.py generated) walk their own pages with the cursor, in random
order, as bench/foryou_personal.lua does against a server; each step is timed where it is called, so nested
steps (``_rank`` inside ``recommend``) are included in their parent's figure too.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--devices", type=int, default=2000)
    args = parser.parse_args()
    os.environ.update(REELBOX_DATA_DIR=args.data_dir, DJANGO_SETTINGS_MODULE="reelbox.settings",
                      REELBOX_DEBUG="false")
    import django

    django.setup()
    from django.utils import translation

    from reelbox.feed import interests, queries, recommender, withheld
    from reelbox.recsys import engine
    from reelbox.videos import queries as video_queries

    translation.activate("en")
    if recommender.serving_engine(wait=True) is None:
        raise SystemExit("no trained model in this data dir (build it with bench/feed_scale.py --keep)")
    spent: collections.Counter = collections.Counter()

    def timed(owner, name: str) -> None:
        original = getattr(owner, name)

        def wrapper(*a, **k):
            started = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                spent[name] += time.perf_counter() - started

        setattr(owner, name, wrapper)

    for owner, name in [(video_queries, "serialize_many"), (withheld.Withheld, "current"),
                        (interests, "load_profile"), (engine.Engine, "recommend"), (engine.Engine, "_rank"),
                        (engine.Engine, "session_state")]:
        timed(owner, name)
    devices = [f"benchdevice{n:06d}" for n in range(args.devices)]
    cursors: dict[str, str | None] = {}
    rng = random.Random(1)

    def walk(pages: int) -> None:
        for _ in range(pages):
            device = rng.choice(devices)
            _items, cursors[device] = queries.foryou_page(queries.Who(None, device, False), cursors.get(device))

    walk(100)  # caches and the model's lazy parts, as in a warm server
    spent.clear()
    started = time.perf_counter()
    walk(args.pages)
    total = time.perf_counter() - started
    print(f"{args.pages} personal pages over {args.devices} devices: {total / args.pages * 1000:.2f} ms per page")
    for name, seconds in spent.most_common():
        print(f"  {name:<24}{seconds / args.pages * 1000:6.2f} ms")


if __name__ == "__main__":
    main()
