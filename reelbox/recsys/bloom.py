"""A Bloom filter for per-user 'already seen': fixed memory however long the session, no false negatives."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Hashable, Iterable

import numpy as np

_M1, _M2, _GOLDEN = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB), np.uint64(0x9E3779B97F4A7C15)
_SALT = np.uint64(0x5851F42D4C957F2D)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a vectorisable integer hash, so a page's candidates are checked in one pass."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def _keys64(keys: Iterable[Hashable] | np.ndarray) -> np.ndarray:
    if isinstance(keys, np.ndarray) and keys.dtype.kind in "iu":
        return keys.astype(np.uint64)
    out = []
    for k in keys:
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            out.append(int(k) & 0xFFFFFFFFFFFFFFFF)
        else:
            out.append(int.from_bytes(hashlib.blake2b(repr(k).encode(), digest_size=8).digest(), "little"))
    return np.array(out, dtype=np.uint64)


class BloomFilter:
    def __init__(self, capacity: int, error_rate: float = 0.01) -> None:
        if capacity <= 0 or not 0.0 < error_rate < 1.0:
            raise ValueError("capacity must be positive and error_rate in (0, 1)")
        self.capacity = capacity
        self.error_rate = error_rate
        # Optimal sizing: m = -n ln p / (ln 2)^2 bits, k = m/n ln 2 hashes.
        self.n_bits = max(8, math.ceil(-capacity * math.log(error_rate) / math.log(2) ** 2))
        self.n_hashes = max(1, round(self.n_bits / capacity * math.log(2)))
        self.bits = np.zeros((self.n_bits + 7) // 8, dtype=np.uint8)
        self.count = 0

    def _positions(self, keys: Iterable[Hashable] | np.ndarray) -> np.ndarray:
        # Kirsch-Mitzenmacher double hashing: two 64-bit hashes give all k positions.
        x = _keys64(keys)
        h1 = _mix(x)
        h2 = _mix(x ^ _SALT) | np.uint64(1)
        j = np.arange(self.n_hashes, dtype=np.uint64)
        with np.errstate(over="ignore"):
            pos = (h1[:, None] + j[None, :] * h2[:, None]) % np.uint64(self.n_bits)
        return pos.astype(np.int64)

    def add_many(self, keys: Iterable[Hashable] | np.ndarray) -> None:
        p = self._positions(keys).ravel()
        # ufunc.at, not `bits[idx] |= ...`: two positions in the same byte would otherwise overwrite each other.
        np.bitwise_or.at(self.bits, p >> 3, (1 << (p & 7)).astype(np.uint8))
        self.count += len(p) // self.n_hashes

    def add(self, key: Hashable) -> None:
        self.add_many([key])

    def contains_many(self, keys: Iterable[Hashable] | np.ndarray) -> np.ndarray:
        p = self._positions(keys)
        if p.size == 0:
            return np.zeros(0, dtype=bool)
        return np.all(self.bits[p >> 3] & (1 << (p & 7)).astype(np.uint8), axis=1)

    def __contains__(self, key: Hashable) -> bool:
        return bool(self.contains_many([key])[0])

    def to_bytes(self) -> bytes:
        return self.bits.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, capacity: int, error_rate: float, count: int = 0) -> BloomFilter:
        bf = cls(capacity, error_rate)
        bits = np.frombuffer(data, dtype=np.uint8).copy()
        if len(bits) != len(bf.bits):
            raise ValueError("bloom filter size does not match capacity/error_rate")
        bf.bits, bf.count = bits, count
        return bf
