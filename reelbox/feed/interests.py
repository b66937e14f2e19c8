"""What the engine believes a viewer likes, rebuilt per request from the shared event log.

Real time across processes: the web server runs several processes, so interests cannot live in one
process's memory. Each personal page reads the viewer's latest events and feedback (two indexed queries,
newest first, bounded by RECSYS["HISTORY_EVENTS"]) and folds them into a fresh engine state over the
read-only model. An event committed by any process therefore shapes the very next page, with no retrain
and no cache to invalidate.
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from reelbox.core.prepared import Prepared
from reelbox.feed.models import Event, Feedback
from reelbox.feed.recommender import config
from reelbox.recsys import Engine, Interactions
from reelbox.recsys.state import UserState

KINDS = ("hashtag", "creator", "sound")
MAX_FEEDBACK = 500
# Engine-affinity penalties for explicit feedback, in units of one completed view (~1.5).
NOT_INTERESTED_PENALTY = 2.0
FEWER_PENALTY = 4.0
WATCHING = {Event.Type.PROGRESS, Event.Type.COMPLETE, Event.Type.SKIP, Event.Type.REPLAY}


@dataclass(frozen=True)
class Viewer:
    user_id: int | None
    device_id: str

    @property
    def key(self) -> str:
        return f"u{self.user_id}" if self.user_id else f"d{self.device_id}"

    def filter(self) -> dict:
        # A device's anonymous history only: what a signed-in person did there is theirs, not the device's.
        return {"user_id": self.user_id} if self.user_id else {"device_id": self.device_id, "user__isnull": True}

    @property
    def signed_in(self) -> bool:
        return bool(self.user_id)

    @property
    def id(self) -> int | str:
        return self.user_id if self.user_id else self.device_id


def _viewer_filter(signed_in: bool, id_: int | str) -> dict:
    return (Viewer(id_, "") if signed_in else Viewer(None, id_)).filter()


def _history(where: dict, with_time: bool, limit: int):
    fields = ("video_id", "type", "watch_ms") + (("created_at",) if with_time else ())
    return Event.objects.filter(**where).order_by("-created_at", "-id").values_list(*fields)[:limit]


# A page's two reads of the viewer's history, compiled once each (reelbox.core.prepared): building them in the
# ORM cost more than running them.
_FEEDBACK = {signed_in: Prepared(lambda id_, s=signed_in: Feedback.objects.filter(**_viewer_filter(s, id_))
                                 .order_by("-created_at").values_list("kind", "video_id", "key", "created_at")
                                 [:MAX_FEEDBACK])
             for signed_in in (False, True)}
_EVENTS = {(signed_in, with_time): Prepared(lambda id_, s=signed_in, t=with_time:
                                            _history(_viewer_filter(s, id_), t, config()["HISTORY_EVENTS"]))
           for signed_in in (False, True) for with_time in (False, True)}


@dataclass
class Profile:
    state: UserState
    has_history: bool
    completed: set[int] = field(default_factory=set)
    not_interested: set[int] = field(default_factory=set)
    fewer_creators: set[int] = field(default_factory=set)
    # Videos the viewer met that the model does not know yet (uploaded since it was trained).
    met_unranked: set[int] = field(default_factory=set)


def load_profile(engine: Engine, viewer: Viewer) -> Profile:
    m = engine.model
    catalog = m.catalog
    feedback = _FEEDBACK[viewer.signed_in].rows(viewer.id)
    reset_at = max((ts for kind, _v, _k, ts in feedback if kind == Feedback.Kind.INTERESTS_RESET), default=None)
    if reset_at is not None:
        feedback = [f for f in feedback if f[3] > reset_at]
    removed: dict[tuple[str, str], object] = {}
    for kind, _v, key, ts in feedback:
        if kind == Feedback.Kind.INTEREST_REMOVED and ":" in key:
            feature = tuple(key.split(":", 1))
            removed[feature] = max(ts, removed.get(feature, ts))
    # Newest first by the (viewer, created_at) index. Times are parsed only when a removed interest needs
    # them: converting 300 timestamps costs more than ranking the page.
    limit = config()["HISTORY_EVENTS"]
    if reset_at is None:
        rows = _EVENTS[viewer.signed_in, bool(removed)].rows(viewer.id, variant=limit)
    else:
        rows = _history({**viewer.filter(), "created_at__gt": reset_at}, bool(removed), limit)
    per_video: dict[int, dict] = {}
    unranked: set[int] = set()
    key = viewer.key
    for n, (video, kind, watch_ms, *ts) in enumerate(rows):
        agg = per_video.get(video)
        if agg is None:
            idx = catalog.index.get(video)
            if idx is None:
                unranked.add(video)
                continue
            if removed and _drops(catalog, idx, ts[0], removed):
                continue
            # Only the order of a viewer's events matters to the engine (recency decay counts events).
            agg = per_video[video] = {"item": video, "user": key, "timestamp": float(-n), "watch_ms": 0,
                                      "completed": False, "replay": False, "skip": False, "active": False}
        elif removed and _drops(catalog, catalog.index[video], ts[0], removed):
            continue
        agg["watch_ms"] += watch_ms
        agg["completed"] |= kind == Event.Type.COMPLETE
        agg["replay"] |= kind == Event.Type.REPLAY
        agg["skip"] |= kind == Event.Type.SKIP
        agg["active"] |= kind in WATCHING
    # A video only impressed or just started has no watch signal yet (the player reports progress, completion
    # or a skip when the viewer moves on): it counts as seen, not as a skip.
    active = [r for r in per_video.values() if r["active"]]
    for r in active:
        dur = float(catalog.duration[catalog.index[r["item"]]]) or 15.0
        r["watch_ratio"] = r.pop("watch_ms") / 1000.0 / dur
        r.pop("active")
    state = engine.session_state(Interactions.from_records(active))
    if per_video:
        state.seen.add_many(np.array([catalog.index[v] for v in per_video], dtype=np.int64))
    profile = Profile(state, has_history=bool(per_video) or bool(feedback),
                      completed={r["item"] for r in active if r["completed"]}, met_unranked=unranked)
    for kind, video, key, _ts in feedback:
        if kind == Feedback.Kind.NOT_INTERESTED and video is not None:
            profile.not_interested.add(video)
            idx = catalog.index.get(video)
            if idx is not None:
                state.negative_items.add(idx)
                aff = state.affinity["hashtag"]
                for tag in catalog.items[idx].hashtags:
                    aff[tag] = aff.get(tag, 0.0) - NOT_INTERESTED_PENALTY
        elif kind == Feedback.Kind.FEWER_FROM_CREATOR and key.isdigit():
            creator = int(key)
            profile.fewer_creators.add(creator)
            aff = state.affinity["creator"]
            aff[creator] = min(aff.get(creator, 0.0), 0.0) - FEWER_PENALTY
    return profile


def _drops(catalog, idx: int, ts, removed: dict) -> bool:
    """An event from before the viewer removed one of its video's features no longer counts."""
    for kind, values in catalog.features(idx).items():
        for v in values:
            at = removed.get((kind, str(v)))
            if at is not None and ts <= at:
                return True
    return False


