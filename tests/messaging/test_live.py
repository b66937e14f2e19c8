"""WebSocket delivery at /ws/ with two live clients: messages, receipts and the unread badge.

Both delivery paths: the database poll (the embedded default, where web requests and WebSockets run in
different processes) and the channel layer (in-memory here, Redis when one is reachable).
"""

import asyncio
import os
import socket

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from reelbox.core import live
from reelbox.social import actions as social
from tests.conftest import require_service

pytestmark = pytest.mark.django_db(transaction=True)


def application():
    from reelbox.asgi import application

    return application


def connect_as(person_api=None, *, token=False):
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    path = "/ws/"
    if person_api is not None and token:
        path += f"?token={person_api.token}"
    elif person_api is not None:
        session = person_api.client.cookies["sessionid"].value
        headers.append((b"cookie", f"sessionid={session}".encode()))
    return WebsocketCommunicator(application(), path, headers=headers)


async def next_of(comm, kind, timeout=5.0):
    """The next message of ``kind``; others that arrive first are kept for their own turn (order varies by path)."""
    held = comm.__dict__.setdefault("held", [])
    for i, data in enumerate(held):
        if data["type"] == kind:
            return held.pop(i)
    while True:
        data = await comm.receive_json_from(timeout=timeout)
        if data["type"] == kind:
            return data
        held.append(data)


@pytest.fixture
def pair(person):
    alice, bob = person("alice"), person("bob")
    social.update_privacy(bob.user, who_can_message="everyone")
    conversation = alice.post("/api/v1/conversations", {"members": ["bob"]}).json()["id"]
    return alice, bob, conversation


def scenario(alice, bob, conversation):
    async def run():
        a = connect_as(alice, token=True)
        b = connect_as(bob)  # the browser's way: the session cookie
        assert (await a.connect())[0] and (await b.connect())[0]
        assert (await next_of(a, "notifications"))["count"] == 0
        assert (await next_of(b, "notifications"))["count"] == 0
        sent = await sync_to_async(alice.post)(f"/api/v1/conversations/{conversation}/messages", {"text": "live!"})
        assert sent.status_code == 201
        got_b = (await next_of(b, "message"))["message"]
        got_a = (await next_of(a, "message"))["message"]
        assert got_b["text"] == got_a["text"] == "live!" and got_b["sender"]["username"] == "alice"
        assert (await next_of(b, "notifications"))["count"] == 1
        await sync_to_async(bob.post)(f"/api/v1/conversations/{conversation}/read")
        receipt = (await next_of(a, "receipt"))["receipt"]
        assert receipt["username"] == "bob" and receipt["last_read_id"] == got_a["id"]
        assert (await next_of(b, "notifications"))["count"] == 0
        await a.disconnect()
        await b.disconnect()

    async_to_sync(run)()


def test_delivery_by_polling_the_database(pair, monkeypatch, settings):
    settings.REELBOX = settings.REELBOX | {"LIVE_MODE": "poll"}
    monkeypatch.setattr(live, "POLL_S", 0.05)
    scenario(*pair)


def test_delivery_through_the_channel_layer(pair, settings):
    settings.REELBOX = settings.REELBOX | {"LIVE_MODE": "layer"}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    scenario(*pair)


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def test_delivery_through_redis(pair, settings):
    require_service(_redis_up(), "Redis is not running at 127.0.0.1:6379")
    from channels.layers import channel_layers

    url = os.environ.get("REELBOX_REDIS_URL") or "redis://127.0.0.1:6379/0"
    settings.REELBOX = settings.REELBOX | {"LIVE_MODE": ""}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [url], "prefix": "reelbox-test"}}}
    channel_layers.backends.clear()
    try:
        assert live.cross_process()
        scenario(*pair)
    finally:
        channel_layers.backends.clear()


def test_strangers_are_refused_and_members_only_hear_their_own(pair, person, monkeypatch, settings):
    settings.REELBOX = settings.REELBOX | {"LIVE_MODE": "poll"}
    monkeypatch.setattr(live, "POLL_S", 0.05)
    alice, _bob, conversation = pair
    outsider = person("outsider")

    async def run():
        anonymous = connect_as()
        connected, code = await anonymous.connect()
        assert not connected and code == 4401
        bad = WebsocketCommunicator(application(), "/ws/?token=nope", headers=[(b"origin", b"http://testserver")])
        assert not (await bad.connect())[0]
        spy = connect_as(outsider, token=True)
        assert (await spy.connect())[0]
        await next_of(spy, "notifications")
        await sync_to_async(alice.post)(f"/api/v1/conversations/{conversation}/messages", {"text": "private"})
        await asyncio.sleep(0.4)
        assert await spy.receive_nothing(timeout=0.3)
        await spy.disconnect()

    async_to_sync(run)()


def test_polling_delivers_a_burst_once_each(pair, monkeypatch, settings):
    settings.REELBOX = settings.REELBOX | {"LIVE_MODE": "poll"}
    monkeypatch.setattr(live, "POLL_S", 0.05)
    settings.REELBOX = settings.REELBOX | {"RATE_LIMITS": settings.REELBOX["RATE_LIMITS"] | {"message": (500, 60)}}
    alice, bob, conversation = pair

    async def run():
        b = connect_as(bob, token=True)
        assert (await b.connect())[0]

        def burst():
            for i in range(70):  # more than one poll's page of 50
                assert alice.post(f"/api/v1/conversations/{conversation}/messages", {"text": f"m{i}"}).status_code == 201

        await sync_to_async(burst)()
        texts = [(await next_of(b, "message"))["message"]["text"] for _ in range(70)]
        assert texts == [f"m{i}" for i in range(70)]
        await asyncio.sleep(0.5)  # ten more polls: nothing is sent twice
        while not await b.receive_nothing(timeout=0.1):
            b.held.append(await b.receive_json_from())
        assert not [m for m in b.held if m["type"] == "message"]
        await b.disconnect()

    async_to_sync(run)()
