"""The For You recommender's Django side: training data from the event log, versioned models, hot swap.

The engine (``reelbox.recsys``) knows nothing of Django. Here the worker turns ``feed.Event`` rows, social
actions and feed feedback into the engine's ``Interactions``, and playable videos into ``Item``s, fits a
``Model`` and stores it as a new version. Web processes serve the newest version and look for a newer one at
most every ``RECSYS["RELOAD_S"]`` seconds; a new version loads in a background thread while the old one keeps
serving, then replaces it with one reference assignment (no downtime, no lock on the hot path).

The served model is never mutated by requests: each request rebuilds its viewer's state from the event log
(``reelbox.feed.interests``), which is what makes one event change the next page in every web process.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Case, IntegerField, Max, Sum, When
from django.utils import timezone

from reelbox.feed.models import Event, Feedback, RecModel
from reelbox.feed.withheld import Withheld
from reelbox.recsys import Engine, Interactions, Item, Model
from reelbox.recsys.exploration import ACTIVE
from reelbox.social.models import Comment, Follow, Like, Share
from reelbox.videos import queries as video_queries

log = logging.getLogger("reelbox.feed")

MAX_HASHTAGS = 10
# Videos younger than this enter the exploration pools at training time.
EXPLORE_AGE = timedelta(days=3)


def hashtags(caption: str) -> tuple[str, ...]:
    """Hashtags of a caption in their matching form, first occurrence first (reelbox.discovery.hashtags)."""
    from reelbox.discovery.hashtags import names

    return tuple(names(caption))[:MAX_HASHTAGS]


# Scripts that name a language on their own; other captions get no language (a guess would mislead).
_SCRIPTS = ((re.compile(r"[\u3040-\u30ff]"), "ja"), (re.compile(r"[\uac00-\ud7af]"), "ko"),
            (re.compile(r"[\u4e00-\u9fff]"), "zh"), (re.compile(r"[\u0600-\u06ff]"), "ar"),
            (re.compile(r"[\u0400-\u04ff]"), "ru"))


def caption_language(caption: str) -> str | None:
    """A video's language when its caption's script tells it (kana before Han: Japanese uses both)."""
    for pattern, lang in _SCRIPTS:
        if pattern.search(caption or ""):
            return lang
    return None


def viewer_key(user_id: int | None, device_id: str) -> str:
    return f"u{user_id}" if user_id else f"d{device_id}"


def config() -> dict:
    return settings.REELBOX["RECSYS"]


def engine_config() -> dict:
    cfg = config()
    over = dict(cfg["ENGINE"])
    over["exploration"] = {**over.get("exploration", {}), "share": cfg["EXPLORATION_SHARE"]}
    return over


# ---- model store --------------------------------------------------------------------------------------


class LocalModelStore:
    """Model files under the data dir: never under MEDIA_ROOT, which the app serves to anyone."""

    def __init__(self, root: Path):
        self.root = root

    def save(self, version: str, data: bytes) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"{version}.npz"
        tmp = self.root / (name + ".tmp")
        tmp.write_bytes(data)
        # Atomic rename: a web process never reads a half-written model.
        tmp.replace(self.root / name)
        return name

    def load(self, path: str) -> bytes:
        return (self.root / Path(path).name).read_bytes()

    def delete(self, path: str) -> None:
        (self.root / Path(path).name).unlink(missing_ok=True)


class StorageModelStore:
    """Model files in the configured object storage, so every node can load them.

    Hazard: the media bucket may be publicly readable, and a model holds item statistics, so files go under
    a prefix derived from the secret key that nobody can guess from a media URL.
    """

    def __init__(self, storage):
        self.storage = storage
        secret = hmac.new(settings.SECRET_KEY.encode(), b"reelbox.recsys.models", hashlib.sha256).hexdigest()[:24]
        self.prefix = f"private/recsys-{secret}"

    def save(self, version: str, data: bytes) -> str:
        from django.core.files.base import ContentFile

        return self.storage.save(f"{self.prefix}/{version}.npz", ContentFile(data))

    def load(self, path: str) -> bytes:
        with self.storage.open(path, "rb") as fh:
            return fh.read()

    def delete(self, path: str) -> None:
        self.storage.delete(path)


def model_store():
    from django.core.files.storage import storages

    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        return LocalModelStore(Path(settings.DATA_DIR) / "recsys")
    return StorageModelStore(storages["default"])


# ---- training -----------------------------------------------------------------------------------------


def catalog_items() -> list[Item]:
    # Sound and a stored language join the items when videos have them (studio, discovery issues).
    from reelbox.discovery.queries import challenge_video_boosts

    # Running challenges: their entries carry the challenge's tag first (a content feature viewers build
    # affinity for) and the configured boost (REELBOX["DISCOVERY"]: CHALLENGE_BOOST, FEATURED_BOOST).
    boosts, challenge_tags = challenge_video_boosts(settings.REELBOX["DISCOVERY"])
    rows = video_queries.playable().values_list("pk", "author_id", "caption", "duration", "created_at", "language")
    return [Item(pk, creator=author, hashtags=_with_first(challenge_tags.get(pk), hashtags(caption)),
                 duration_s=float(duration or 15.0), created_at=created.timestamp(),
                 language=language or caption_language(caption), boost=boosts.get(pk, 0.0))
            for pk, author, caption, duration, created, language in rows.iterator(chunk_size=2000)]


def _with_first(tag: str | None, tags: tuple[str, ...]) -> tuple[str, ...]:
    return tags if tag is None else (tag, *(t for t in tags if t != tag))[:MAX_HASHTAGS]


def _when(kind: int):
    return Max(Case(When(type=kind, then=1), default=0, output_field=IntegerField()))


def training_data(items: list[Item]) -> tuple[Interactions, int]:
    """One row per (viewer, video): watch ratio, completion, replay, skip, plus social actions and
    'not interested'. Aggregated in the database (portable GROUP BY) so a retrain reads each pair once."""
    cfg = config()
    since = timezone.now() - timedelta(days=cfg["TRAIN_DAYS"])
    last_id = Event.objects.aggregate(m=Max("id"))["m"] or 0
    qs = Event.objects.filter(created_at__gte=since, id__gt=last_id - cfg["TRAIN_MAX_EVENTS"], id__lte=last_id)
    agg = (qs.values("user_id", "device_id", "video_id")
           .annotate(watch=Sum("watch_ms"), done=_when(Event.Type.COMPLETE), again=_when(Event.Type.REPLAY),
                     skipped=_when(Event.Type.SKIP), ts=Max("created_at")))
    duration = {it.item: it.duration_s for it in items}
    creator = {it.item: it.creator for it in items}
    rows: dict[tuple[str, int], dict] = {}
    for r in agg.iterator(chunk_size=5000):
        key = (viewer_key(r["user_id"], r["device_id"]), r["video_id"])
        row = rows.get(key)
        ratio = (r["watch"] or 0) / 1000.0 / max(duration.get(r["video_id"], 15.0), 0.1)
        if row is None:
            rows[key] = {"user": key[0], "item": key[1], "timestamp": r["ts"].timestamp(), "watch_ratio": ratio,
                         "completed": bool(r["done"]), "replay": bool(r["again"]), "skip": bool(r["skipped"])}
        else:  # the same signed-in viewer on two devices
            row["watch_ratio"] += ratio
            row["completed"] |= bool(r["done"])
            row["replay"] |= bool(r["again"])
            row["timestamp"] = max(row["timestamp"], r["ts"].timestamp())

    def mark(user: str, video: int, action: str, ts) -> None:
        row = rows.get((user, video))
        if row is None:
            if action == "not_interested":
                return  # never shown to them (no event): nothing to learn, and no view to count
            # Liking or sharing implies the video was watched.
            row = rows[(user, video)] = {"user": user, "item": video, "timestamp": ts.timestamp(), "watch_ratio": 1.0}
        row[action] = True

    for user, device, video, ts in Feedback.objects.filter(
            kind=Feedback.Kind.NOT_INTERESTED, created_at__gte=since, video__isnull=False).values_list(
            "user_id", "device_id", "video_id", "created_at").iterator():
        mark(viewer_key(user, device), video, "not_interested", ts)
    for action, user_field, model in SOCIAL_ACTIONS:
        for user, video, ts in model.objects.filter(created_at__gte=since, **{f"{user_field}__isnull": False}) \
                .values_list(f"{user_field}_id", "video_id", "created_at").iterator():
            mark(f"u{user}", video, action, ts)
    follows = _follow_pairs()
    if follows:
        for (user, video), row in rows.items():
            if (user, creator.get(video)) in follows:
                row["follow"] = True
    return Interactions.from_records(rows.values()), last_id


# Social actions the ranker learns from: (action, the acting user's field, model).
SOCIAL_ACTIONS = (("like", "user", Like), ("comment", "author", Comment), ("share", "user", Share))


def _follow_pairs() -> set[tuple[str, int]]:
    return {(f"u{a}", b) for a, b in Follow.objects.filter(status=Follow.Status.ACCEPTED)
            .values_list("follower_id", "followee_id").iterator()}


def train() -> RecModel | None:
    """Fit a new model version on the event log, store it and publish it (the newest RecModel row)."""
    started = time.perf_counter()
    items = catalog_items()
    if not items:
        return None
    interactions, last_id = training_data(items)
    engine = Engine(engine_config())
    model = engine.fit(interactions, items)
    young = time.time() - EXPLORE_AGE.total_seconds()
    fresh = [it for it in items if it.created_at >= young]
    engine.add_items(fresh, explore=True)
    if fresh and len(interactions):
        # Count the exposure new videos already had, so staged promotion starts from the truth.
        index, pools = model.catalog.index, model.pools
        engaged = (interactions.like | interactions.comment | interactions.share | interactions.follow).tolist()
        for n, (item, done) in enumerate(zip(interactions.item.tolist(), interactions.completed.tolist())):
            i = index.get(item)
            if i is not None and i in pools.items:
                pools.record(i, done, engaged[n])
    # Unique even for two retrains within one second (the engine stamps versions to the second).
    model.version = f"{model.version}-{secrets.token_hex(3)}"
    # Per-viewer state is rebuilt from the event log at serving time; keeping it would grow the file with
    # every viewer and go stale at once.
    model.users = {}
    data = model.to_bytes()
    store = model_store()
    path = store.save(model.version, data)
    fit_s = time.perf_counter() - started
    row = RecModel.objects.create(version=model.version, path=path, n_events=len(interactions), n_items=len(items),
                                  n_viewers=len(set(interactions.user.tolist())), last_event_id=last_id,
                                  fit_seconds=fit_s, created_at=timezone.now())
    _prune(store)
    log.info("recommender %s trained in %.2fs: %d items, %d viewer-video pairs, %d bytes", model.version, fit_s,
             len(items), len(interactions), len(data))
    return row


def _prune(store) -> None:
    keep = config()["KEEP_VERSIONS"]
    for old in RecModel.objects.order_by("-created_at", "-id")[keep:]:
        try:
            store.delete(old.path)
        except OSError:
            log.warning("could not delete old model file %s", old.path)
        old.delete()


def needs_retrain(now=None) -> bool:
    """A retrain is due when the interval passed and something changed: new events, or playable videos the
    newest model has never seen. Those already reach every feed before it (exploration slots, see
    feed.queries.unranked_new); within a minute the model learns them and can rank them by content."""
    now = now or timezone.now()
    latest = RecModel.objects.order_by("-created_at", "-id").first()
    if latest is None:
        return video_queries.playable().exists()
    age = (now - latest.created_at).total_seconds()
    if age >= config()["RETRAIN_S"]:
        return Event.objects.filter(id__gt=latest.last_event_id).exists() or _new_videos_since(latest)
    return age >= 60 and _new_videos_since(latest)


def _new_videos_since(latest: RecModel) -> bool:
    return video_queries.playable().filter(ready_at__gt=latest.created_at).exists()


# ---- serving: the newest version, swapped in without downtime ------------------------------------------


class _Serving:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        # The engine and what For You must not recommend from its catalogue, swapped together.
        self.pair: tuple[Engine, Withheld] | None = None
        self.version: str | None = None
        self.checked_at = float("-inf")
        self.loading: str | None = None


_serving = _Serving()


def _load(version: str, path: str) -> tuple[Engine, Withheld] | None:
    try:
        model = Model.from_bytes(model_store().load(path))
    except (OSError, ValueError, KeyError):
        log.exception("could not load recommender model %s", version)
        return None
    model.users = {}
    engine = Engine(model=model)
    engine.recommend(None, 1)  # build lazy per-model structures now, not in a viewer's request
    previous = _serving.pair
    return engine, Withheld.load(model.catalog, previous[1] if previous else None)


def _settle_heap() -> None:
    """Move the process's long-lived objects (Django, the model) out of the collector's way.

    Hazard: a full collection walks every tracked object; with a model loaded that pause reached ~80 ms in a
    request (measured in-process), far past the feed's p99 budget. Frozen objects are never collected, so the
    previous model is released (unfreeze + collect) before freezing again: one pause per swap, not per request.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _load_in_background(version: str, path: str) -> None:
    from django.db import connection

    try:
        pair = _load(version, path)
    finally:
        connection.close()  # this thread's own connection, which nothing else will close
    with _serving.lock:
        if pair is not None:
            # One reference assignment: requests in flight keep the old engine they already hold.
            _serving.pair, _serving.version = pair, version
        _serving.loading = None
    if pair is not None:
        _settle_heap()