# ---- reasons ------------------------------------------------------------------------------------------


def reason(engine: Engine | None, profile: Profile | None, code: str, args: dict, item: Hashable) -> dict:
    """The reason shown under "Why this video?", in the reader's language."""
    return _reason(reason_key(engine, profile, code, args, item))


def reason_json(engine: Engine | None, profile: Profile | None, code: str, args: dict, item: Hashable) -> str:
    """``reason`` as JSON text, from a per-language cache: a page has ten of them, out of a few dozen texts."""
    key = (get_language(), *reason_key(engine, profile, code, args, item))
    text = _reason_texts.get(key)
    if text is None:
        if len(_reason_texts) >= MAX_REASON_TEXTS:
            _reason_texts.clear()
        text = _reason_texts[key] = json.dumps(_reason(key[1:]), ensure_ascii=False)
    return text


_reason_texts: dict[tuple, str] = {}
# Hashtags and languages make the texts; bounded so a catalogue of many hashtags cannot grow it without end.
MAX_REASON_TEXTS = 10_000


def clear_reasons() -> None:
    _reason_texts.clear()


def reason_key(engine: Engine | None, profile: Profile | None, code: str, args: dict, item: Hashable) -> tuple:
    """What a reason's text depends on: its code and the tag, kind or language it names."""
    m = engine.model if engine is not None else None
    if code == "followed_creator":
        return (code,)
    if code == "similar_to_watched" and m is not None:
        because = args.get("because")
        idx = m.catalog.index.get(because)
        tags = m.catalog.items[idx].hashtags if idx is not None else ()
        done = profile is not None and because in profile.completed
        return (code, "tag", tags[0], done) if tags else (code, "similar")
    if code == "matches_interest":
        kind, value = args.get("kind"), args.get("value")
        if kind == "hashtag":
            return (code, "tag", value, _completed_tag(m, profile, value))
        return (code, "creator" if kind == "creator" else "sound")
    if code == "trending":
        idx = m.catalog.index.get(item) if m is not None else None
        lang = m.catalog.items[idx].language if idx is not None else None
        return (code, bool(lang and (get_language() or "").split("-")[0] == lang.split("-")[0]))
    return ("new_video",)


