"""The discovery API: hashtags, challenges and leaderboards, trends, search and suggestions."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from reelbox.accounts.api import PersonOut
from reelbox.accounts.queries import person
from reelbox.core import ratelimit, regions
from reelbox.core.auth import TokenOrSession, resolve_user
from reelbox.core.errors import ApiError, NotFound
from reelbox.discovery import actions, queries
from reelbox.discovery.trends import region_scope
from reelbox.videos import queries as video_queries
from reelbox.videos.api import VideoOut

router = Router(tags=["discovery"])
AUTH = TokenOrSession()


class HashtagOut(Schema):
    name: str
    display: str
    video_count: int
    url: str


class CountsOut(Schema):
    videos: int
    views: int


class SponsorOut(Schema):
    username: str
    display_name: str
    url: str
    website: str


class SoundOut(Schema):
    id: str
    title: str
    artist: str
    use_count: int


class ChallengeOut(Schema):
    id: str
    title: str
    rules: str
    hashtag: HashtagOut
    cover_url: str | None
    starts_at: datetime
    ends_at: datetime
    # "upcoming", "active" or "ended"
    state: str
    seconds_left: int
    entries: int
    participants: int
    featured: bool
    sponsor: SponsorOut | None
    sound: SoundOut | None
    url: str


class ChallengeBrief(Schema):
    id: str
    title: str
    state: str
    url: str


class TagPageOut(Schema):
    hashtag: HashtagOut
    counts: CountsOut
    challenge: ChallengeBrief | None
    items: list[VideoOut]
    next_cursor: str | None


class ChallengeIn(Schema):
    hashtag: str
    title: str
    rules: str = ""
    starts_at: datetime
    ends_at: datetime
    # A brand account's username; shown as "Sponsored" with its link.
    sponsor: str | None = None
    sound_id: str | None = None
    featured: bool = False


class ChallengeUpdate(Schema):
    title: str | None = None
    rules: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    featured: bool | None = None


class ChallengePage(Schema):
    items: list[ChallengeOut]


class EntryOut(Schema):
    rank: int
    score: float
    video: VideoOut


class LeaderboardOut(Schema):
    # True once the challenge ended and its winners are frozen: items are the winners.
    final: bool
    items: list[EntryOut]
    next_cursor: str | None


class TrendsOut(Schema):
    scope: str
    hashtags: list[HashtagOut]
    sounds: list[SoundOut]
    videos: list[VideoOut]


class SearchOut(Schema):
    query: str
    # The spelling searched instead, when the query as typed found nothing.
    corrected: str | None
    videos: list[VideoOut]
    users: list[PersonOut]
    sounds: list[SoundOut]
    hashtags: list[HashtagOut]
    next_cursor: str | None


class SuggestOut(Schema):
    hashtags: list[HashtagOut]
    users: list[PersonOut]
    sounds: list[SoundOut]
    corrected: str | None


def hashtag_out(tag) -> dict:
    return {"name": tag.name, "display": tag.display, "video_count": tag.video_count,
            "url": reverse("discovery:tag", args=[tag.name])}


def sound_out(sound) -> dict:
    return {"id": sound.public_id, "title": sound.title, "artist": sound.artist, "use_count": sound.use_count}


def challenge_out(viewer, ch) -> dict:
    stats = queries.challenge_stats(viewer, ch)
    sponsor = None
    if ch.sponsor is not None:
        u = ch.sponsor.user
        sponsor = {"username": u.username, "display_name": u.shown_name, "website": ch.sponsor.website,
                   "url": reverse("accounts:profile", args=[u.username])}
    return {"id": ch.public_id, "title": ch.title, "rules": ch.rules, "hashtag": hashtag_out(ch.hashtag),
            "cover_url": ch.cover.url if ch.cover else None, "starts_at": ch.starts_at, "ends_at": ch.ends_at,
            "state": stats["state"], "seconds_left": stats["seconds_left"], "entries": stats["entries"],
            "participants": stats["participants"], "featured": ch.featured, "sponsor": sponsor,
            "sound": sound_out(ch.sound) if ch.sound_id else None,
            "url": reverse("discovery:challenge", args=[ch.public_id])}


def _challenge(public_id: str):
    ch = queries.access_challenge(public_id)
    if ch is None:
        raise NotFound(_("No such challenge."), "not_found")
    return ch


def _limit(request) -> None:
    user = resolve_user(request)
    ratelimit.hit(request, "search", f"u{user.pk}" if user.is_authenticated else ratelimit.client_ip(request))


@router.get("/hashtags/{name}", auth=None, response=TagPageOut)
def hashtag(request, name: str, order: str = "top", cursor: str | None = None, limit: int = 20):
    viewer = resolve_user(request)
    tag = queries.get_hashtag(name)
    if tag is None:
        raise NotFound(_("No such hashtag."), "not_found")
    if order not in ("top", "newest"):
        raise ApiError(_("order: one of top, newest."), "invalid_order")
    videos, next_cursor = queries.tag_page(viewer, tag, order, cursor, limit)
    current = next((c for c in tag.challenges.order_by("-ends_at")), None)
    return {"hashtag": hashtag_out(tag), "counts": queries.tag_counts(viewer, tag),
            "challenge": {"id": current.public_id, "title": current.title,
                          "state": queries.challenge_state(current),
                          "url": reverse("discovery:challenge", args=[current.public_id])} if current else None,
            "items": [video_queries.serialize(v) for v in videos], "next_cursor": next_cursor}


@router.get("/challenges", auth=None, response=ChallengePage)
def list_challenges(request, state: str | None = None, featured: bool | None = None, limit: int = 20):
    viewer = resolve_user(request)
    return {"items": [challenge_out(viewer, c) for c in queries.challenges(featured=featured, state=state,
                                                                          limit=limit)]}


@router.post("/challenges", auth=AUTH, response={201: ChallengeOut})
def create_challenge(request, payload: ChallengeIn):
    ch = actions.create_challenge(request.auth, **payload.dict())
    return Status(201, challenge_out(request.auth, queries.access_challenge(ch.public_id)))


@router.get("/challenges/{challenge_id}", auth=None, response=ChallengeOut)
def get_challenge(request, challenge_id: str):
    return challenge_out(resolve_user(request), _challenge(challenge_id))


@router.patch("/challenges/{challenge_id}", auth=AUTH, response=ChallengeOut)
def update_challenge(request, challenge_id: str, payload: ChallengeUpdate):
    ch = actions.update_challenge(request.auth, _challenge(challenge_id), **payload.dict())
    return challenge_out(request.auth, ch)


@router.post("/challenges/{challenge_id}/cover", auth=AUTH, response=ChallengeOut)
def upload_cover(request, challenge_id: str, file: File[UploadedFile]):
    ch = actions.set_cover(request.auth, _challenge(challenge_id), file)
    return challenge_out(request.auth, ch)


@router.get("/challenges/{challenge_id}/leaderboard", auth=None, response=LeaderboardOut)
def leaderboard(request, challenge_id: str, cursor: str | None = None, limit: int = 20):
    viewer = resolve_user(request)
    ch = _challenge(challenge_id)
    actions.finalize(ch)  # winners freeze at the end even before the sweep comes by
    if ch.finalized_at is not None:
        rows, next_cursor = queries.winners(viewer, ch), None
    else:
        limit, offset = queries.clamp(limit), queries.parse_offset(cursor)
        rows = queries.leaderboard(viewer, ch, limit + 1, offset)
        next_cursor = str(offset + limit) if len(rows) > limit else None
        rows = rows[:limit]
    return {"final": ch.finalized_at is not None, "next_cursor": next_cursor,
            "items": [{"rank": e.rank, "score": e.score, "video": video_queries.serialize(e.video)} for e in rows]}


@router.get("/trends", auth=None, response=TrendsOut)
def trends(request, scope: str = "global", region: str | None = None, limit: int = 10):
    viewer = resolve_user(request)
    if region is None and scope.lower().startswith("region:"):
        region = scope.partition(":")[2]
    code = regions.check(region)
    if code:
        # A region's own trends only, even when empty: a client shows the section only when it has items.
        scope, fallback = region_scope(code), False
    else:
        scope, fallback = queries.scope_for(scope if scope != "global" else "")[:20], True
    return {"scope": scope,
            "hashtags": [hashtag_out(t) for t in queries.trending_hashtags(scope, limit, fallback)],
            "sounds": [sound_out(s) for s in queries.trending_sounds(scope, limit, fallback)],
            "videos": [video_queries.serialize(v)
                       for v in queries.trending_videos(viewer, scope, limit, fallback)]}


@router.get("/search", auth=None, response=SearchOut)
def search(request, q: str = "", type: str = "all", cursor: str | None = None, limit: int = 20):
    if type not in ("all", "videos", "users", "sounds", "hashtags"):
        raise ApiError(_("type: one of all, videos, users, sounds, hashtags."), "invalid_type")
    _limit(request)
    viewer = resolve_user(request)
    q = queries.trim(q)
    out = {"query": q, "corrected": None, "videos": [], "users": [], "sounds": [], "hashtags": [],
           "next_cursor": None}
    if not q:  # an empty box shows what is trending
        out["hashtags"] = [hashtag_out(t) for t in queries.trending_hashtags(limit=10)]
        out["videos"] = [video_queries.serialize(v) for v in queries.trending_videos(viewer, limit=limit)]
        return out
    if type in ("all", "videos"):
        res, videos, out["next_cursor"] = queries.search_videos(viewer, q, cursor, limit)
        out["corrected"] = res.corrected
        out["videos"] = [video_queries.serialize(v) for v in videos]
    if type in ("all", "users"):
        out["users"] = [person(u) for u in queries.search_users(viewer, q, 10 if type == "all" else limit)]
    if type in ("all", "sounds"):
        out["sounds"] = [sound_out(s) for s in queries.search_sounds(q, 10 if type == "all" else limit)]
    if type in ("all", "hashtags"):
        out["hashtags"] = [hashtag_out(t) for t in queries.search_hashtags(q, 10 if type == "all" else limit)]
    return out


@router.get("/search/suggest", auth=None, response=SuggestOut)
def suggest(request, q: str = ""):
    _limit(request)
    s = queries.suggest(resolve_user(request), q)
    return {"hashtags": [hashtag_out(t) for t in s["hashtags"]], "users": [person(u) for u in s["users"]],
            "sounds": [sound_out(x) for x in s["sounds"]], "corrected": s["corrected"]}
