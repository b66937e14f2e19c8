"""Real-time push to users' WebSocket connections (``reelbox.core.consumers``).

Web requests run in WSGI processes; WebSockets in a separate ASGI process. An
in-memory channel layer cannot cross that gap, so ``push`` sends through the
channel layer only when a cross-process one (Redis) is configured. Otherwise
the consumer polls the database about once a second for what it would have
been told (``POLL_S``), and ``push`` does nothing.
"""

from __future__ import annotations

import logging

from django.conf import settings

log = logging.getLogger(__name__)

POLL_S = 1.0


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def cross_process() -> bool:
    """Whether the channel layer reaches other processes (then consumers listen instead of polling)."""
    override = settings.REELBOX.get("LIVE_MODE")
    if override:
        return override == "layer"
    backend = settings.CHANNEL_LAYERS.get("default", {}).get("BACKEND", "")
    return bool(backend) and not backend.endswith("InMemoryChannelLayer")


def push(user_ids, event: dict) -> None:
    """Send ``event`` (a dict with a ``type`` the consumer handles) to every connection of each user.

    Call after commit. A failure is logged, never raised: the write already
    happened and the next poll or page load shows it.
    """
    if not cross_process():
        return
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None:
        return
    for user_id in set(user_ids):
        try:
            async_to_sync(layer.group_send)(user_group(user_id), event)
        except Exception:  # noqa: BLE001 - delivery is best effort, the database is the record
            log.exception("live push to user %s failed", user_id)
