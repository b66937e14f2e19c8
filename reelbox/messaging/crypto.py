"""Envelope encryption of direct messages (docs/security.md).

Each conversation has a random 256-bit data key, stored only wrapped
(AES-GCM) by a server key. Server keys are derived with HKDF-SHA256 from the
secrets in ``settings.MESSAGE_KEYS`` (REELBOX_MESSAGE_KEY first, then retired
ones from REELBOX_MESSAGE_OLD_KEYS) and named by a short id, stored beside
each wrapped key, so a rotated-out key still opens the conversations it
wrapped until ``reelbox manage rotate_message_keys`` rewraps them.

A message body is ``version (1 byte) | nonce (12) | ciphertext+tag``, with the
conversation id and message id as associated data: a body copied into another
row or conversation fails to decrypt instead of showing there.
"""

from __future__ import annotations

import functools
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = b"\x01"
NONCE = 12
WRAP_AAD = b"reelbox:conversation-data-key:v1"


class KeyUnavailable(Exception):
    """A data key was wrapped by a server key that is no longer configured."""


@functools.cache
def _derive(secret: str) -> tuple[str, bytes]:
    kek = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"reelbox:message-key-wrap:v1").derive(secret.encode())
    # The id names the key without revealing it (a hash of the derived key, truncated).
    return hashlib.sha256(b"reelbox:key-id:" + kek).hexdigest()[:16], kek


def server_keys() -> tuple[str, dict[str, bytes]]:
    """The current key's id, and every configured key by id."""
    derived = [_derive(secret) for secret in settings.MESSAGE_KEYS]
    return derived[0][0], dict(derived)


def new_data_key() -> tuple[bytes, str]:
    """A fresh data key, wrapped by the current server key: (wrapped, key id)."""
    return wrap(AESGCM.generate_key(bit_length=256))


def wrap(data_key: bytes) -> tuple[bytes, str]:
    current, keys = server_keys()
    nonce = os.urandom(NONCE)
    return VERSION + nonce + AESGCM(keys[current]).encrypt(nonce, data_key, WRAP_AAD), current


@functools.lru_cache(maxsize=4096)
def unwrap(wrapped: bytes, key_id: str) -> bytes:
    keys = server_keys()[1]
    if key_id not in keys or wrapped[:1] != VERSION:
        raise KeyUnavailable(key_id)
    nonce, sealed = wrapped[1:1 + NONCE], wrapped[1 + NONCE:]
    try:
        return AESGCM(keys[key_id]).decrypt(nonce, sealed, WRAP_AAD)
    except InvalidTag:
        raise KeyUnavailable(key_id) from None


def _aad(conversation_id: int, message_id: int) -> bytes:
    return f"reelbox:message:v1:{conversation_id}:{message_id}".encode()


def encrypt(data_key: bytes, conversation_id: int, message_id: int, text: str) -> bytes:
    nonce = os.urandom(NONCE)
    return VERSION + nonce + AESGCM(data_key).encrypt(nonce, text.encode(), _aad(conversation_id, message_id))


def decrypt(data_key: bytes, conversation_id: int, message_id: int, body: bytes) -> str:
    body = bytes(body)
    if body[:1] != VERSION:
        raise ValueError("unknown message format")
    nonce, sealed = body[1:1 + NONCE], body[1 + NONCE:]
    return AESGCM(data_key).decrypt(nonce, sealed, _aad(conversation_id, message_id)).decode()
