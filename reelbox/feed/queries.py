"""Reads for the feeds: For You (the recommender), Following, and the viewer's interests.

Viewers with a history get a page ranked by the engine for them (reelbox.feed.interests rebuilds their state
from the event log on each request); cold viewers walk a shared, cached list of trending videos interleaved
with new ones being explored. The cursor is signed and carries what this session has already been shown, so
no video repeats within a session without any server-side session state.
"""

from __future__ import annotations

import base64
import itertools
import struct
import zlib
import json
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core import signing
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from reelbox.core.auth import resolve_user
from reelbox.core.errors import ApiError
from reelbox.core.middleware import DEVICE_COOKIE
from reelbox.core.ttlcache import TTLCache
from reelbox.feed import interests, recommender
from reelbox.feed.withheld import Withheld, changed_since
from reelbox.recsys.rerank import Slot
from reelbox.social import queries as social_queries
from reelbox.videos import audience
from reelbox.videos import queries as video_queries
from reelbox.videos.models import Video

PAGE_SIZE = 10
MAX_PAGE_SIZE = 30
# Bounded so cursors stay small: past this many videos a session starts
# afresh and may meet the earliest ones again.
MAX_SEEN = 2000
MAX_CURSOR_BYTES = 1 << 17
_signer = signing.Signer(salt="reelbox.feed.cursor")


@dataclass
class Cursor:
    """Where a session is in each candidate list, and every video it was shown.

    Positions make a page cost O(page size) instead of O(videos seen); the
    seen set guarantees no repeats even when the shared lists shift between
    pages. It travels as a bitmap over the range of ids shown when that is
    dense, or as sorted id gaps when the ids are spread over a large catalogue
    (an old hit beside a new upload): the bitmap would then grow with the
    catalogue, not with the session.
    """

    positions: list[int] = field(default_factory=lambda: [0, 0])
    shown: set[int] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.shown)

    def seen(self, pk: int) -> bool:
        return pk in self.shown

    def add(self, pk: int) -> None:
        self.shown.add(pk)

    def pks(self) -> list[int]:
        return sorted(self.shown)

    def encode(self) -> str:
        ids = np.array(self.pks(), dtype=np.int64)
        base = int(ids[0]) if len(ids) else 0
        span = int(ids[-1]) - base + 1 if len(ids) else 0
        flags = 0
        if (span + 7) // 8 <= 8 * len(ids):
            bitmap = np.zeros(span, dtype=bool)
            bitmap[ids - base] = True
            payload = np.packbits(bitmap, bitorder="little").tobytes()
        else:
            # Gaps in the narrowest width that holds the largest: after 49 cold pages over 1M videos the
            # cursor takes 1,296 characters with 2-byte gaps, against 1,806 with 8-byte ones.
            gaps = np.diff(ids)
            width = next(w for w in (2, 4, 8) if w == 8 or int(gaps.max(initial=0)) < 1 << (8 * w))
            flags = _GAPS | _GAP_WIDTH_FLAGS[width]
            payload = gaps.astype(f">u{width}").tobytes()
        header = struct.pack(">QIII", base, self.positions[0], self.positions[1], len(ids) | flags)
        return _signer.sign(base64.urlsafe_b64encode(zlib.compress(header + payload)).decode().rstrip("="))

    @classmethod
    def decode(cls, cursor: str | None) -> Cursor:
        if not cursor:
            return cls()
        try:
            packed = _signer.unsign(cursor)
            inflater = zlib.decompressobj()
            # A signed cursor is ours, but cap inflation anyway: a leaked
            # secret must not turn into a decompression bomb.
            raw = inflater.decompress(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)), MAX_CURSOR_BYTES)
            if inflater.unconsumed_tail:
                raise ValueError("cursor too large")
            base, first, second, count = struct.unpack(">QIII", raw[:20])
            body = raw[20:]
            if count & _GAPS:
                width = _GAP_WIDTH_OF.get(count & _GAP_WIDTH_MASK)
                if width is None:
                    raise ValueError("unknown gap width")
                gaps = np.frombuffer(body, dtype=f">u{width}").astype(np.int64)
                ids = (base + np.concatenate([[0], np.cumsum(gaps)]) if count & ~(_GAPS | _GAP_WIDTH_MASK)
                       else np.zeros(0, np.int64))
            else:
                ids = base + np.flatnonzero(np.unpackbits(np.frombuffer(body, dtype=np.uint8), bitorder="little"))
        except (signing.BadSignature, ValueError, zlib.error, TypeError, struct.error):
            raise ApiError(_("cursor: this cursor is invalid; start again without one."), "invalid_cursor") from None
        return cls([first, second], set(ids.tolist()))


