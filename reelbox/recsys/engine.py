"""The recommendation engine the feed calls: fit on the event log, update online, recommend a page."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from reelbox.recsys import sources
from reelbox.recsys.bloom import BloomFilter
from reelbox.recsys.catalog import Catalog
from reelbox.recsys.collab import CollabConfig, CollabModel, fit_collab, last_times
from reelbox.recsys.config import ACTIONS, merge_config
from reelbox.recsys.exploration import ExposurePools
from reelbox.recsys.metrics import top_indices
from reelbox.recsys.model import Model
from reelbox.recsys.ranker import ActionRates, Trending, value_scores
from reelbox.recsys.rerank import Slot, assemble
from reelbox.recsys.signals import Interactions, Item, WatchQuantiles, feedback_weight
from reelbox.recsys.state import SeenSet, UserState

ENGAGE = ("like", "comment", "share", "follow")


@dataclass(frozen=True)
class Recommendation:
    item: Hashable
    score: float
    source: str
    reason_code: str
    reason_args: dict[str, Any] = field(default_factory=dict)


# How many items' run-rule keys an engine keeps (see Engine._slots): ~160 bytes each, the hashtag sets shared.
RUN_KEYS_KEPT = 100_000


class Engine:
    def __init__(self, config: Mapping[str, Any] | None = None, model: Model | None = None) -> None:
        self.config = model.config if model is not None and config is None else merge_config(dict(config or {}))
        self.model = model
        # (catalogue size, hashtags too common to count for the run rule), see _slots.
        self._common: tuple[int, frozenset[str]] | None = None
        # item -> (creator, index in _tag_sets of the hashtags that count for the run rule), for the items
        # pages meet most; one set object per distinct hashtag list (_tag_index finds it). See _slots.
        self._run_keys: dict[int, tuple[Hashable, int]] = {}
        self._tag_sets: list[frozenset[str]] = []
        self._tag_index: dict[tuple[str, ...], int] = {}

    @classmethod
    def from_model(cls, model: Model) -> Engine:
        return cls(model=model)

    # ---- training -------------------------------------------------------------------------------
    def fit(self, interactions: Interactions, items: Iterable[Item]) -> Model:
        cfg = self.config
        catalog = Catalog(items)
        missing = {i for i in interactions.item if i not in catalog.index}
        catalog.add(Item(i, creator=None) for i in sorted(missing, key=repr))
        order = np.argsort(interactions.timestamp, kind="stable")
        ev = interactions.take(order)
        idx = np.array([catalog.index[i] for i in ev.item], dtype=np.int64)
        dur = catalog.duration[idx] if len(idx) else np.zeros(0)
        sig = cfg["signals"]
        quantiles = WatchQuantiles.fit(ev.watch_ratio, dur, sig["duration_edges"])
        w = feedback_weight(ev, dur, quantiles, sig["weights"], sig["skip_watch_ratio"])
        users = list(dict.fromkeys(ev.user.tolist()))
        uidx = {u: n for n, u in enumerate(users)}
        rows = np.array([uidx[u] for u in ev.user], dtype=np.int64)
        signed = sp.csr_matrix((w, (rows, idx)), shape=(len(users), len(catalog)))
        signed.sum_duplicates()
        signed.data = np.maximum(signed.data, 0.0)
        signed.eliminate_zeros()
        if signed.nnz and signed.shape[0] > 1:
            times = last_times(rows, idx, ev.timestamp, signed.shape)
            collab = fit_collab(signed, CollabConfig(**cfg["collab"]), times)
        else:
            # A new platform (no positive feedback yet, or one viewer): nothing to learn item-item from;
            # trending, content affinity and exploration still work.
            collab = CollabModel(CollabConfig(**cfg["collab"]), sp.csr_matrix((len(catalog), len(catalog))))
        rates = ActionRates(len(catalog))
        trending = Trending(len(catalog), cfg["trending"]["half_life_hours"] * 3600.0)
        pools = ExposurePools.from_config(cfg["exploration"])
        stamp = hashlib.sha256(json.dumps(cfg, sort_keys=True).encode()).hexdigest()[:8]
        version = f"rx1-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{len(ev)}ev-{stamp}"
        self.model = Model(version, cfg, catalog, collab, quantiles, rates, trending, pools)
        self._forget_run_keys()
        self._apply(ev, idx, w, dur)
        return self.model

    def add_items(self, items: Iterable[Item], explore: bool = True) -> None:
        """New uploads: registered in the catalog and, by default, entered into exposure pool 0."""
        m = self._m()
        new = m.catalog.add(items)
        self._forget_run_keys()
        m.rates.grow(len(m.catalog))
        m.trending.grow(len(m.catalog))
        if explore:
            for i in new:
                m.pools.add(i)

    # ---- online -----------------------------------------------------------------------------------
    def update(self, user: Hashable, events: Interactions | Iterable[Mapping[str, Any]]) -> None:
        """Apply a user's new events; the very next recommend() reflects them."""
        ev = events if isinstance(events, Interactions) else Interactions.from_records(
            {**e, "user": user} for e in events)
        m = self._m()
        unknown = [i for i in ev.item if i not in m.catalog.index]
        if unknown:
            self.add_items((Item(i, creator=None) for i in dict.fromkeys(unknown)), explore=False)
        ev = ev.take(np.argsort(ev.timestamp, kind="stable"))
        idx = np.array([m.catalog.index[i] for i in ev.item], dtype=np.int64)
        dur = m.catalog.duration[idx]
        sig = self.config["signals"]
        w = feedback_weight(ev, dur, m.quantiles, sig["weights"], sig["skip_watch_ratio"])
        self._apply(ev, idx, w, dur)

    def session_state(self, events: Interactions) -> UserState:
        """A user's state rebuilt from their recent events alone, leaving the model untouched.

        What a multi-process server needs: each request rebuilds the viewer's interests from the shared
        event log (the latest N events, as Gorse does), so the model stays read-only and thread-safe, and
        an event stored by any process changes the very next page. Items unknown to the model are skipped.
        """
        m = self._m()
        known = np.array([i in m.catalog.index for i in events.item], dtype=bool)
        ev = events.take(np.flatnonzero(known))
        ev = ev.take(np.argsort(ev.timestamp, kind="stable"))
        state = UserState(seen=SeenSet())
        if not len(ev):
            return state
        idx = np.array([m.catalog.index[i] for i in ev.item], dtype=np.int64)
        sig = self.config["signals"]
        w = feedback_weight(ev, m.catalog.duration[idx], m.quantiles, sig["weights"], sig["skip_watch_ratio"])
        for i, wi, f, n in zip(idx.tolist(), w.tolist(), ev.follow.tolist(), ev.not_interested.tolist()):
            _apply_event(state, m.catalog, i, wi, f, n)
        state.seen.add_many(idx)
        return state

    def _apply(self, ev: Interactions, idx: np.ndarray, w: np.ndarray, dur: np.ndarray) -> None:
        m = self._m()
        q = m.quantiles.quantile(ev.watch_ratio, dur)
        m.rates.add(idx, q, {a: getattr(ev, a) for a in ACTIONS})
        m.trending.add(idx, ev.timestamp)
        completed, follow, nope = ev.completed.tolist(), ev.follow.tolist(), ev.not_interested.tolist()
        engaged = np.zeros(len(ev), dtype=bool)
        for a in ENGAGE:
            engaged |= getattr(ev, a)
        engaged_l, idx_l, w_l = engaged.tolist(), idx.tolist(), w.tolist()
        if m.pools.items:
            for n in range(len(ev)):
                m.pools.record(idx_l[n], completed[n], engaged_l[n])
        touched: dict[Hashable, list[int]] = {}
        for n, user in enumerate(ev.user.tolist()):
            state = self._state(user)
            touched.setdefault(user, []).append(idx_l[n])
            _apply_event(state, m.catalog, idx_l[n], w_l[n], follow[n], nope[n])
        # One vectorised Bloom insert per user rather than one per event.
        for user, seen in touched.items():
            m.users[user].seen.add_many(np.array(seen, dtype=np.int64))

    def _state(self, user: Hashable) -> UserState:
        m = self._m()
        s = m.users.get(user)
        if s is None:
            rc = self.config["rerank"]
            s = m.users[user] = UserState(seen=BloomFilter(rc["bloom_capacity"], rc["bloom_error"]))
        return s

    def _m(self) -> Model:
        if self.model is None:
            raise RuntimeError("engine has no model: call fit() or pass model=Model.load(path)")
        return self.model

    # ---- serving ----------------------------------------------------------------------------------
    def recommend(self, user: Hashable, k: int = 10, exclude: Collection[Hashable] = frozenset(),
                  now: float | None = None, follows: Collection[Hashable] | None = None,
                  blocked_creators: Collection[Hashable] = frozenset(),
                  held: Callable[[Hashable], bool] | Collection[Hashable] | np.ndarray = frozenset(),
                  only_sources: Collection[str] | None = None,
                  state: UserState | None = None) -> list[Recommendation]:
        """A page for `user`; pass `state` (e.g. from session_state) to rank for it without the model's own.

        `held` (never recommended): ids, a predicate on an id, or a boolean array over catalogue indices
        (True: held), the cheapest at any catalogue size; items past the array's end count as held."""
        m, cfg = self._m(), self.config
        if state is None:
            state = m.users.get(user) or UserState(seen=BloomFilter(cfg["rerank"]["bloom_capacity"],
                                                                    cfg["rerank"]["bloom_error"]))
        now = m.trending.ref if now is None else now
        n_src = cfg["sources"]
        want = set(only_sources or n_src)
        results: list[sources.SourceResult] = []
        follow_set = set(state.follows) | set(follows or ())
        if "following" in want and follow_set:
            results.append(sources.following(follow_set, m.catalog, n_src["following"]))
        if "collaborative" in want:
            results.append(sources.collaborative(m.collab, state, m.catalog, n_src["collaborative"],
                                                 cfg["history_half_life_events"]))
        if "content" in want:
            results.append(sources.content(state, m.catalog, n_src["content"], cfg["content"]))
        if "trending" in want:
            results.append(sources.trending(m.trending, now, n_src["trending"]))
        explore = (sources.exploration(m.pools, state, m.catalog, 3 * n_src["exploration"])
                   if "exploration" in want else sources.SourceResult("exploration", np.zeros(0, int), np.zeros(0)))

        allowed = self._allowed(state, exclude, blocked_creators, held)
        main, origin = self._rank(state, results, allowed, k)
        ex_items = explore.items[allowed(explore.items)] if len(explore.items) else explore.items
        # A page takes a share of its slots from these, all of them only when nothing else ranks: 2k leave
        # room for those the run rule holds back.
        ex_items = ex_items[: 2 * k]
        ex_slots = self._slots(ex_items.tolist(), [0.0] * len(ex_items), explore=True)
        share = cfg["exploration"]["share"] if "exploration" in want else 0.0
        if not main:
            share = 1.0
        keep = None
        if callable(held):
            items_ = m.catalog.items
            keep = lambda s: not held(items_[s.item].item)
        page = assemble(main, ex_slots, k, cfg["rerank"]["max_run"], share, keep)
        ex_reason = {int(i): r for i, r in zip(explore.items, explore.reasons)}
        out = []
        for s in page:
            if s.explore:
                out.append(Recommendation(m.catalog.items[s.item].item, s.score, "exploration", "new_video",
                                          ex_reason.get(s.item, {})))
            else:
                src, args = origin[s.item]
                out.append(Recommendation(m.catalog.items[s.item].item, s.score, src, _REASON[src], args))
        return out

    def _rank(self, state: UserState, results: list[sources.SourceResult],
              allowed: Callable[[np.ndarray], np.ndarray], k: int) -> tuple[list[Slot], dict]:
        m, cfg = self._m(), self.config
        results = [r for r in results if len(r.items)]
        if not results:
            return [], {}
        # Within-source rank percentile (sources' raw scores are not on comparable scales); an item found by
        # several sources keeps its best, the earlier source on a tie. Vectorised: a page ranks ~1,000 candidates.
        all_items = np.concatenate([r.items for r in results]).astype(np.int64, copy=False)
        pct = np.concatenate([_SOURCE_WEIGHT[r.name] * (1.0 - np.arange(len(r.items)) / len(r.items))
                              for r in results])
        source = np.concatenate([np.full(len(r.items), n) for n, r in enumerate(results)])
        position = np.concatenate([np.arange(len(r.items)) for r in results])
        order = np.lexsort((position, source, -pct))
        _uniq, first = np.unique(all_items[order], return_index=True)
        best = order[first]
        best = best[allowed(all_items[best])]
        items, relevance = all_items[best], pct[best]
        affinity = np.clip(relevance + 0.5 * sources.content_scores(state, m.catalog, items, cfg["content"])
                           + m.catalog.boost[items], -1, 1.5)
        scores = value_scores(m.rates, items, affinity, cfg["ranker"])
        # Re-ranking only ever reaches a few candidates past the page: build slots for those alone.
        order = top_indices(scores, max(4 * k, k + 50))
        top, chosen = items[order].tolist(), best[order]
        origin = {item: (results[n].name, results[n].reasons[at])
                  for item, n, at in zip(top, source[chosen].tolist(), position[chosen].tolist())}
        return self._slots(top, scores[order].tolist()), origin

    def _forget_run_keys(self) -> None:
        self._common = None
        self._run_keys = {}
        self._tag_sets = []
        self._tag_index = {}

    def _slots(self, items: list[int], scores: list[float], explore: bool = False) -> list[Slot]:
        """Re-rank slots: each item's creator and the hashtags that count for the run rule.

        Hashtags on over half the catalogue (#fyp) are left out: they say nothing about variety, and the rule
        on them could never hold, so re-ranking would scan every candidate for every slot in vain. Built per
        candidate (about a hundred a page) rather than kept for every item: at 1M items that table took 2.4 s
        to build and two objects per item on the heap of every web process; the RUN_KEYS_KEPT first met are
        kept."""
        cat = self._m().catalog
        common = self._common
        if common is None or common[0] != len(cat):
            self._forget_run_keys()  # kept keys left out the hashtags common in the catalogue as it was
            common = self._common = (len(cat), frozenset(
                t for t, members in cat.by_hashtag.items() if 2 * len(members) > len(cat)))
        entries, ignored, known = cat.items, common[1], self._run_keys
        tag_sets, tag_index = self._tag_sets, self._tag_index
        slots = []
        for i, sc in zip(items, scores):
            keys = known.get(i)
            if keys is not None:
                creator, tags = keys[0], tag_sets[keys[1]]
            else:
                entry = entries[i]
                creator, at = entry.creator, tag_index.get(entry.hashtags)
                if at is not None:
                    tags = tag_sets[at]
                else:
                    tags = frozenset(entry.hashtags).difference(ignored)
                    if len(tag_sets) < RUN_KEYS_KEPT:
                        at = tag_index[entry.hashtags] = len(tag_sets)
                        tag_sets.append(tags)
                # Bounded: the items pages meet most are met early; past the bound, the rest are built each time.
                # An (id, int) tuple holds no container, so the collector stops tracking it: a full collection
                # then skips the kept keys, where tuples holding the sets made it walk every one of them.
                if at is not None and len(known) < RUN_KEYS_KEPT:
                    known[i] = (creator, at)
            slots.append(Slot(i, sc, creator, tags, explore))
        return slots

    def _allowed(self, state: UserState, exclude: Collection[Hashable], blocked: Collection[Hashable],
                 held: Callable[[Hashable], bool] | Collection[Hashable] | np.ndarray,
                 ) -> Callable[[np.ndarray], np.ndarray]:
        """Vectorised hard filters: seen, not-interested, excluded/held ids, blocked or rejected creators.
        A callable `held` is checked per placed item in assemble() instead, as it cannot be vectorised."""
        cat = self._m().catalog
        mask = held if isinstance(held, np.ndarray) else None
        if mask is not None and len(mask) < len(cat):
            mask = np.concatenate([mask, np.ones(len(cat) - len(mask), dtype=bool)])
        bad_ids = set(exclude) | (set() if callable(held) or mask is not None else set(held))
        bad_items = np.array([cat.index[x] for x in bad_ids if x in cat.index] + list(state.negative_items),
                             dtype=np.int64)
        bad_creators = np.array([c for c in (cat.code("creator", x) for x in set(blocked) | state.negative_creators)
                                 if c >= 0], dtype=np.int64)

        def allowed(items: np.ndarray) -> np.ndarray:
            if len(items) == 0:
                return np.zeros(0, dtype=bool)
            ok = ~state.seen.contains_many(items)
            if mask is not None:
                ok &= ~mask[items]
            if len(bad_items):
                ok &= ~np.isin(items, bad_items)
            if len(bad_creators):
                ok &= ~np.isin(cat.creator_code[items], bad_creators)
            return ok

        return allowed


_REASON = {"following": "followed_creator", "collaborative": "similar_to_watched", "content": "matches_interest",
           "trending": "trending", "exploration": "new_video"}
# Personal evidence outranks popularity when turning source ranks into affinity.
_SOURCE_WEIGHT = {"following": 1.0, "collaborative": 1.0, "content": 0.8, "trending": 0.2}


def _apply_event(state: UserState, catalog: Catalog, item: int, w: float, follow: bool,
                 not_interested: bool) -> None:
    prev = state.history.get(item, (0.0, 0))[0]
    total = prev + w
    if total > 0:
        state.history[item] = (total, state.n_events)
    else:
        state.history.pop(item, None)
    state.n_events += 1
    it = catalog.items[item]
    if not_interested:
        state.negative_items.add(item)
        if it.creator is not None:
            state.negative_creators.add(it.creator)
    if follow and it.creator is not None:
        state.follows.add(it.creator)
    for kind, values in catalog.features(item).items():
        if kind == "creator" and it.creator is None:
            continue
        aff = state.affinity[kind]
        for v in values:
            aff[v] = aff.get(v, 0.0) + w
    if it.language and w > 0:
        state.language[it.language] = state.language.get(it.language, 0.0) + w
