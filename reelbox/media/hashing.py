"""PDQ perceptual hashes of frames, and matching them against hash banks (Meta's PDQ / vPDQ rules).

A PDQ hash is 256 bits (32 bytes here, 64 hex characters in lists, in the reference implementation's
order, so hashes exchanged with other PDQ users match ours) plus a quality 0..100; hashes of flat or
featureless frames (quality < ``MIN_QUALITY``) match almost anything and are ignored.

Matching (``HashIndex``) follows ThreatExchange's vPDQ: a query video matches a banked *video* when at
least ``VIDEO_MATCH_FRACTION`` of the query's usable frames lie within Hamming distance
``MAX_DISTANCE`` of some frame of that video; it matches a banked *image* when any of its frames does.
The index is in memory, rebuilt from the database by the moderation app; distances are computed for
every (query frame, banked frame) pair at once with numpy (XOR and popcount over four 64-bit words),
in blocks that bound memory, so a bank of 100,000 frames is scanned in milliseconds.

Computing hashes needs the optional ``pdqhash`` package (extra ``moderation``); storing, parsing and
matching them needs only numpy. Nothing here imports Django.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from reelbox.media.frames import Frame
from reelbox.safety.errors import ModelUnavailable

MAX_DISTANCE = 31
MIN_QUALITY = 50
VIDEO_MATCH_FRACTION = 0.8
HASH_BYTES = 32
# A hash list bigger than this is not a bank an admin uploads through a form.
MAX_CSV_ROWS = 200_000
_HEADERS = {"pdq", "hash", "pdq_hex", "signal", "signal_value"}
# (query frame, banked frame) pairs compared per block: 2^20 pairs are 32 MB of XORed words.
_PAIRS = 1 << 20


def pdq(frames: list[Frame]) -> list[tuple[bytes, int]]:
    """(32-byte PDQ hash, quality 0..100) of each frame, in order."""
    pdqhash = _pdqhash()
    out = []
    for frame in frames:
        bits, quality = pdqhash.compute(np.ascontiguousarray(frame.rgb, dtype=np.uint8))
        out.append((_pack(bits), int(quality)))
    return out


def pdq_and_mirrored(frames: list[Frame]) -> tuple[list[tuple[bytes, int]], list[tuple[bytes, int]]]:
    """``pdq(frames)``, and the hashes the same frames would have mirrored left to right.

    Mirroring is the commonest disguise of a re-upload; PDQ derives the mirrored hash from the same
    transform, so it costs nothing extra.
    """
    pdqhash = _pdqhash()
    upright, mirrored = [], []
    for frame in frames:
        variants, quality = pdqhash.compute_dihedral(np.ascontiguousarray(frame.rgb, dtype=np.uint8))
        # compute_dihedral's order: original, rotated 90, 180, 270, then four flips; index 5 is the
        # left-right mirror (checked against hashing a mirrored frame in the tests).
        upright.append((_pack(variants[0]), int(quality)))
        mirrored.append((_pack(variants[5]), int(quality)))
    return upright, mirrored


def _pdqhash():
    try:
        import pdqhash
    except ImportError as exc:
        raise ModelUnavailable("PDQ hashing needs the 'pdqhash' package (pip install 'reelbox[moderation]')") from exc
    return pdqhash


def _pack(bits) -> bytes:
    # pdqhash returns the bits most significant first, the order of the reference hex format.
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes()


def to_hex(h: bytes) -> str:
    if not isinstance(h, bytes | bytearray | memoryview) or len(h) != HASH_BYTES:
        raise ValueError(f"a PDQ hash is {HASH_BYTES} bytes")
    return bytes(h).hex()


def from_hex(s: str) -> bytes:
    """The hash written as 64 hex digits (either case, surrounding spaces ignored); ValueError otherwise."""
    text = s.strip() if isinstance(s, str) else ""
    if len(text) != 2 * HASH_BYTES:
        raise ValueError(f"a PDQ hash is {2 * HASH_BYTES} hex digits, got {len(text)}")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError("a PDQ hash is written in hex digits (0-9, a-f)") from None


def distance(a: bytes, b: bytes) -> int:
    """Hamming distance between two hashes."""
    return int.from_bytes(a, "big").__xor__(int.from_bytes(b, "big")).bit_count()


def parse_csv(text: str) -> list[tuple[str, str]]:
    """Rows ``pdq_hex[,label]`` of an imported hash list -> [(lowercase hex, label)].

    Blank lines and ``#`` comments are skipped, as is a header line (``pdq,label``...). Raises
    ValueError naming the first bad line.
    """
    rows: list[tuple[str, str]] = []
    for number, fields in enumerate(csv.reader(io.StringIO(text)), 1):
        if not fields or not "".join(fields).strip() or fields[0].lstrip().startswith("#"):
            continue
        first = fields[0].strip()
        if not rows and first.lower() in _HEADERS:
            continue
        if len(fields) > 2:
            raise ValueError(f"line {number}: expected 'pdq_hex[,label]', got {len(fields)} fields")
        try:
            value = from_hex(first)
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
        rows.append((value.hex(), fields[1].strip() if len(fields) > 1 else ""))
        if len(rows) > MAX_CSV_ROWS:
            raise ValueError(f"line {number}: a hash list holds at most {MAX_CSV_ROWS} rows")
    return rows


def to_csv(rows: Iterable[tuple[str | bytes, str]]) -> str:
    """The export format ``parse_csv`` reads back: one ``pdq_hex,label`` line per hash, no header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for value, label in rows:
        hexed = to_hex(value) if isinstance(value, bytes | bytearray | memoryview) else from_hex(value).hex()
        writer.writerow([hexed, label or ""] if label else [hexed])
    return out.getvalue()