# The count field's top bit: the seen ids travel as gaps rather than as a bitmap; the next two say the gaps'
# width in bytes (none set: 8, as every cursor had before narrower gaps, which must still decode).
_GAPS = 1 << 31
_GAP_WIDTH_FLAGS = {8: 0, 4: 1 << 30, 2: 1 << 29}
_GAP_WIDTH_MASK = (1 << 30) | (1 << 29)
_GAP_WIDTH_OF = {flag: width for width, flag in _GAP_WIDTH_FLAGS.items()}


# Lists shared by every viewer; recomputing them per request would dominate the
# feed's cost. A new or removed video shows up (or goes) within CANDIDATE_TTL_S.
CANDIDATE_TTL_S = 2.0
# Cold sessions walk this many videos; by then a viewer has a history and gets personal pages.
COLD_LIST_SIZE = 500
_candidates = TTLCache(ttl_s=CANDIDATE_TTL_S, max_items=16)
# Reason JSON of the cold list per language: translations are fixed for a process's life.
_reason_json: dict[str, dict[str, str]] = {}


def forget_lists() -> None:
    """Rebuild the shared lists at their next use (a video left ``recommendable()`` in this process)."""
    _candidates.clear()


def clear_caches() -> None:
    _candidates.clear()
    audience.follower.reset()
    _video_meta.clear()
    _reason_json.clear()
    interests.clear_reasons()
    video_queries.clear_cache()
    recommender.reset_serving()


@dataclass
class Who:
    """Who asks for a page. ``user`` may be lazy: anonymous pages with no cookies never resolve it."""

    user: object
    device_id: str
    # No session, no token, no device cookie: a first visit, with nothing to personalise on.
    fresh: bool = False


def who(request, user=None) -> Who:
    fresh = (DEVICE_COOKIE not in request.COOKIES and settings.SESSION_COOKIE_NAME not in request.COOKIES
             and "Authorization" not in request.headers)
    return Who(user if user is not None else SimpleLazyObject(lambda: resolve_user(request)),
               getattr(request, "device_id", ""), fresh)


# Per video: author, hashtags that count for variety, caption language. Parsed once per process, not at
# every rebuild of the cold list (a caption edit shows in the rule after the next clear, which is harmless).
# A tuple of strings, not a set: the collector stops tracking tuples of atoms, so a full collection does not
# walk up to MAX_VIDEO_META entries of a long-running process (see Engine._slots).
_video_meta: dict[int, tuple[int, tuple[str, ...], str | None]] = {}
MAX_VIDEO_META = 100_000


def _meta(pks: list[int]) -> dict[int, tuple[int, tuple[str, ...], str | None]]:
    missing = [pk for pk in pks if pk not in _video_meta]
    if missing:
        if len(_video_meta) + len(missing) > MAX_VIDEO_META:
            _video_meta.clear()
        for pk, author, caption, language in video_queries.playable().filter(pk__in=missing).values_list(
                "pk", "author_id", "caption", "language"):
            # The stored language (set by the creator or detected, reelbox.captions) before the script's guess.
            _video_meta[pk] = (author, recommender.hashtags(caption), language or recommender.caption_language(caption))
    return {pk: _video_meta[pk] for pk in pks if pk in _video_meta}


