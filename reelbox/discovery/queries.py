"""Permission-checked reads: tag pages, challenges and leaderboards, trends, search and suggestions.

Every video list goes through ``videos.queries.visible_to`` (privacy, blocks, moderation) and every person
through the block list, so nothing here decides who may see what on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from reelbox.discovery import hashtags as tags_mod
from reelbox.discovery import indexing, search, text
from reelbox.discovery.models import Challenge, Hashtag, SearchDoc, Trend
from reelbox.social import queries as social_queries
from reelbox.videos import queries as video_queries
from reelbox.videos.models import Video

MAX_PAGE = 50


def clamp(limit: int | None, default: int = 20) -> int:
    return max(1, min(int(limit or default), MAX_PAGE))


def parse_offset(cursor: str | None) -> int:
    try:
        return max(0, min(int(cursor or 0), 10_000))
    except ValueError:
        return 0


def _ordered(viewer, ids: list[int]) -> list[Video]:
    """The videos of ``ids`` the viewer may see, in the order given, with media for serialising."""
    rows = {v.pk: v for v in video_queries.with_media(video_queries.visible_to(viewer,
                                                                              Video.objects.filter(pk__in=ids)))}
    return [rows[pk] for pk in ids if pk in rows]


# ---- hashtags ------------------------------------------------------------------------------------------


def get_hashtag(name: str) -> Hashtag | None:
    return Hashtag.objects.filter(name=tags_mod.normalize(name)[:150]).first()


def tag_videos(viewer, tag: Hashtag):
    return video_queries.visible_to(viewer, Video.objects.filter(hashtag_links__hashtag=tag))


def tag_page(viewer, tag: Hashtag, order: str, cursor: str | None, limit: int) -> tuple[list[Video], str | None]:
    """A page of a tag's videos: "top" (most liked, then most viewed) or "newest"; the cursor is an offset."""
    limit, offset = clamp(limit), parse_offset(cursor)
    qs = tag_videos(viewer, tag)
    if order == "top":
        qs = qs.order_by("-like_count", "-view_count", "-pk")
    else:
        qs = qs.order_by("-created_at", "-pk")
    rows = list(video_queries.with_media(qs)[offset:offset + limit + 1])
    return rows[:limit], (str(offset + limit) if len(rows) > limit else None)


def tag_counts(viewer, tag: Hashtag) -> dict:
    agg = tag_videos(viewer, tag).aggregate(views=Sum("view_count"))
    return {"videos": tag_videos(viewer, tag).count(), "views": agg["views"] or 0}


# ---- challenges ----------------------------------------------------------------------------------------


def access_challenge(public_id: str) -> Challenge | None:
    return Challenge.objects.select_related("hashtag", "sponsor__user", "sound").filter(public_id=public_id).first()


def entries(viewer, challenge: Challenge):
    """The challenge's entries the viewer may see: videos posted with its hashtag while it ran."""
    return tag_videos(viewer, challenge.hashtag).filter(created_at__gte=challenge.starts_at,
                                                        created_at__lt=challenge.ends_at)


@dataclass
class Entry:
    rank: int
    video: Video
    score: float


def leaderboard(viewer, challenge: Challenge, limit: int = 20, offset: int = 0) -> list[Entry]:
    """Entries by engagement (completion-weighted views, likes, shares); ties go to the earlier entry."""
    rows = entries(viewer, challenge).values_list("pk", "view_count", "watch_ms_total", "duration", "like_count",
                                                  "share_count", "created_at")
    scored = sorted(((indexing.engagement(v, w, d, li, s), created, pk) for pk, v, w, d, li, s, created in rows),
                    key=lambda r: (-r[0], r[1], r[2]))
    page = scored[offset:offset + limit]
    videos = {v.pk: v for v in _ordered(viewer, [pk for _s, _c, pk in page])}
    return [Entry(offset + i + 1, videos[pk], score) for i, (score, _c, pk) in enumerate(page) if pk in videos]


def winners(viewer, challenge: Challenge) -> list[Entry]:
    rows = list(challenge.winners.all())
    videos = {v.pk: v for v in _ordered(viewer, [w.video_id for w in rows])}
    return [Entry(w.rank, videos[w.video_id], w.score) for w in rows if w.video_id in videos]