def _reason(key: tuple) -> dict:
    code = key[0]
    if code == "followed_creator":
        text = _("New from someone you follow")
    elif key[1:2] == ("tag",):
        if key[3]:
            text = _("Because you watched #%(tag)s to the end") % {"tag": key[2]}
        elif code == "similar_to_watched":
            text = _("Because you watched #%(tag)s") % {"tag": key[2]}
        else:
            text = _("Because you like #%(tag)s") % {"tag": key[2]}
    elif code == "similar_to_watched":
        text = _("Similar to videos you watched")
    elif code == "matches_interest":
        text = _("More from a creator you watch") if key[1] == "creator" else _("Uses a sound you like")
    elif code == "trending":
        text = _("Trending in your language") if key[1] else _("Trending now")
    else:
        text = _("New video, being discovered")
    return {"code": code, "text": text}


def _completed_tag(m, profile: Profile | None, tag: str) -> bool:
    if m is None or profile is None:
        return False
    return any(tag in m.catalog.items[m.catalog.index[v]].hashtags for v in profile.completed if v in m.catalog.index)


# ---- the interests view -------------------------------------------------------------------------------


def interests(engine: Engine | None, viewer: Viewer, top: int = 20) -> dict:
    """Positive affinities per kind, strongest first, weights scaled so the strongest is 1."""
    out: dict[str, list[dict]] = {"hashtags": [], "creators": [], "sounds": []}
    if engine is None:
        return out
    profile = load_profile(engine, viewer)
    aff = profile.state.affinity
    strongest = max((w for kind in KINDS for w in aff.get(kind, {}).values()), default=0.0)
    if strongest <= 0:
        return out
    from reelbox.accounts.models import User

    creators = sorted(((c, w) for c, w in aff["creator"].items() if w > 0 and c is not None), key=lambda x: -x[1])
    names = dict(User.objects.filter(pk__in=[c for c, _w in creators[:top]]).values_list("pk", "username"))
    for tag, w in sorted(aff["hashtag"].items(), key=lambda x: -x[1])[:top]:
        if w > 0:
            out["hashtags"].append({"kind": "hashtag", "key": tag, "label": f"#{tag}", "weight": round(w / strongest, 3)})
    for c, w in creators[:top]:
        if c in names:
            out["creators"].append({"kind": "creator", "key": names[c], "label": f"@{names[c]}",
                                    "weight": round(w / strongest, 3)})
    for s, w in sorted(aff["sound"].items(), key=lambda x: -x[1])[:top]:
        if w > 0:
            out["sounds"].append({"kind": "sound", "key": str(s), "label": str(s), "weight": round(w / strongest, 3)})
    return out
