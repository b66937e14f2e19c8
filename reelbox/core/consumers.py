"""The WebSocket at /ws/: new messages, read receipts and the unread notification count, per user.

Events reach a connection one of two ways (``reelbox.core.live``): through the
channel layer's ``user.<id>`` group when it crosses processes (Redis), or, on
the embedded default, by polling the database about once a second with
indexed queries (messages after the last id seen, receipts after the last
time seen, the unread count), because requests are served by other processes
that an in-memory layer cannot reach.

Messages sent to the client:
``{"type": "message", "message": {...}}`` (as in the API),
``{"type": "receipt", "receipt": {...}}``,
``{"type": "notifications", "count": N}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from datetime import timedelta
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from reelbox.core import live

log = logging.getLogger(__name__)
RECEIPT_WINDOW = timedelta(seconds=10)


class TokenAuthMiddleware:
    """API clients may pass ``?token=<bearer token>``; browsers use their session cookie."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        token = parse_qs(scope.get("query_string", b"").decode()).get("token", [None])[0]
        if token:
            scope = dict(scope, user=await _user_for_token(token))
        return await self.app(scope, receive, send)


@database_sync_to_async
def _user_for_token(token: str):
    from django.contrib.auth.models import AnonymousUser

    from reelbox.accounts import queries

    found = queries.user_for_token(token)
    return found[0] if found else AnonymousUser()


@database_sync_to_async
def _messages(user, ids):
    from reelbox.messaging import queries

    return queries.messages_for(user, ids)


@database_sync_to_async
def _unread(user_id: int) -> int:
    from reelbox.notifications.queries import unread_count

    return unread_count(user_id)


@database_sync_to_async
def _latest_message_id() -> int:
    from reelbox.messaging import queries

    return queries.latest_message_id()


@database_sync_to_async
def _poll(user, after_id: int, skip: set[int], since):
    from reelbox.messaging import queries
    from reelbox.notifications.queries import unread_count

    ids = queries.new_message_ids(user, after_id, skip)
    messages = queries.messages_for(user, ids) if ids else []
    receipts = queries.receipts_since(user, since)
    return ids, messages, receipts, unread_count(user.pk)


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.user = user
        self.group = live.user_group(user.pk)
        self.poller = None
        # Listening (or the poll's starting point) is set up before accepting, so
        # nothing sent after the client saw the connection open can be missed.
        if live.cross_process():
            await self.channel_layer.group_add(self.group, self.channel_name)
        else:
            last_id = await _latest_message_id()
            self.poller = asyncio.create_task(self._poll_forever(last_id))
        self.count = await _unread(user.pk)
        await self.accept()
        await self.send_json({"type": "notifications", "count": self.count})

    async def disconnect(self, code):
        if getattr(self, "poller", None) is not None:
            self.poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.poller
        if getattr(self, "group", None) and live.cross_process():
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def _poll_forever(self, last_id: int):
        sent_receipts: dict[tuple, int] = {}
        # Ids are handed out at insert, not at commit: on PostgreSQL message 10 may commit
        # after 11. So each poll looks again above the last id seen a window ago (``floor``)
        # and skips what it already sent; SQLite serialises writers and never reorders.
        marks: deque[tuple[float, int]] = deque([(time.monotonic(), last_id)])
        sent: set[int] = set()
        while True:
            await asyncio.sleep(live.POLL_S)
            now = time.monotonic()
            while len(marks) > 1 and marks[1][0] <= now - RECEIPT_WINDOW.total_seconds():
                marks.popleft()
            floor = marks[0][1]
            # Receipts are looked for in a trailing window too, for the same reason.
            since = timezone.now() - RECEIPT_WINDOW
            try:
                ids, messages, receipts, count = await _poll(self.user, floor, sent, since)
            except Exception:  # noqa: BLE001 - a database hiccup must not end the connection
                log.exception("live poll failed")
                continue
            sent = {i for i in sent if i > floor} | set(ids)
            if ids:
                last_id = max(last_id, ids[-1])
            marks.append((now, last_id))
            for message in messages:
                await self.send_json({"type": "message", "message": message})
            for receipt in receipts:
                key = (receipt["conversation_id"], receipt["username"])
                if sent_receipts.get(key, -1) < receipt["last_read_id"]:
                    sent_receipts[key] = receipt["last_read_id"]
                    await self.send_json({"type": "receipt", "receipt": receipt})
            if count != self.count:
                self.count = count
                await self.send_json({"type": "notifications", "count": count})

    # Channel-layer events (cross-process mode) ---------------------------------------

    async def message_new(self, event):
        for message in await _messages(self.user, [event["message_id"]]):
            await self.send_json({"type": "message", "message": message})

    async def message_read(self, event):
        await self.send_json({"type": "receipt", "receipt": event["receipt"]})

    async def notifications_count(self, event):
        self.count = event["count"]
        await self.send_json({"type": "notifications", "count": event["count"]})
