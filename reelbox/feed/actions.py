"""Recording what the player reports."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from datetime import UTC

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from reelbox.core.errors import ApiError
from reelbox.feed.models import Event, Feedback
from reelbox.videos.models import Video

MAX_BATCH = 100
MAX_WATCH_MS = 6 * 3600 * 1000
# Client clocks drift; beyond this the timestamp is treated as bogus.
MAX_SKEW = timedelta(days=1)
TYPES = {label: value for value, label in Event.Type.choices}
FEEDBACK_KINDS = {"not_interested": Feedback.Kind.NOT_INTERESTED, "fewer_from_creator": Feedback.Kind.FEWER_FROM_CREATOR}


def _check(raw: dict, now: datetime) -> tuple[dict | None, str | None]:
    """One event -> (clean fields, None) or (None, reason naming the field)."""
    if not isinstance(raw, dict):
        return None, _("event: an object is required")
    video_id = raw.get("video_id")
    if not isinstance(video_id, str) or not video_id or len(video_id) > 16:
        return None, _("video_id: a video id is required")
    kind = raw.get("type")
    if kind not in TYPES:
        return None, _("type: one of %(types)s") % {"types": ", ".join(TYPES)}
    watch_ms = raw.get("watch_ms", 0)
    if isinstance(watch_ms, bool) or not isinstance(watch_ms, (int, float)) or not 0 <= watch_ms <= MAX_WATCH_MS:
        return None, _("watch_ms: a number of milliseconds between 0 and 6 hours")
    client_ts = raw.get("client_ts")
    ts = None
    if client_ts is not None:
        try:
            if isinstance(client_ts, bool):
                raise ValueError
            if isinstance(client_ts, (int, float)):
                ts = datetime.fromtimestamp(client_ts / 1000, tz=UTC)
            else:
                ts = datetime.fromisoformat(str(client_ts))
                if ts.tzinfo is None:
                    ts = ts.replace(tzinfo=UTC)
        except (ValueError, OverflowError, OSError):
            return None, _("client_ts: milliseconds since the epoch or an ISO 8601 time")
        if abs(ts - now) > MAX_SKEW:
            ts = None
    return {"video_id": video_id, "type": TYPES[kind], "watch_ms": int(watch_ms), "client_ts": ts}, None


def record_events(*, user, device_id: str, events: list, region: str = "") -> tuple[int, list[dict]]:
    """Store the valid events of a batch; return (accepted, [{index, detail}] for the refused). ``region`` is
    the viewer's country (reelbox.core.regions.of_viewer), worked out once per batch by the caller."""
    now = timezone.now()
    errors: list[dict] = []
    clean: list[tuple[int, dict]] = []
    for index, raw in enumerate(events):
        fields, reason = _check(raw, now)
        if reason:
            errors.append({"index": index, "detail": reason})
        else:
            clean.append((index, fields))
    ids = {f["video_id"] for _, f in clean}
    videos = dict(Video.objects.filter(public_id__in=ids, status=Video.Status.READY).values_list("public_id", "pk"))
    rows = []
    for index, fields in clean:
        pk = videos.get(fields["video_id"])
        if pk is None:
            errors.append({"index": index, "detail": _("video_id: no such video")})
            continue
        rows.append(Event(user=user if user and user.is_authenticated else None, device_id=device_id[:64],
                          video_id=pk, type=fields["type"], watch_ms=fields["watch_ms"],
                          client_ts=fields["client_ts"], created_at=now, region=region[:2]))
    if rows:
        views = Counter(r.video_id for r in rows if r.type == Event.Type.PLAY)
        watched = Counter()
        for r in rows:
            if r.type in (Event.Type.PROGRESS, Event.Type.COMPLETE, Event.Type.SKIP):
                watched[r.video_id] += r.watch_ms
        with transaction.atomic():
            Event.objects.bulk_create(rows)
            # F() increments: exact under concurrency, no read-modify-write.
            for pk in views.keys() | watched.keys():
                Video.objects.filter(pk=pk).update(view_count=F("view_count") + views.get(pk, 0),
                                                   watch_ms_total=F("watch_ms_total") + watched.get(pk, 0))
    errors.sort(key=lambda e: e["index"])
    return len(rows), errors


def _viewer_fields(user, device_id: str) -> dict:
    signed_in = user is not None and user.is_authenticated
    return {"user": user if signed_in else None, "device_id": device_id[:64]}


def record_feedback(*, user, device_id: str, video_id: str, kind: str) -> Feedback:
    """'Not interested' in a video, or 'show fewer' from its creator; the next page already honours it."""
    from reelbox.videos.queries import access_video

    if kind not in FEEDBACK_KINDS:
        raise ApiError(_("kind: one of %(kinds)s") % {"kinds": ", ".join(FEEDBACK_KINDS)}, "invalid_kind")
    video = access_video(user, video_id) if isinstance(video_id, str) and len(video_id) <= 16 else None
    if video is None:
        raise ApiError(_("video_id: no such video"), "not_found", status=404)
    return Feedback.objects.create(**_viewer_fields(user, device_id), kind=FEEDBACK_KINDS[kind], video=video,
                                   key=str(video.author_id), created_at=timezone.now())


def remove_interest(*, user, device_id: str, kind: str, key: str) -> Feedback:
    """Forget one interest: the viewer's earlier views of videos with it stop counting."""
    if kind not in {"hashtag", "creator", "sound"}:
        raise ApiError(_("kind: one of hashtag, creator, sound"), "invalid_kind")
    key = key.strip()
    if kind == "hashtag":
        key = key.lstrip("#").lower()
    elif kind == "creator":
        from reelbox.accounts.models import User

        creator = User.objects.filter(username=key.lstrip("@")).values_list("pk", flat=True).first()
        if creator is None:
            raise ApiError(_("No such interest."), "not_found", status=404)
        key = str(creator)
    if not key or len(key) > 150:
        raise ApiError(_("No such interest."), "not_found", status=404)
    return Feedback.objects.create(**_viewer_fields(user, device_id), kind=Feedback.Kind.INTEREST_REMOVED,
                                   key=f"{kind}:{key}", created_at=timezone.now())


def reset_interests(*, user, device_id: str) -> Feedback:
    """Start afresh: everything the viewer watched before now stops shaping their feed."""
    return Feedback.objects.create(**_viewer_fields(user, device_id), kind=Feedback.Kind.INTERESTS_RESET,
                                   created_at=timezone.now())