def challenge_state(challenge: Challenge, now=None) -> str:
    now = now or timezone.now()
    if now < challenge.starts_at:
        return "upcoming"
    return "active" if now < challenge.ends_at else "ended"


def challenge_stats(viewer, challenge: Challenge, now=None) -> dict:
    now = now or timezone.now()
    qs = entries(viewer, challenge)
    left = max(timedelta(0), challenge.ends_at - max(now, challenge.starts_at)) if now < challenge.ends_at \
        else timedelta(0)
    return {"entries": qs.count(), "participants": qs.values("author_id").distinct().count(),
            "state": challenge_state(challenge, now), "seconds_left": int(left.total_seconds())}


def challenges(*, featured: bool | None = None, state: str | None = None, limit: int = 20) -> list[Challenge]:
    now = timezone.now()
    qs = Challenge.objects.select_related("hashtag", "sponsor__user", "sound")
    if featured is not None:
        qs = qs.filter(featured=featured)
    if state == "active":
        qs = qs.filter(starts_at__lte=now, ends_at__gt=now)
    elif state == "upcoming":
        qs = qs.filter(starts_at__gt=now)
    elif state == "ended":
        qs = qs.filter(ends_at__lte=now)
    return list(qs.order_by("-featured", "ends_at" if state != "ended" else "-ends_at", "pk")[: clamp(limit)])


def challenge_video_boosts(cfg: dict, now=None) -> tuple[dict[int, float], dict[int, str]]:
    """Per video id: the For You boost its running challenges earn (CHALLENGE_BOOST for an entry, plus
    FEATURED_BOOST when featured), and the challenge's tag (the content feature of membership)."""
    now = now or timezone.now()
    boosts: dict[int, float] = {}
    tags: dict[int, str] = {}
    for ch in Challenge.objects.filter(starts_at__lte=now, ends_at__gt=now).select_related("hashtag"):
        boost = cfg["CHALLENGE_BOOST"] + (cfg["FEATURED_BOOST"] if ch.featured else 0.0)
        for pk in Video.objects.filter(hashtag_links__hashtag=ch.hashtag, created_at__gte=ch.starts_at,
                                       created_at__lt=ch.ends_at).values_list("pk", flat=True):
            boosts[pk] = max(boosts.get(pk, 0.0), boost)
            tags.setdefault(pk, ch.hashtag.name)
    return boosts, tags


# ---- trends --------------------------------------------------------------------------------------------


def scope_for(language: str | None) -> str:
    return (language or "").lower() or "global"


def trending(kind: str, scope: str = "global", limit: int = 10, fallback: bool = True) -> list[Trend]:
    """The scope's trends; with ``fallback``, the global ones when the scope has none."""
    rows = list(Trend.objects.filter(kind=kind, scope=scope).order_by("rank")[: clamp(limit)])
    if not rows and fallback and scope != "global":
        rows = list(Trend.objects.filter(kind=kind, scope="global").order_by("rank")[: clamp(limit)])
    return rows


def trending_hashtags(scope: str = "global", limit: int = 10, fallback: bool = True) -> list[Hashtag]:
    ids = [t.object_id for t in trending(Trend.Kind.HASHTAG, scope, limit, fallback)]
    found = Hashtag.objects.in_bulk(ids)
    out = [found[i] for i in ids if i in found]
    if fallback and len(out) < limit:  # a young site has no trends yet: the biggest tags fill in
        out += list(Hashtag.objects.exclude(pk__in=ids).filter(video_count__gt=0)
                    .order_by("-video_count", "name")[: limit - len(out)])
    return out


def trending_videos(viewer, scope: str = "global", limit: int = 12, fallback: bool = True) -> list[Video]:
    ids = [t.object_id for t in trending(Trend.Kind.VIDEO, scope, 3 * limit, fallback)]
    return _ordered(viewer, ids)[:limit]


def trending_sounds(scope: str = "global", limit: int = 10, fallback: bool = True) -> list:
    sound = indexing._model("studio.Sound")
    if sound is None:
        return []
    ids = [t.object_id for t in trending(Trend.Kind.SOUND, scope, limit, fallback)]
    found = sound.objects.in_bulk(ids)
    return [found[i] for i in ids if i in found]


# ---- search --------------------------------------------------------------------------------------------


def trim(q: str | None) -> str:
    """Any query is searchable: control characters dropped, trimmed to a sane length before any work."""
    q = (q or "")[: text.MAX_QUERY_CHARS * 2]
    return "".join(ch if ch.isprintable() else " " for ch in q).strip()[: text.MAX_QUERY_CHARS]


