"""Search latency with 100k videos, on SQLite (FTS5) or PostgreSQL (full-text), against a trivial query.

    python bench/search.py [--videos 100000] [--queries 60] [--database-url postgres://...] [--json]

Without --database-url the run uses a fresh SQLite database in a temporary data dir; with one, the database
must be empty (e.g. ``createdb -h 127.0.0.1 -U postgres rbx_search_bench``): it is migrated and filled.

Rows are generated in bulk (videos, their search documents with the same encoded terms indexing writes,
the vocabulary): captions draw words from a Zipf-distributed 5,000-word vocabulary, one in ten is Chinese,
most carry hashtags. Each query kind runs ``--queries`` times through ``discovery.queries.search_videos`` as
an anonymous viewer (match, rank by relevance x engagement, visibility filter, load the page's videos); the
baseline loads one video by id through the same visibility filter. Prints p50/p99 per kind.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CJK = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理"
WORDS_N = 5000


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def make_words(rng):
    syll = ["ka", "lo", "mi", "ra", "te", "su", "no", "vi", "da", "pe", "zu", "go", "ri", "sha", "ben", "tor", "lin",
            "mar", "qui", "fel"]
    words = set()
    while len(words) < WORDS_N:
        words.add("".join(rng.choice(syll) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def setup(args):
    data = tempfile.mkdtemp(prefix="rbx-search-bench-")
    os.environ["REELBOX_DATA_DIR"] = data
    if args.database_url:
        os.environ["REELBOX_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelbox.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("reelbox").setLevel(logging.ERROR)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def fast_insert(model, rows: list[dict]) -> None:
    """Plain INSERTs with every column (defaults prepared once): the ORM's per-object cost would dominate."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for f in fields:
        if f.has_default() or not f.null:
            value = f.get_default() if f.has_default() else ("" if f.empty_strings_allowed else None)
        else:
            value = None
        defaults[f.attname] = value
    cols = [f.column for f in fields]
    prep = {f.attname: f for f in fields}
    sql = (f"INSERT INTO {model._meta.db_table} ({', '.join(connection.ops.quote_name(c) for c in cols)}) "
           f"VALUES ({', '.join(['%s'] * len(cols))})")
    consts = {name: prep[name].get_db_prep_save(v, connection) for name, v in defaults.items()
              if not callable(v)}
    data = []
    for row in rows:
        values = []
        for f in fields:
            if f.attname in row:
                v = row[f.attname]
                values.append(f.get_db_prep_save(v, connection) if not isinstance(v, (int, float, str)) else v)
            elif f.attname in consts:
                values.append(consts[f.attname])
            else:
                values.append(f.get_db_prep_save(f.get_default(), connection))
        data.append(values)
    with connection.cursor() as cur:
        cur.executemany(sql, data)


