"""Message bodies at rest: ciphertext only, bound to their row, and readable across a key rotation."""

import os
import stat

import pytest
from django.core.management import call_command
from django.db import connection

from reelbox.messaging import crypto
from reelbox.messaging.models import Conversation, Message
from reelbox.social import actions as social

pytestmark = pytest.mark.django_db

PLAIN = "meet me at the old mill at noon"


@pytest.fixture
def chat(person):
    alice, bob = person("alice"), person("bob")
    social.update_privacy(bob.user, who_can_message="everyone")
    conversation = alice.post("/api/v1/conversations", {"members": ["bob"]}).json()["id"]
    alice.post(f"/api/v1/conversations/{conversation}/messages", {"text": PLAIN})
    return alice, bob, conversation


def raw_rows(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_the_database_holds_no_plaintext(chat):
    _alice, bob, conversation = chat
    [(body,)] = raw_rows("SELECT body FROM messaging_message")
    body = bytes(body)
    assert PLAIN.encode() not in body and b"old mill" not in body
    assert len(body) == 1 + 12 + len(PLAIN.encode()) + 16  # version, nonce, ciphertext, tag
    [(data_key, key_id)] = raw_rows("SELECT data_key, key_id FROM messaging_conversation")
    assert len(bytes(data_key)) == 1 + 12 + 32 + 16 and len(key_id) == 16
    # The API still reads it.
    [message] = bob.get(f"/api/v1/conversations/{conversation}/messages").json()["items"]
    assert message["text"] == PLAIN


def test_a_body_moved_to_another_row_does_not_decrypt(chat):
    alice, bob, conversation = chat
    alice.post(f"/api/v1/conversations/{conversation}/messages", {"text": "second"})
    first, second = Message.objects.order_by("pk")
    Message.objects.filter(pk=second.pk).update(body=first.body)
    texts = [m["text"] for m in bob.get(f"/api/v1/conversations/{conversation}/messages").json()["items"]]
    assert texts == [None, PLAIN]


def test_rotation_keeps_old_conversations_readable(chat, settings):
    _alice, bob, conversation = chat
    old_id = Conversation.objects.get().key_id
    settings.MESSAGE_KEYS = ("a brand new server secret of at least 32 chars", *settings.MESSAGE_KEYS)
    assert bob.get(f"/api/v1/conversations/{conversation}/messages").json()["items"][0]["text"] == PLAIN
    call_command("rotate_message_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    rotated = Conversation.objects.get()
    assert rotated.key_id != old_id and rotated.key_id == crypto.server_keys()[0]
    crypto.unwrap.cache_clear()
    settings.MESSAGE_KEYS = settings.MESSAGE_KEYS[:1]  # the old key is retired
    assert bob.get(f"/api/v1/conversations/{conversation}/messages").json()["items"][0]["text"] == PLAIN


def test_generated_key_file_is_private(tmp_path, monkeypatch):
    from reelbox import config

    monkeypatch.delenv("REELBOX_MESSAGE_KEY", raising=False)
    keys = config._message_keys(tmp_path)
    path = tmp_path / "message_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and keys == (path.read_text().strip(),)
    assert config._message_keys(tmp_path) == keys
    monkeypatch.setenv("REELBOX_MESSAGE_KEY", "short")
    with pytest.raises(config.ConfigError, match="REELBOX_MESSAGE_KEY"):
        config._message_keys(tmp_path)
