from __future__ import annotations

import json

from typing import Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from reelbox.core import regions
from reelbox.core.auth import TokenOrSession, resolve_user
from reelbox.core.errors import ApiError
from reelbox.feed import actions, queries, recommender
from reelbox.videos.api import VideoOut

router = Router(tags=["feed"])


class Reason(Schema):
    code: str
    text: str


class FeedVideoOut(VideoOut):
    reason: Reason


class FeedOut(Schema):
    items: list[FeedVideoOut]
    next_cursor: str | None


class FeedbackIn(Schema):
    video_id: str
    kind: Literal["not_interested", "fewer_from_creator"]


class OkOut(Schema):
    ok: bool


class InterestOut(Schema):
    kind: str
    key: str
    label: str
    weight: float


class InterestsOut(Schema):
    hashtags: list[InterestOut]
    creators: list[InterestOut]
    sounds: list[InterestOut]


class EventsOut(Schema):
    accepted: int
    errors: list[dict]
    detail: str | None = None
    code: str | None = None


@router.get("/feed/foryou", auth=None, response=FeedOut)
def foryou(request, cursor: str | None = None, limit: int = queries.PAGE_SIZE):
    """Ranked for the viewer (signed in, or by device) when they have a history; trending and new videos
    being discovered otherwise. Each item says why it was chosen (``reason``)."""
    # The user is resolved only if the viewer may have a history (first visits never do).
    items, next_cursor = queries.foryou_page(queries.who(request), cursor, limit)
    response = _page(items, next_cursor)
    model = recommender.serving_digest()
    if model is not None:
        response["Reelbox-Model"] = model
    return response


def _page(items: list[str], next_cursor: str | None) -> HttpResponse:
    # The hot path: items are already JSON-ready, so skip re-validating them
    # through the schema (it cost more than the rest of the request).
    body = '{"next_cursor":' + json.dumps(next_cursor) + ',"items":[' + ",".join(items) + "]}"
    return HttpResponse(body.encode(), content_type="application/json")


@router.get("/feed/following", auth=TokenOrSession(), response=FeedOut)
def following(request, cursor: str | None = None, limit: int = queries.PAGE_SIZE):
    """Newest videos from the accounts the caller follows."""
    items, next_cursor = queries.following_page(request.auth, cursor, limit)
    return _page(items, next_cursor)


@router.post("/feed/feedback", auth=None, response=OkOut)
def feedback(request, payload: FeedbackIn):
    """"Not interested" (this video never again) or "show fewer from this creator"; both shape the next page."""
    actions.record_feedback(user=resolve_user(request), device_id=getattr(request, "device_id", ""),
                            video_id=payload.video_id, kind=payload.kind)
    return {"ok": True}


@router.get("/me/interests", auth=None, response=InterestsOut)
def my_interests(request):
    """The hashtags, creators and sounds the recommender believes the viewer likes, strongest first."""
    return queries.viewer_interests(queries.who(request, resolve_user(request)))


@router.delete("/me/interests/{kind}/{key}", auth=None, response=OkOut)
def remove_interest(request, kind: str, key: str):
    actions.remove_interest(user=resolve_user(request), device_id=getattr(request, "device_id", ""), kind=kind,
                            key=key)
    return {"ok": True}


@router.post("/me/interests/reset", auth=None, response=OkOut)
def reset_interests(request):
    actions.reset_interests(user=resolve_user(request), device_id=getattr(request, "device_id", ""))
    return {"ok": True}


@router.post("/events", auth=None, response={200: EventsOut, 400: EventsOut})
def events(request):
    """Player beacons. Valid events are kept even when others in the batch are refused."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(_("body: JSON is required."), "invalid_json") from None
    batch = body.get("events") if isinstance(body, dict) else None
    if not isinstance(batch, list) or not batch:
        raise ApiError(_("events: a non-empty list is required."), "invalid_events")
    if len(batch) > actions.MAX_BATCH:
        raise ApiError(_("events: at most %(max)d per batch.") % {"max": actions.MAX_BATCH}, "batch_too_large")
    user = resolve_user(request)
    accepted, errors = actions.record_events(
        user=user, device_id=getattr(request, "device_id", ""), events=batch,
        region=regions.of_viewer(user, request.headers.get("Accept-Language")),
    )
    if errors:
        return Status(400, {"accepted": accepted, "errors": errors, "detail": errors[0]["detail"], "code": "invalid_event"})
    return {"accepted": accepted, "errors": []}
