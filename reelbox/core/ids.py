"""Public identifiers: short, random, unguessable (share links must not leak counts)."""

import secrets
import string

ALPHABET = string.ascii_letters + string.digits + "-_"


def public_id(length: int = 11) -> str:
    # 64**11 ~ 7e19: collisions are negligible; the unique index catches the rest.
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