def generate(args, rng, words):
    from django.db import connection, transaction
    from django.utils import timezone

    from reelbox.accounts.models import User
    from reelbox.core.ids import public_id
    from reelbox.discovery import indexing, text
    from reelbox.discovery.models import SearchDoc, SearchTerm
    from reelbox.videos.models import Video

    pg = connection.vendor == "postgresql"
    if pg:  # building the GIN index once at the end is far cheaper than maintaining it row by row
        with connection.cursor() as cur:
            cur.execute("DROP INDEX IF EXISTS discovery_searchdoc_tsv")
    weights = [1.0 / (r + 1) for r in range(len(words))]
    users = User.objects.bulk_create([User(username=f"creator{i}", email=f"c{i}@example.test") for i in range(1000)])
    now = timezone.now()
    now_db = Video._meta.get_field("created_at").get_db_prep_save(now, connection)
    batch = 10_000
    df: dict[str, int] = {}
    cjk: list[str] = []
    for start in range(0, args.videos, batch):
        rows, docs = [], []
        for i in range(start, min(args.videos, start + batch)):
            if rng.random() < 0.1:
                cap = "".join(rng.choice(CJK) for _ in range(rng.randint(6, 14)))
                if len(cjk) < 500:
                    k = rng.randrange(len(cap) - 3)
                    cjk.append(cap[k:k + rng.randint(2, 3)])
            else:
                cap = " ".join(rng.choices(words, weights, k=rng.randint(4, 12)))
            tags = " ".join(rng.choices(words[:300], k=rng.randint(0, 3)))
            views = int(rng.paretovariate(1.2) * 10)
            rows.append({"public_id": public_id(), "author_id": users[i % len(users)].pk,
                         "caption": cap + " " + " ".join("#" + t for t in tags.split()), "status": "ready",
                         "duration": 15.0, "media_prefix": f"videos/b{i}", "view_count": views,
                         "watch_ms_total": views * 7000, "like_count": views // 20, "ready_at": now_db,
                         "created_at": now_db, "visibility": "private" if i % 50 == 0 else "public"})
            docs.append((f"videos/b{i}", text.encode_text(cap), text.encode_text(tags),
                         indexing.weight(indexing.engagement(views, views * 7000, 15.0, views // 20, 0))))
            for w in set(text.words(cap)):
                if len(w) >= 3 and not text.is_unspaced(w):
                    df[w] = df.get(w, 0) + 1
        with transaction.atomic():
            fast_insert(Video, rows)
            ids = dict(Video.objects.filter(media_prefix__in=[d[0] for d in docs]).values_list("media_prefix", "pk"))
            fast_insert(SearchDoc, [{"kind": "video", "video_id": ids[p], "title": t, "tags": g, "extra": "",
                                     "weight": w, "updated_at": now_db} for p, t, g, w in docs])
    SearchTerm.objects.bulk_create([SearchTerm(term=w, df=n) for w, n in df.items()], batch_size=5000,
                                   ignore_conflicts=True)
    if pg:
        from reelbox.discovery.search import postgres_statements

        with connection.cursor() as cur:
            for sql in postgres_statements():
                cur.execute(sql)
    return list(Video.objects.filter(visibility="public").values_list("pk", flat=True)[:5000]), cjk


def typo(word, rng):
    i = rng.randrange(len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def run(args):
    rng = random.Random(7)
    words = make_words(rng)
    setup(args)
    from django.contrib.auth.models import AnonymousUser
    from django.db import connection

    from reelbox.discovery import queries
    from reelbox.videos import queries as video_queries
    from reelbox.videos.models import Video

    t0 = time.perf_counter()
    pks, cjk = generate(args, rng, words)
    gen_s = time.perf_counter() - t0
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    anon = AnonymousUser()
    kinds = {
        "common word": lambda: words[rng.randrange(0, 5)],
        "mid word": lambda: words[rng.randrange(50, 300)],
        "rare word": lambda: words[rng.randrange(3000, 5000)],
        "two words": lambda: f"{words[rng.randrange(0, 100)]} {words[rng.randrange(100, 1000)]}",
        "prefix (typing)": lambda: words[rng.randrange(20, 500)][:3],
        "hashtag": lambda: "#" + words[rng.randrange(0, 300)],
        "chinese (part of a caption)": lambda: rng.choice(cjk),
        "typo (corrected)": lambda: typo(words[rng.randrange(100, 1000)], rng),
        "10 KB query": lambda: "x" * 10_000,
    }
    out = {"database": connection.vendor, "videos": Video.objects.count(), "generate_s": round(gen_s, 1),
           "kinds": {}}
    for _ in range(5):  # warm caches, the vocabulary and the query planner
        queries.search_videos(anon, words[0])
        queries.search_videos(anon, typo(words[200], rng))

    def timed(fn):
        t = time.perf_counter()
        fn()
        return (time.perf_counter() - t) * 1000

    base = [timed(lambda: list(video_queries.with_media(video_queries.visible_to(anon, Video.objects.filter(
        pk=rng.choice(pks)))))) for _ in range(args.queries * 3)]
    out["baseline"] = {"p50_ms": round(percentile(base, 50), 2), "p99_ms": round(percentile(base, 99), 2)}
    every = []
    for name, make in kinds.items():
        times, hits = [], []
        for _ in range(args.queries):
            q = make()
            t = time.perf_counter()
            _res, videos, _cur = queries.search_videos(anon, q, None, 20)
            times.append((time.perf_counter() - t) * 1000)
            hits.append(len(videos))
        every += times
        out["kinds"][name] = {"p50_ms": round(percentile(times, 50), 2), "p99_ms": round(percentile(times, 99), 2),
                              "mean_results": round(statistics.mean(hits), 1)}
    out["all"] = {"p50_ms": round(percentile(every, 50), 2), "p99_ms": round(percentile(every, 99), 2)}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out = run(args)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"search on {out['database']}: {out['videos']} videos (generated in {out['generate_s']} s)")
    print(f"  {'baseline: one video by id':28s} p50 {out['baseline']['p50_ms']:7.2f} ms   "
          f"p99 {out['baseline']['p99_ms']:7.2f} ms")
    for name, r in out["kinds"].items():
        print(f"  {name:28s} p50 {r['p50_ms']:7.2f} ms   p99 {r['p99_ms']:7.2f} ms   "
              f"{r['mean_results']:5.1f} results")
    print(f"  {'all queries':28s} p50 {out['all']['p50_ms']:7.2f} ms   p99 {out['all']['p99_ms']:7.2f} ms")


if __name__ == "__main__":
    main()