@dataclass
class Results:
    query: str
    corrected: str | None
    hits: list[search.Hit]


def _match(kind: str, query: str, limit: int, prefix: bool = True) -> Results:
    words = text.query_words(query)
    if not words:
        return Results(query, None, [])
    be = search.backend()
    hits = be.match(kind, [text.word_terms(w) for w in words], prefix, limit)
    if hits:
        return Results(query, None, hits)
    # Nothing: try the nearest indexed spelling of each word that has one (typo tolerance).
    fixed = [(search.corrections(w, 1) or [w])[0] for w in words]
    if fixed == words:
        return Results(query, None, [])
    return Results(query, " ".join(fixed), be.match(kind, [text.word_terms(w) for w in fixed], False, limit))


def search_videos(viewer, q: str, cursor: str | None = None, limit: int = 20) -> tuple[Results, list[Video], str | None]:
    limit, offset = clamp(limit), parse_offset(cursor)
    # Candidates beyond the page, since some may be hidden from this viewer.
    res = _match(SearchDoc.Kind.VIDEO, trim(q), min(2 * (offset + limit) + 20, 2000))
    ids = [h.object_id for h in res.hits]
    allowed = set(video_queries.visible_to(viewer, Video.objects.filter(pk__in=ids)).values_list("pk", flat=True))
    visible = [pk for pk in ids if pk in allowed]
    page = _ordered(viewer, visible[offset:offset + limit])
    return res, page, (str(offset + limit) if len(visible) > offset + limit else None)


def search_users(viewer, q: str, limit: int = 10) -> list:
    from reelbox.accounts.models import User

    res = _match(SearchDoc.Kind.USER, trim(q).lstrip("@"), 3 * clamp(limit) + 20)
    hidden = social_queries.blocked_ids(viewer.pk if viewer is not None and viewer.is_authenticated else None)
    ids = [h.object_id for h in res.hits if h.object_id not in hidden]
    found = User.objects.in_bulk(ids)
    return [found[i] for i in ids if i in found and found[i].is_active][: clamp(limit)]


def search_sounds(q: str, limit: int = 10) -> list:
    sound = indexing._model("studio.Sound")
    if sound is None:
        return []
    res = _match(SearchDoc.Kind.SOUND, trim(q), clamp(limit))
    found = sound.objects.in_bulk([h.object_id for h in res.hits])
    return [found[h.object_id] for h in res.hits if h.object_id in found]


def search_hashtags(q: str, limit: int = 10) -> list[Hashtag]:
    name = tags_mod.normalize(trim(q).lstrip("#＃"))[:150]
    if not name:
        return []
    return list(Hashtag.objects.filter(name__startswith=name, video_count__gt=0)
                .order_by("-video_count", "name")[: clamp(limit)])


def suggest(viewer, q: str, limit: int = 8) -> dict:
    """What to offer as the viewer types: tags, people and sounds starting with the text, and a spelling
    correction when nothing does. An empty box offers what is trending."""
    q = trim(q)
    if not q:
        return {"hashtags": trending_hashtags(limit=limit), "users": [], "sounds": [], "corrected": None}
    tags = search_hashtags(q, limit)
    users = _users_prefix(viewer, q.lstrip("@"), 4)
    sounds = []
    sound = indexing._model("studio.Sound")
    if sound is not None and not q.startswith(("#", "@")):
        sounds = list(sound.objects.filter(title__istartswith=q).order_by("-use_count")[:3])
    corrected = None
    if not (tags or users or sounds):
        words = text.query_words(q)
        best = search.corrections(words[-1], 1) if words else []
        corrected = " ".join(words[:-1] + best) if best else None
    return {"hashtags": tags, "users": users, "sounds": sounds, "corrected": corrected}


def _users_prefix(viewer, q: str, limit: int) -> list:
    from reelbox.accounts.models import User

    if not q:
        return []
    qs = User.objects.filter(Q(username__istartswith=q) | Q(display_name__istartswith=q), is_active=True)
    uid = viewer.pk if viewer is not None and viewer.is_authenticated else None
    if uid is not None:
        qs = qs.exclude(pk__in=social_queries.blocked_ids(uid))
    return list(qs.order_by("-follower_count", "username")[:limit])
