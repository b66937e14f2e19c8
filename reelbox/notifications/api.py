from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from reelbox.accounts.api import PersonOut
from reelbox.core.auth import TokenOrSession
from reelbox.notifications import actions, queries
from reelbox.notifications.models import Verb

router = Router(tags=["notifications"])
AUTH = TokenOrSession()


class NotificationVideo(Schema):
    id: str
    poster_url: str | None


class NotificationComment(Schema):
    id: int
    text: str | None


class NotificationOut(Schema):
    id: int
    verb: str
    # The line to show, in the reader's language ("A and 12 others liked your video").
    text: str
    # The latest actors first (at most two); actor_count counts them all.
    actors: list[PersonOut]
    actor_count: int
    video: NotificationVideo | None
    comment: NotificationComment | None
    conversation_id: int | None
    read: bool
    created_at: datetime


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None


class UnreadOut(Schema):
    count: int


class ReadIn(Schema):
    # Omit to mark every notification read.
    ids: list[int] | None = None


class ReadOut(Schema):
    marked: int
    count: int


class PreferencesOut(Schema):
    like: bool
    comment: bool
    reply: bool
    mention: bool
    follow: bool
    follow_request: bool
    follow_approved: bool
    message: bool
    duet: bool
    stitch: bool


class PreferencesIn(Schema):
    like: bool | None = None
    comment: bool | None = None
    reply: bool | None = None
    mention: bool | None = None
    follow: bool | None = None
    follow_request: bool | None = None
    follow_approved: bool | None = None
    message: bool | None = None
    duet: bool | None = None
    stitch: bool | None = None


def prefs_out(prefs) -> dict:
    return {name: getattr(prefs, name) for name in Verb.values}


@router.get("/notifications", auth=AUTH, response=NotificationPage)
def notifications(request, cursor: str | None = None, limit: int = 20):
    items, next_cursor = queries.page(request.auth, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/notifications/unread-count", auth=AUTH, response=UnreadOut)
def unread_count(request):
    return {"count": queries.unread_count(request.auth.pk)}


@router.post("/notifications/read", auth=AUTH, response=ReadOut)
def mark_read(request, payload: ReadIn | None = None):
    ids = None if payload is None or payload.ids is None else queries.check_ids(payload.ids)
    marked = actions.mark_read(request.auth, ids)
    return {"marked": marked, "count": queries.unread_count(request.auth.pk)}


@router.get("/me/notification-preferences", auth=AUTH, response=PreferencesOut)
def get_preferences(request):
    return prefs_out(actions.preferences(request.auth))


@router.patch("/me/notification-preferences", auth=AUTH, response=PreferencesOut)
def update_preferences(request, payload: PreferencesIn):
    return prefs_out(actions.update_preferences(request.auth, **payload.dict(exclude_unset=True)))
