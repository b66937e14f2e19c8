"""Trending hashtags, sounds and videos: hourly counts, an exponentially decayed recent rate, compared with
each item's own baseline rate, so a small tag that is taking off beats a big one that is merely steady.

    recent   = sum_h<R c[h] d^h / sum_h<R d^h          (d = 2^(-1/half-life), h = hours ago)
    baseline = sum_h>=R c[h] / (W - R)                 (the item's usual hourly rate before)
    score    = (recent - baseline) / sqrt(baseline + 1)  (a Poisson z-score: rises stand out, size does not)

Activity is a play (feed.Event PLAY) of a video; a tag or sound also counts each new video using it as
POST_WEIGHT plays. Scopes: "global", each video language ("und" when unknown), and "region:XX" for each
country: there a play counts toward the viewer's region (Event.region), a new post toward the video's
(Video.region, the creator's); activity of no known region has no region scope.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone

from reelbox.discovery import indexing
from reelbox.discovery.models import Trend, VideoHashtag

log = logging.getLogger("reelbox.discovery")

POST_WEIGHT = 10.0


def scores(series: np.ndarray, recent_h: int, half_life_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(score, recent rate, baseline rate) per row of ``series`` (items x hours ago)."""
    w = series.shape[1]
    decay = 2.0 ** (-np.arange(recent_h) / half_life_h)
    recent = series[:, :recent_h] @ decay / decay.sum()
    baseline = series[:, recent_h:].sum(axis=1) / max(w - recent_h, 1)
    return (recent - baseline) / np.sqrt(baseline + 1.0), recent, baseline


def _hour_index(now, when) -> int:
    return int((now - when).total_seconds() // 3600)


def region_scope(code: str) -> str:
    return f"region:{code}"


def compute(now=None) -> list[Trend]:
    from reelbox.feed.models import Event
    from reelbox.videos.models import Video

    cfg = settings.REELBOX["DISCOVERY"]
    now = now or timezone.now()
    hours, recent_h = int(cfg["WINDOW_H"]), int(cfg["RECENT_H"])
    start = now - timedelta(hours=hours)
    # Counting windows end at `now` (not the clock hour) so a burst in the last minutes already counts.
    # One query for every scope: plays by video, hour and viewer region.
    plays = (Event.objects.filter(type=Event.Type.PLAY, created_at__gte=start, created_at__lte=now)
             .annotate(h=TruncHour("created_at")).values("video_id", "h", "region").annotate(n=Count("id")))
    video_series: dict[int, np.ndarray] = defaultdict(lambda: np.zeros(hours))
    # video -> viewer region -> hourly plays from that region
    region_series: dict[int, dict[str, np.ndarray]] = defaultdict(lambda: defaultdict(lambda: np.zeros(hours)))
    for row in plays.iterator(chunk_size=5000):
        h = min(hours - 1, max(0, _hour_index(now, row["h"])))
        video_series[row["video_id"]][h] += row["n"]
        if row["region"]:
            region_series[row["video_id"]][row["region"]][h] += row["n"]
    posts = Video.objects.filter(created_at__gte=start, created_at__lte=now).values_list("pk", "created_at")
    posted_at = {pk: min(hours - 1, _hour_index(now, at)) for pk, at in posts.iterator(chunk_size=5000)}

    ids = set(video_series) | set(posted_at)
    language: dict[int, str] = {}
    region: dict[int, str] = {}
    for pk, lang, reg in Video.objects.filter(pk__in=ids).values_list("pk", "language", "region"):
        language[pk], region[pk] = lang, reg
    tags: dict[int, list[int]] = defaultdict(list)
    for vid, tag in VideoHashtag.objects.filter(video_id__in=ids).values_list("video_id", "hashtag_id"):
        tags[vid].append(tag)
    sound_of: dict[int, int] = {}
    link = indexing._model("studio.VideoSound")
    if link is not None:
        sound_of = dict(link.objects.filter(video_id__in=ids).values_list("video_id", "sound_id"))

    # (kind, scope) -> object id -> hourly series
    table: dict[tuple[str, str], dict[int, np.ndarray]] = defaultdict(lambda: defaultdict(lambda: np.zeros(hours)))

    def add(scope: str, vid: int, s: np.ndarray | None, posted: int | None) -> None:
        if s is not None:
            table[(Trend.Kind.VIDEO, scope)][vid] += s
        for kind, keys in ((Trend.Kind.HASHTAG, tags.get(vid, ())),
                           (Trend.Kind.SOUND, [sound_of[vid]] if vid in sound_of else ())):
            for key in keys:
                series = table[(kind, scope)][key]
                if s is not None:
                    series += s
                if posted is not None:
                    series[posted] += POST_WEIGHT

    for vid in ids:
        s, posted = video_series.get(vid), posted_at.get(vid)
        for scope in ("global", (language.get(vid) or "und").lower()):
            add(scope, vid, s, posted)
        # Plays count where the viewers are; the post itself where its creator is.
        own = region.get(vid) or ""
        by_region = region_series.get(vid, {})
        for code in set(by_region) | ({own} if own and posted is not None else set()):
            add(region_scope(code), vid, by_region.get(code), posted if code == own else None)

    out: list[Trend] = []
    for (kind, scope), items in table.items():
        keys = list(items)
        matrix = np.vstack([items[k] for k in keys])
        score, recent, baseline = scores(matrix, recent_h, float(cfg["RECENT_HALF_LIFE_H"]))
        raw_recent = matrix[:, :recent_h].sum(axis=1)
        ok = np.flatnonzero((score > 0) & (raw_recent >= cfg["MIN_RECENT"]))
        best = ok[np.lexsort((np.array(keys)[ok], -score[ok]))][: cfg["TRENDS_PER_SCOPE"]]
        out += [Trend(kind=kind, scope=scope, object_id=int(keys[i]), rank=r + 1, score=float(score[i]),
                      recent=float(recent[i]), baseline=float(baseline[i]), computed_at=now)
                for r, i in enumerate(best)]
    return out


def recompute(now=None) -> int:
    """Replace every scope's trends at once; refresh the search weights of videos watched lately."""
    from reelbox.feed.models import Event

    now = now or timezone.now()
    rows = compute(now)
    with transaction.atomic():
        Trend.objects.all().delete()
        Trend.objects.bulk_create(rows, batch_size=1000)
    active = (Event.objects.filter(created_at__gte=now - timedelta(seconds=2 * settings.REELBOX["DISCOVERY"]
                                                                   ["TRENDS_S"]))
              .values_list("video_id", flat=True).distinct())
    indexing.refresh_weights(set(active[:20_000]))
    log.info("trends recomputed: %d rows", len(rows))
    return len(rows)