def cold_list() -> tuple[int, list[tuple[int, int, str]]]:
    """(pk, author id, reason code) for viewers without history: trending (time-decayed views, then the
    most watched) with new videos still being explored in every round(1/share)-th slot, no more than
    max_run in a row from one creator or hashtag. Shared by all cold viewers, rebuilt every few seconds; with
    the audience log's position it was read at (see ``_fresh``)."""
    cached = _candidates.get("cold")
    if cached is not None:
        return cached
    position = audience.follower.start()
    engine = recommender.serving_engine()
    playable = video_queries.recommendable()  # limited reach stays out of For You
    hot: list[int] = []
    if engine is not None:
        ids = recommender.trending_ids(engine, COLD_LIST_SIZE)
        ok = set(playable.filter(pk__in=ids).values_list("pk", flat=True))
        hot = [pk for pk in ids if pk in ok]
    popular = list(playable.order_by("-view_count", "-pk").values_list("pk", flat=True)[:COLD_LIST_SIZE])
    newest = list(playable.order_by("-created_at", "-pk").values_list("pk", flat=True)[:COLD_LIST_SIZE // 2])
    explore = recommender.still_exploring(engine, newest)
    taken = set(hot)
    main = [(pk, "trending") for pk in hot] + [(pk, "popular") for pk in popular if pk not in taken]
    meta = _meta(list(dict.fromkeys([pk for pk, _c in main] + explore)))
    main = [(pk, c) for pk, c in main if pk in meta]
    explore = [pk for pk in explore if pk in meta]
    rc = (engine.config if engine is not None else recommender.Engine(recommender.engine_config()).config)["rerank"]
    share = recommender.config()["COLD_EXPLORATION_SHARE"]
    code = dict(main)
    # A hashtag on most of the catalogue (#fyp) says nothing about variety, and spacing it out cannot work.
    tags = {pk: frozenset(m[1]) for pk, m in meta.items()}
    counts = Counter(tag for these in tags.values() for tag in these)
    common = frozenset(tag for tag, n in counts.items() if n > len(meta) // 2)
    slots = [Slot(pk, 0.0, meta[pk][0], tags[pk] - common) for pk, _c in main]
    ex_slots = [Slot(pk, 0.0, meta[pk][0], tags[pk] - common, True) for pk in explore]
    page = _interleave(slots, ex_slots, COLD_LIST_SIZE, rc["max_run"], share)
    # Trending videos whose caption names their language get "Trending in your language" for readers of it.
    result = [(s.item, meta[s.item][0], "new_video" if s.explore else code[s.item] if code[s.item] != "trending"
               else f"trending:{meta[s.item][2] or ''}") for s in page]
    _candidates.set("cold", (position, result))
    return position, result


# How many of the newest videos a personal page may take its unranked newcomers from.
UNRANKED_LIMIT = 200


def unranked_new() -> tuple[int, list[tuple[int, int]]]:
    """(pk, author id) of the newest recommendable videos the serving model has never seen, newest first.

    A model only knows the videos that existed when it was trained; without this a new upload would wait for
    the next retrain (a minute or more) before any viewer with a history could meet it. Shared by every
    viewer and rebuilt every CANDIDATE_TTL_S, like the cold list, with the log's position it was read at."""
    cached = _candidates.get("unranked")
    if cached is not None:
        return cached
    position = audience.follower.start()
    engine = recommender.serving_engine()
    known = engine.model.catalog.index if engine is not None else {}
    rows = video_queries.recommendable().order_by("-created_at", "-pk").values_list("pk", "author_id")
    result = [(pk, author) for pk, author in rows[:UNRANKED_LIMIT] if pk not in known]
    _candidates.set("unranked", (position, result))
    return position, result


def _fresh(shared: Callable[[], tuple[int, list[tuple]]]) -> tuple[list[tuple], set[int], set[int]]:
    """A shared list (``cold_list`` or ``unranked_new``; entries start with (pk, author id)) with the videos and
    authors whose audience changed since it was read: those are left out until its next rebuild (CANDIDATE_TTL_S),
    so a video held, made private or deleted in any process leaves every cold page within audience.SYNC_S."""
    position, entries = shared()
    changed = changed_since(position)
    if changed is None:  # read too long ago for the log this process keeps
        forget_lists()
        position, entries = shared()
        changed = set(), set()
    return entries, *changed


def _with_newcomers(page: list[tuple[int, str]], authors: dict[int, int], limit: int,
                    newcomers: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """Give a personal page's exploration slots (every round(1/share)-th) to videos uploaded since the model
    was trained, before the engine's own explorers: they have had no audience at all yet. A newcomer never
    sits next to a video by its own creator."""
    share = recommender.config()["EXPLORATION_SHARE"]
    if not newcomers or share <= 0:
        return page
    every = max(1, round(1.0 / share))
    reason = json.dumps(interests.reason(None, None, "new_video", {}, None), ensure_ascii=False)
    out, queue = list(page), list(newcomers)
    for slot in range(every - 1, limit, every):
        slot = min(slot, len(out))
        near = {authors.get(pk) for pk, _r in out[max(0, slot - 1):slot + 1]}
        pick = next((n for n in queue if n[1] not in near), None)
        if pick is None:
            break
        queue.remove(pick)
        authors[pick[0]] = pick[1]
        out.insert(slot, (pick[0], reason))
    return out[:limit]


LOOKAHEAD = 24


def _interleave(main: list[Slot], explore: list[Slot], k: int, max_run: int, share: float) -> list[Slot]:
    """The engine's re-rank rules (exploration every round(1/share)-th slot, no more than max_run in a row
    from one creator or hashtag) in O(k * LOOKAHEAD), with the run state kept incrementally: when a whole
    catalogue shares one hashtag the rule cannot hold, and recsys.rerank.assemble's full scan per slot would
    turn quadratic in the list size."""
    every = round(1.0 / share) if share > 0 and explore else 0
    queues = {False: deque(main), True: deque(explore)}
    used: set[int] = set()
    page: list[Slot] = []
    run_creator, run_len, run_tags = None, 0, frozenset()

    def breaks(cand: Slot) -> bool:
        if len(page) < max_run:
            return False
        return (run_len >= max_run and cand.creator is not None and cand.creator == run_creator) or \
            bool(run_tags & cand.hashtags)

    while len(page) < k and (queues[False] or queues[True]):
        first = every > 0 and (len(page) + 1) % every == 0 and bool(queues[True])
        placed = None
        for q in (queues[first], queues[not first]):
            while q and q[0].item in used:
                q.popleft()
            for n, cand in enumerate(itertools.islice(q, LOOKAHEAD)):
                if cand.item not in used and not breaks(cand):
                    placed = cand
                    del q[n]
                    break
            if placed is not None:
                break
        if placed is None:
            # Every candidate in reach would break a run: relax rather than end the list.
            q = queues[first] or queues[not first]
            if not q:
                break
            placed = q.popleft()
        used.add(placed.item)
        page.append(placed)
        run_len = run_len + 1 if placed.creator == run_creator and placed.creator is not None else 1
        run_creator = placed.creator
        tail = page[-max_run:]
        run_tags = frozenset.intersection(*(t.hashtags for t in tail)) if len(tail) == max_run else frozenset()
    return page


def _with_reason(item_json: str, reason_json: str) -> str:
    # Items are cached JSON texts; splice the per-viewer reason in rather than re-encoding the video.
    return item_json[:-1] + ',"reason":' + reason_json + "}"


def _cold_reasons() -> dict[str, str]:
    """Reason JSON per cold-list code in the active language."""
    lang = get_language()
    texts = _reason_json.get(lang)
    if texts is None:
        texts = _CodeTexts(lang)
        _reason_json[lang] = texts
    return texts


class _CodeTexts(dict):
    """code -> reason JSON, filled on first use ("trending:<lang>" names the video's caption language)."""

    def __init__(self, lang: str | None):
        super().__init__()
        self.lang = (lang or "").split("-")[0]

    def __missing__(self, code: str) -> str:
        if code == "popular":
            reason = {"code": "popular", "text": _("Popular on Reelbox")}
        elif code.startswith("trending"):
            same = code.partition(":")[2] == self.lang
            reason = {"code": "trending", "text": _("Trending in your language") if same else _("Trending now")}
        else:
            reason = interests.reason(None, None, code, {}, None)
        self[code] = text = json.dumps(reason, ensure_ascii=False)
        return text


def _walk_cold(state: Cursor, need: int, taken: set[int], hidden: set[int]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    if need <= 0:
        return out
    cold, gone, gone_authors = _fresh(cold_list)
    reasons = _cold_reasons()
    pos = state.positions[0]
    while len(out) < need and pos < len(cold):
        pk, author, code = cold[pos]
        pos += 1
        if pk in taken or state.seen(pk) or author in hidden or pk in gone or author in gone_authors:
            continue
        out.append((pk, reasons[code]))
        taken.add(pk)
    state.positions[0] = pos
    return out


def _personal(engine, withheld: Withheld, viewer: interests.Viewer, profile: interests.Profile, state: Cursor,
              limit: int, hidden: set[int], follows: set[int]) -> list[tuple[int, str]]:
    # Only what recommendable() returns reaches serialize_many (its cache does not check): `withheld` is its
    # exact per-process copy. Twice the page: room for what the 'show fewer' check below drops.
    recs = engine.recommend(viewer.key, k=limit * 2, exclude=set(state.pks()) | profile.not_interested,
                            follows=follows, blocked_creators=hidden, held=withheld.current(), state=profile.state)
    catalog = engine.model.catalog
    authors = {r.item: catalog.items[catalog.index[r.item]].creator for r in recs}
    page, demoted = [], None
    for r in recs:
        author = authors[r.item]
        if author in profile.fewer_creators:
            # "Show fewer": at most one from that creator, after everything else on the page.
            demoted = demoted or r
            continue
        page.append(r)
    page = prefer_language(page, lambda r: _meta([r.item]).get(r.item, (0, (), None))[2])[:limit]
    if demoted is not None and len(page) < limit:
        page.append(demoted)
    ranked = [(r.item, interests.reason_json(engine, profile, r.reason_code, r.reason_args, r.item)) for r in page]
    unranked, gone, gone_authors = _fresh(unranked_new)
    newcomers = [(pk, author) for pk, author in unranked
                 if pk not in gone and author not in gone_authors and author not in hidden
                 and author not in profile.fewer_creators and not state.seen(pk)
                 and pk not in profile.not_interested and pk not in profile.met_unranked]
    return _with_newcomers(ranked, authors, limit, newcomers)


def same_language(a: str | None, b: str | None) -> bool:
    """"pt-br" reads "pt"; Chinese scripts differ, but either reads the other better than a foreign language."""
    return bool(a and b) and a.split("-")[0] == b.split("-")[0]


def prefer_language(items: list, language_of, viewer_language: str | None = None) -> list:
    """Move items in the viewer's UI language up by REELBOX["FEED_LANGUAGE_BOOST"] places (0: unchanged).

    Applied to the candidates before a page is cut, so videos in the viewer's language make it into the page
    without the others disappearing; the engine's order breaks ties."""
    places = settings.REELBOX.get("FEED_LANGUAGE_BOOST", 0.0)
    viewer_language = viewer_language or get_language()
    if not places or not viewer_language:
        return items
    keyed = []
    for i, item in enumerate(items):
        match = same_language(language_of(item), viewer_language)
        keyed.append(((i - places if match else i, not match, i), item))
    return [item for _key, item in sorted(keyed, key=lambda pair: pair[0])]


def foryou_page(asker: Who, cursor: str | None, limit: int = PAGE_SIZE) -> tuple[list[str], str | None]:
    """One page of videos (JSON texts, each with its ``reason``) and the cursor for the next."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    state = Cursor.decode(cursor)
    if state.count >= MAX_SEEN:
        state = Cursor()
    picked: list[tuple[int, str]] = []
    hidden: set[int] = set()
    skip: set[int] = set()
    if not asker.fresh:
        user = asker.user
        uid = user.pk if user is not None and user.is_authenticated else None
        follows = set(social_queries.following_ids(uid)) if uid else set()
        hidden = set(social_queries.hidden_author_ids(uid)) if uid else set()
        engine, withheld = recommender.serving()
        if engine is not None:
            viewer = interests.Viewer(uid, asker.device_id)
            profile = interests.load_profile(engine, viewer)
            if profile.has_history or follows:
                picked = _personal(engine, withheld, viewer, profile, state, limit, hidden, follows)
                skip = profile.not_interested
                hidden = hidden | profile.fewer_creators
    taken = {pk for pk, _r in picked} | skip
    picked += _walk_cold(state, limit - len(picked), taken, hidden)
    for pk, _r in picked:
        state.add(pk)
    reasons = dict(picked)
    pks = [pk for pk, _r in picked]
    return _attach(pks, reasons), state.encode() if len(picked) == limit else None


def _attach(pks: list[int], reasons: dict[int, str], visible=None) -> list[str]:
    items = video_queries.serialize_many(pks, visible)
    if len(items) != len(pks):
        # A video stopped being playable between ranking and serialising (rare): find which, one by one.
        pairs = [(pk, video_queries.serialize_many([pk], visible)) for pk in pks]
        pks, items = [pk for pk, one in pairs if one], [one[0] for _pk, one in pairs if one]
    return [_with_reason(item, reasons[pk]) for item, pk in zip(items, pks)]


_following_signer = signing.Signer(salt="reelbox.feed.following")


def following_page(user, cursor: str | None, limit: int = PAGE_SIZE) -> tuple[list[str], str | None]:
    """Newest videos by accounts the user follows (accepted follows), followers-only ones included, newest first.

    Keyset pagination on (created_at, pk): a page costs one indexed range scan however deep the viewer goes.
    """
    from datetime import datetime

    from django.db.models import Q

    limit = max(1, min(limit, MAX_PAGE_SIZE))
    authors = set(social_queries.following_ids(user.pk)) - set(social_queries.hidden_author_ids(user.pk))
    # What this follower may see: public videos and followers-only ones, of private accounts too.
    visible = video_queries.visible_to(user, Video.objects.filter(author_id__in=authors))
    qs = visible
    if cursor:
        try:
            stamp, _sep, pk = _following_signer.unsign(cursor).partition("|")
            at, pk = datetime.fromisoformat(stamp), int(pk)
        except (signing.BadSignature, ValueError):
            raise ApiError(_("cursor: this cursor is invalid; start again without one."), "invalid_cursor") from None
        qs = qs.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    rows = list(qs.order_by("-created_at", "-pk").values_list("pk", "created_at")[:limit])
    reason = json.dumps(interests.reason(None, None, "followed_creator", {}, None), ensure_ascii=False)
    pks = [pk for pk, _at in rows]
    next_cursor = None
    if len(rows) == limit:
        next_cursor = _following_signer.sign(f"{rows[-1][1].isoformat()}|{rows[-1][0]}")
    return _attach(pks, dict.fromkeys(pks, reason), visible), next_cursor


def viewer_interests(asker: Who) -> dict:
    user = asker.user
    uid = user.pk if user is not None and user.is_authenticated else None
    return interests.interests(recommender.serving_engine(), interests.Viewer(uid, asker.device_id))
