"""A small in-process cache with expiry and a size bound.

For hot read paths (the feed) where a few seconds of staleness is fine and a
network cache round trip would cost more than the work it saves.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any


class TTLCache:
    def __init__(self, ttl_s: float, max_items: int = 10_000):
        self.ttl_s, self.max_items = ttl_s, max_items
        self._data: OrderedDict[Any, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return default
            expires, value = hit
            if expires < time.monotonic():
                del self._data[key]
                return default
            self._data.move_to_end(key)
            return value

    def get_many(self, keys) -> dict:
        """The live entries among ``keys``, under one lock acquisition."""
        now = time.monotonic()
        found = {}
        with self._lock:
            for key in keys:
                hit = self._data.get(key)
                if hit is not None and hit[0] >= now:
                    found[key] = hit[1]
        return found

    def set(self, key, value) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + self.ttl_s, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_items:
                self._data.popitem(last=False)

    def delete(self, key) -> None:
        with self._lock:
            self._data.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
