from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from reelbox.core.auth import resolve_user
from reelbox.core.errors import ApiError
from reelbox.feed import actions, queries
from reelbox.videos.api import VideoOut

router = Router(tags=["feed"])


class FeedOut(Schema):
    items: list[VideoOut]
    next_cursor: str | None


class EventsOut(Schema):
    accepted: int
    errors: list[dict]
    detail: str | None = None
    code: str | None = None


@router.get("/feed/foryou", auth=None, response=FeedOut)
def foryou(request, cursor: str | None = None, limit: int = queries.PAGE_SIZE):
    # Resolved only if the ranking asks who is watching (anonymous pages never do).
    viewer = SimpleLazyObject(lambda: resolve_user(request))
    items, next_cursor = queries.foryou_page(viewer, cursor, limit)
    # The hot path: items are already JSON-ready, so skip re-validating them
    # through the schema (it cost more than the rest of the request).
    body = '{"next_cursor":' + json.dumps(next_cursor) + ',"items":[' + ",".join(items) + "]}"
    return HttpResponse(body.encode(), content_type="application/json")


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
    accepted, errors = actions.record_events(
        user=resolve_user(request), device_id=getattr(request, "device_id", ""), events=batch
    )
    if errors:
        return Status(400, {"accepted": accepted, "errors": errors, "detail": errors[0]["detail"], "code": "invalid_event"})
    return {"accepted": accepted, "errors": []}