def serving(wait: bool = False) -> tuple[Engine, Withheld] | tuple[None, None]:
    """The engine of the newest model version with its withheld items, or (None, None) before the first
    training.

    Checks the version marker (one indexed query) at most every RELOAD_S seconds. The first model loads
    synchronously (there is nothing to serve meanwhile); later ones load in a thread unless ``wait``.
    """
    _refresh(wait)
    return _serving.pair or (None, None)


def _refresh(wait: bool) -> None:
    now = time.monotonic()
    s = _serving
    if now - s.checked_at < config()["RELOAD_S"]:
        return
    with s.lock:
        if now - s.checked_at < config()["RELOAD_S"]:
            return
        s.checked_at = now
        row = RecModel.objects.order_by("-created_at", "-id").values_list("version", "path").first()
        if row is None or row[0] == s.version or row[0] == s.loading:
            return
        version, path = row
        if s.pair is None or wait:
            pair = _load(version, path)
            if pair is not None:
                s.pair, s.version = pair, version
                _settle_heap()
            return
        s.loading = version
    threading.Thread(target=_load_in_background, args=(version, path), daemon=True,
                     name="recsys-load").start()


def serving_engine(wait: bool = False) -> Engine | None:
    """The engine of the newest model version, or None before the first training (see ``serving``)."""
    return serving(wait)[0]


