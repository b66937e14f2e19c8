"""Item metadata with the inverted indexes the content and following sources read."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Hashable, Iterable

import numpy as np

from reelbox.recsys.signals import Item


# Features with at least this many items keep their newest members as an array (see Catalog.newest).
NEWEST_KEPT_FROM = 64


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
        """Register items (idempotent per id, metadata of a known id is replaced); returns their indices.

        Written for bulk: a model file of 1M items is loaded through here by every web process."""
        out: list[int] = []
        base = len(self.items)
        index, all_items = self.index, self.items
        replaced: list[int] = []
        for it in items:
            idx = index.get(it.item)
            if idx is None:
                idx = index[it.item] = len(all_items)
                all_items.append(it)
            else:
                if idx < base:
                    self._move(idx, all_items[idx], it)
                    replaced.append(idx)
                all_items[idx] = it
            out.append(idx)
        fresh = all_items[base:]
        by_creator, by_hashtag, by_sound = self.by_creator, self.by_hashtag, self.by_sound
        for idx, it in enumerate(fresh, base):
            by_creator[it.creator].append(idx)
            for tag in it.hashtags:
                by_hashtag[tag].append(idx)
            if it.sound is not None:
                by_sound[it.sound].append(idx)
        n = len(fresh)
        self.duration = np.concatenate([self.duration, np.fromiter((it.duration_s for it in fresh), float, n)])
        self.created_at = np.concatenate([self.created_at, np.fromiter((it.created_at for it in fresh), float, n)])
        self.boost = np.concatenate([self.boost, np.fromiter((it.boost for it in fresh), float, n)])
        for idx in replaced:
            it = all_items[idx]
            self.duration[idx], self.created_at[idx], self.boost[idx] = it.duration_s, it.created_at, it.boost
        self._encode(base, replaced)
        return out

    def _move(self, idx: int, old: Item, new: Item) -> None:
        """Move a replaced item from the member lists of the features it lost to those of the ones it gained
        (each list stays in index order, i.e. oldest first)."""
        moved = False
        for lists, before, after in ((self.by_creator, {old.creator}, {new.creator}),
                                     (self.by_hashtag, set(old.hashtags), set(new.hashtags)),
                                     (self.by_sound, {old.sound} - {None}, {new.sound} - {None})):
            for value in before - after:
                members = lists[value]
                at = bisect_left(members, idx)
                if at < len(members) and members[at] == idx:
                    del members[at]
                if not members:
                    del lists[value]
            for value in after - before:
                insort(lists[value], idx)
            moved |= before != after
        if moved:
            self._newest.clear()  # a list may have lost one member and gained another: same length, new content

    def columns(self) -> tuple[dict[str, list], dict[str, np.ndarray]]:
        """The catalogue as columns (the model file's layout): JSON lists, and arrays for the numbers.

        Loading a million items from columns takes a fraction of the time one JSON object per item does."""
        items = self.items
        lists = {"item": [it.item for it in items], "creator": [it.creator for it in items],
                 "sound": [it.sound for it in items], "language": [it.language for it in items],
                 "hashtags": [t for it in items for t in it.hashtags]}
        arrays = {"tag_count": np.fromiter((len(it.hashtags) for it in items), np.int64, len(items)),
                  "duration": self.duration, "created_at": self.created_at, "boost": self.boost}
        return lists, arrays

    @classmethod
    def from_columns(cls, lists: dict[str, list], arrays: dict[str, np.ndarray]) -> Catalog:
        ends = np.cumsum(arrays["tag_count"]).tolist()
        tags = lists["hashtags"]
        hashtags = [tuple(tags[a:b]) for a, b in zip([0] + ends[:-1], ends)]
        return cls(map(Item, lists["item"], lists["creator"], hashtags, lists["sound"],
                       np.asarray(arrays["duration"], dtype=np.float64).tolist(),
                       np.asarray(arrays["created_at"], dtype=np.float64).tolist(), lists["language"],
                       np.asarray(arrays["boost"], dtype=np.float64).tolist()))

    def newest(self, kind: str, value: Hashable, limit: int) -> np.ndarray:
        """The newest `limit` items with a feature (kind "hashtag", "sound" or "creator"), as an array.

        Every personal page reads a few of these; converting a list of a thousand ints each time cost more
        than the rest of the content source. Kept until the feature gains an item (lists only grow); short
        lists are cheap to convert and most features have one (a sound used once), so they are not kept."""
        members = {"hashtag": self.by_hashtag, "sound": self.by_sound, "creator": self.by_creator}[kind].get(value)
        if not members:
            return np.zeros(0, dtype=np.int64)
        if len(members) < NEWEST_KEPT_FROM:
            return np.array(members[-limit:], dtype=np.int64)
        key = (kind, value, limit)
        cached = self._newest.get(key)
        if cached is None or cached[0] != len(members):
            cached = self._newest[key] = (len(members), np.array(members[-limit:], dtype=np.int64))
        return cached[1]

    def code(self, kind: str, value: Hashable) -> int:
        """Code of a feature value, or -1 (matches nothing) when no item has it."""
        return -1 if value is None else self.vocab[kind].get(value, -1)

    def _encode(self, start: int, replaced: list[int]) -> None:
        """Feature codes of the items from ``start`` on and of the ``replaced`` ones."""
        rows = list(range(start, len(self.items))) + replaced
        if not rows:
            return
        vocab = self.vocab

        def codes(kind: str, values: Iterable[Hashable]) -> list[int]:
            table = vocab[kind]
            return [-1 if v is None else table.setdefault(v, len(table)) for v in values]

        chosen = [self.items[i] for i in rows]
        counts = np.fromiter((len(it.hashtags) for it in chosen), np.int64, len(chosen))
        width = max(self.tag_codes.shape[1], int(counts.max(initial=0)))
        n = len(self.items)
        tags = np.full((n, width), -1, dtype=np.int64)
        tags[: start, : self.tag_codes.shape[1]] = self.tag_codes[:start]
        flat = codes("hashtag", (t for it in chosen for t in it.hashtags))
        row = np.repeat(np.asarray(rows, dtype=np.int64), counts)
        tags[row, np.arange(len(flat)) - np.repeat(np.cumsum(counts) - counts, counts)] = flat
        for i in replaced:  # a replaced item keeps no code of its old hashtags
            tags[i, len(self.items[i].hashtags):] = -1
        self.tag_codes = tags
        creator = np.full(n, -1, dtype=np.int64)
        sound = np.full(n, -1, dtype=np.int64)
        creator[:start], sound[:start] = self.creator_code[:start], self.sound_code[:start]
        creator[rows] = codes("creator", (it.creator for it in chosen))
        sound[rows] = codes("sound", (it.sound for it in chosen))
        self.creator_code, self.sound_code = creator, sound

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
