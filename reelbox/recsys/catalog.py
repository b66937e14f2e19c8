"""Item metadata with the inverted indexes the content and following sources read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable

import numpy as np

from reelbox.recsys.signals import Item


class Catalog:
    def __init__(self, items: Iterable[Item] = ()) -> None:
        self.items: list[Item] = []
        self.index: dict[Hashable, int] = {}
        self.by_creator: dict[Hashable, list[int]] = defaultdict(list)
        self.by_hashtag: dict[str, list[int]] = defaultdict(list)
        self.by_sound: dict[Hashable, list[int]] = defaultdict(list)
        self.duration = np.zeros(0)
        self.created_at = np.zeros(0)
        self.boost = np.zeros(0)
        # Integer codes of each item's features, so per-candidate filters and affinities are vectorised.
        self.vocab: dict[str, dict[Hashable, int]] = {"hashtag": {}, "sound": {}, "creator": {}}
        self.creator_code = np.zeros(0, dtype=np.int64)
        self.sound_code = np.zeros(0, dtype=np.int64)
        self.tag_codes = np.zeros((0, 1), dtype=np.int64)
        # (kind, value, limit) -> (members when built, newest members as an array); see newest().
        self._newest: dict[tuple, tuple[int, np.ndarray]] = {}
        self.add(items)

    def __len__(self) -> int:
        return len(self.items)

    def add(self, items: Iterable[Item]) -> list[int]:
        """Register items (idempotent per id, metadata of a known id is replaced); returns their indices."""
        out: list[int] = []
        new_dur, new_created, new_boost = [], [], []
        for it in items:
            idx = self.index.get(it.item)
            if idx is not None:
                self.items[idx] = it
                self.duration[idx], self.created_at[idx] = it.duration_s, it.created_at
                self.boost[idx] = it.boost
                out.append(idx)
                continue
            idx = len(self.items)
            self.items.append(it)
            self.index[it.item] = idx
            self.by_creator[it.creator].append(idx)
            for tag in it.hashtags:
                self.by_hashtag[tag].append(idx)
            if it.sound is not None:
                self.by_sound[it.sound].append(idx)
            new_dur.append(it.duration_s)
            new_created.append(it.created_at)
            new_boost.append(it.boost)
            out.append(idx)
        if new_dur:
            self.duration = np.concatenate([self.duration, np.array(new_dur, dtype=np.float64)])
            self.created_at = np.concatenate([self.created_at, np.array(new_created, dtype=np.float64)])
            self.boost = np.concatenate([self.boost, np.array(new_boost, dtype=np.float64)])
        self._encode()
        return out

    def newest(self, kind: str, value: Hashable, limit: int) -> np.ndarray:
        """The newest `limit` items with a feature (kind "hashtag", "sound" or "creator"), as an array.

        Every personal page reads a few of these; converting a list of a thousand ints each time cost more
        than the rest of the content source. Kept until the feature gains an item (lists only grow)."""
        members = {"hashtag": self.by_hashtag, "sound": self.by_sound, "creator": self.by_creator}[kind].get(value)
        if not members:
            return np.zeros(0, dtype=np.int64)
        key = (kind, value, limit)
        cached = self._newest.get(key)
        if cached is None or cached[0] != len(members):
            cached = self._newest[key] = (len(members), np.array(members[-limit:], dtype=np.int64))
        return cached[1]

    def code(self, kind: str, value: Hashable) -> int:
        """Code of a feature value, or -1 (matches nothing) when no item has it."""
        return -1 if value is None else self.vocab[kind].get(value, -1)

    def _encode(self) -> None:
        start = len(self.creator_code)
        if start == len(self.items) and all(len(self.items[i].hashtags) <= self.tag_codes.shape[1]
                                            for i in range(start)):
            return
        fresh = self.items[start:]

        def enc(kind: str, v: Hashable) -> int:
            if v is None:
                return -1
            return self.vocab[kind].setdefault(v, len(self.vocab[kind]))

        width = max([self.tag_codes.shape[1]] + [len(it.hashtags) for it in fresh])
        tags = np.full((len(fresh), width), -1, dtype=np.int64)
        for r, it in enumerate(fresh):
            tags[r, : len(it.hashtags)] = [enc("hashtag", t) for t in it.hashtags]
        old = np.full((start, width), -1, dtype=np.int64)
        old[:, : self.tag_codes.shape[1]] = self.tag_codes[:start]
        self.tag_codes = np.vstack([old, tags])
        self.creator_code = np.concatenate([self.creator_code, [enc("creator", it.creator) for it in fresh]]).astype(np.int64)
        self.sound_code = np.concatenate([self.sound_code, [enc("sound", it.sound) for it in fresh]]).astype(np.int64)

    def codes_of(self, kind: str, items: np.ndarray) -> np.ndarray:
        """(len(items), width) codes of `kind` per item, -1 padded."""
        if kind == "hashtag":
            return self.tag_codes[items]
        arr = self.creator_code if kind == "creator" else self.sound_code
        return arr[items][:, None]

    def features(self, idx: int) -> dict[str, list[Hashable]]:
        it = self.items[idx]
        return {"hashtag": list(it.hashtags), "sound": [] if it.sound is None else [it.sound], "creator": [it.creator]}

    def ids(self, idx: Iterable[int]) -> list[Hashable]:
        return [self.items[i].item for i in idx]