def serving_digest() -> str | None:
    """A short digest of the model version this process ranks with, or None while it has none loaded.

    Sent with For You pages (``Reelbox-Model``) so an operator or a benchmark can tell when every web process
    serves a new version; a digest, since the version itself tells how many events the platform has."""
    version = serving_version()
    return None if version is None else _digest(version)


@functools.lru_cache(maxsize=4)
def _digest(version: str) -> str:
    # Every For You response asks; versions change once a retrain.
    return hashlib.sha256(version.encode()).hexdigest()[:12]


def preload() -> None:
    """Load the newest model in the background as a web process starts, so its first For You requests do not
    wait for it (1.5 s at 100k videos): those arriving meanwhile get the cold feed (trending and new videos)."""

    def load() -> None:
        from django.db import connection

        try:
            serving_engine()
        except Exception:  # no tables yet (before migrate), a broken file: requests will retry and log it
            log.exception("preloading the recommender model failed")
        finally:
            connection.close()

    threading.Thread(target=load, daemon=True, name="recsys-preload").start()


def serving_version() -> str | None:
    return _serving.version


def reset_serving() -> None:
    """Forget the loaded model (tests; a process that must reload at once)."""
    with _serving.lock:
        _serving.pair, _serving.version, _serving.loading = None, None, None
        _serving.checked_at = float("-inf")


def trending_ids(engine: Engine, limit: int) -> list[int]:
    """Catalogue ids by time-decayed views, hottest first (only those with any views)."""
    m = engine.model
    top, _scores = m.trending.top(limit, time.time())
    return [m.catalog.items[i].item for i in top.tolist()]


def still_exploring(engine: Engine | None, ids: list[int]) -> list[int]:
    """Those of ``ids`` that are still in an active exploration pool, or unknown to the model (uploaded after
    it was trained); all of them when there is no model yet. Looked up per id: at 1M videos a set of every
    exploring id (43k of them) took 35 ms to build, in the request that rebuilt the cold list."""
    if engine is None:
        return list(ids)
    index, pools = engine.model.catalog.index, engine.model.pools.items
    out = []
    for pk in ids:
        item = index.get(pk)
        exposure = None if item is None else pools.get(item)
        if item is None or exposure is not None and exposure.status == ACTIVE:
            out.append(pk)
    return out

