"""Counters shared by every process on this machine, for rate limits when there is no Redis.

The embedded mode serves from several web processes. A per-process cache (LocMemCache) would give each of them
the full quota, so two processes would allow twice the limit. The counters live instead in a small SQLite file
in the data directory, apart from the main database so that they never wait for its write lock. Each counted
request is one atomic upsert. The file holds nothing worth keeping (synchronous=OFF): a crash at worst forgets
a few counts.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from pathlib import Path

from django.conf import settings

_local = threading.local()
# Expired windows are swept on about one call in this many.
SWEEP_EVERY = 200


def _connection() -> sqlite3.Connection:
    path = str(Path(settings.DATA_DIR) / "counters.sqlite3")
    conn = getattr(_local, "conn", None)
    if conn is None or _local.path != path:
        conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, expires REAL NOT NULL, n INTEGER NOT NULL)")
        _local.conn, _local.path = conn, path
    return conn


def incr(key: str, expires_at: float) -> int:
    """Add one to ``key`` (created at 1, forgotten after ``expires_at``) and return the new count."""
    conn = _connection()
    (count,) = conn.execute(
        "INSERT INTO counter (key, expires, n) VALUES (?, ?, 1) "
        "ON CONFLICT (key) DO UPDATE SET n = n + 1 RETURNING n", (key, expires_at)).fetchone()
    if random.randrange(SWEEP_EVERY) == 0:
        conn.execute("DELETE FROM counter WHERE expires < ?", (time.time(),))
    return count


def clear() -> None:
    _connection().execute("DELETE FROM counter")