@dataclass(frozen=True)
class Match:
    key: str  # what was banked (the caller's id)
    kind: str  # "video" or "image"
    fraction: float  # share of the query's usable frames within MAX_DISTANCE of this entry
    distance: int  # the smallest distance seen
    mirrored: bool = False  # matched once the query was mirrored left to right


def _popcount(x: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy >= 2
        return np.bitwise_count(x)
    return _BYTE_BITS[x.view(np.uint8)].reshape(*x.shape, 8).sum(axis=-1, dtype=np.uint8)


_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _as_words(hashes: list[bytes]) -> np.ndarray:
    raw = b"".join(hashes)
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64).reshape(len(hashes), 4)


class HashIndex:
    """Banked hashes in memory: ``add`` entries (a video's frames, or an image), ``match`` a query."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[tuple[str, str, list[bytes]]] = []
        self._keys: list[str] = []  # entry number -> key
        self._kinds: dict[str, str] = {}
        self._words = np.zeros((0, 4), dtype=np.uint64)
        self._owner = np.zeros(0, dtype=np.int64)  # row -> entry number

    def add(self, key: str, hashes: list[bytes], kind: str = "video") -> None:
        if kind not in ("video", "image"):
            raise ValueError("kind is 'video' or 'image'")
        hashes = [bytes(h) for h in hashes]
        for h in hashes:
            if len(h) != HASH_BYTES:
                raise ValueError(f"{key}: a PDQ hash is {HASH_BYTES} bytes")
        with self._lock:
            if self._kinds.setdefault(key, kind) != kind:
                raise ValueError(f"{key} is already banked as {self._kinds[key]}")
            self._pending.append((key, kind, hashes))

    def remove(self, key: str) -> None:
        with self._lock:
            self._consolidate()
            if key not in self._kinds:
                return
            entry = self._keys.index(key)
            keep = self._owner != entry
            self._words, self._owner = self._words[keep], self._owner[keep]
            self._keys[entry] = ""  # entry numbers stay stable; an emptied slot owns no rows
            del self._kinds[key]

    def __len__(self) -> int:
        with self._lock:
            self._consolidate()
            return len(self._kinds)

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._kinds

    def _consolidate(self) -> None:
        """Fold entries added since the last match into the arrays (under the lock)."""
        if not self._pending:
            return
        positions = {key: i for i, key in enumerate(self._keys) if key}
        words, owners = [self._words], [self._owner]
        for key, _kind, hashes in self._pending:
            if key not in positions:
                positions[key] = len(self._keys)
                self._keys.append(key)
            if hashes:
                words.append(_as_words(hashes))
                owners.append(np.full(len(hashes), positions[key], dtype=np.int64))
        self._words = np.concatenate(words)
        self._owner = np.concatenate(owners)
        self._pending.clear()

    def match(self, hashes: list[tuple[bytes, int]]) -> list[Match]:
        """Entries the query (its frames' (hash, quality)) matches, best first."""
        usable = [h for h, quality in hashes if quality >= MIN_QUALITY]
        if not usable:
            return []
        query = _as_words(usable)
        with self._lock:
            self._consolidate()
            words, owner, keys, kinds = self._words, self._owner, list(self._keys), dict(self._kinds)
        if not len(words):
            return []
        # For every entry, which query frames came within range and the closest distance.
        hit_pairs: list[np.ndarray] = []
        best = np.full(len(keys), 257, dtype=np.int64)
        rows = max(256, _PAIRS // len(usable))
        for start in range(0, len(words), rows):
            block = words[start:start + rows]
            dist = _popcount(query[:, None, :] ^ block[None, :, :]).sum(axis=2, dtype=np.int64)
            q_idx, b_idx = np.nonzero(dist <= MAX_DISTANCE)
            if not len(q_idx):
                continue
            entries = owner[start + b_idx]
            np.minimum.at(best, entries, dist[q_idx, b_idx])
            hit_pairs.append(entries * len(usable) + q_idx)
        if not hit_pairs:
            return []
        pairs = np.unique(np.concatenate(hit_pairs))
        entries, frames_hit = np.unique(pairs // len(usable), return_counts=True)
        matches = []
        for entry, count in zip(entries.tolist(), frames_hit.tolist()):
            key = keys[entry]
            kind = kinds.get(key)
            if kind is None:
                continue  # removed meanwhile
            fraction = count / len(usable)
            if kind == "image" or fraction >= VIDEO_MATCH_FRACTION:
                matches.append(Match(key=key, kind=kind, fraction=fraction, distance=int(best[entry])))
        matches.sort(key=lambda m: (-m.fraction, m.distance, m.key))
        return matches

    def match_either(self, upright: list[tuple[bytes, int]], mirrored: list[tuple[bytes, int]]) -> list[Match]:
        """``match`` of the query as it is, or mirrored (``pdq_and_mirrored``): per entry, the better."""
        best: dict[str, Match] = {m.key: m for m in self.match(upright)}
        for m in self.match(mirrored):
            seen = best.get(m.key)
            if seen is None or (m.fraction, -m.distance) > (seen.fraction, -seen.distance):
                best[m.key] = Match(m.key, m.kind, m.fraction, m.distance, mirrored=True)
        return sorted(best.values(), key=lambda m: (-m.fraction, m.distance, m.key))
