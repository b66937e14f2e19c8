"""The audience change log (``models.AudienceChange``): database triggers, and reads for those who follow it.

Caches of ``queries.recommendable()`` that expire after a few seconds are either stale (a video a moderator
just held stays in For You meanwhile) or expensive (over a large catalogue most checks miss and read the
database). The triggers below log every change that may move a video in or out of it, whatever wrote the
change, so a web process can keep its copy exact by reading the log's new rows now and then: one indexed
read that returns nothing almost always.

The triggers are (re)installed after every ``migrate`` rather than in a migration: on SQLite, a later
migration that rebuilds ``videos_video`` or ``accounts_user`` (how Django alters most columns there) drops
their triggers silently.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from datetime import timedelta
from typing import NamedTuple

from django.db import connections
from django.db.models import Max, Q
from django.utils import timezone

from reelbox.core.prepared import Prepared
from reelbox.videos.models import AudienceChange, Video

# How long rows are kept; a follower that has not read the log for half of this starts afresh.
KEEP = timedelta(days=1)

# What recommendable() reads: a video's status, visibility and moderation, its author's activity and privacy.
_VIDEO_COLUMNS = ("status", "visibility", "moderation")
_USER_COLUMNS = ("is_active", "is_private")
_LOG = AudienceChange._meta.db_table


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def _watched() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(table, the log's column for its id, the columns whose change is logged)."""
    from django.contrib.auth import get_user_model

    return ((Video._meta.db_table, "video_id", _VIDEO_COLUMNS),
            (get_user_model()._meta.db_table, "author_id", _USER_COLUMNS))


def _sqlite() -> list[str]:
    now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
    out = []
    for table, column, columns in _watched():
        out.append(f"CREATE TRIGGER IF NOT EXISTS reelbox_audience_{table}_update AFTER UPDATE ON {table} "
                   f"FOR EACH ROW WHEN {_changed(columns, 'IS NOT')} "
                   f"BEGIN INSERT INTO {_LOG} ({column}, at) VALUES (NEW.id, {now}); END")
        out.append(f"CREATE TRIGGER IF NOT EXISTS reelbox_audience_{table}_delete AFTER DELETE ON {table} "
                   f"FOR EACH ROW BEGIN INSERT INTO {_LOG} ({column}, at) VALUES (OLD.id, {now}); END")
    return out


def _postgresql() -> list[str]:
    out = []
    for table, column, columns in _watched():
        function = f"reelbox_audience_{table}"
        out.append(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   f"INSERT INTO {_LOG} ({column}, at, txid) VALUES "
                   f"(CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END, now(), "
                   f"pg_current_xact_id()::text::bigint); RETURN NULL; END $$")
        out.append(f"CREATE OR REPLACE TRIGGER {function}_update AFTER UPDATE ON {table} FOR EACH ROW "
                   f"WHEN ({_changed(columns, 'IS DISTINCT FROM')}) EXECUTE FUNCTION {function}()")
        out.append(f"CREATE OR REPLACE TRIGGER {function}_delete AFTER DELETE ON {table} FOR EACH ROW "
                   f"EXECUTE FUNCTION {function}()")
    return out


def install_triggers(using: str = "default", **_kwargs) -> None:
    """Create the triggers if they are missing (a ``post_migrate`` receiver; idempotent)."""
    connection = connections[using]
    if _LOG not in connection.introspection.table_names():
        return  # migrating to a state before the log existed
    statements = {"sqlite": _sqlite, "postgresql": _postgresql}.get(connection.vendor)
    if statements is None:
        raise RuntimeError(f"no audience triggers for the {connection.vendor} database")
    with connection.cursor() as cursor:
        for sql in statements():
            cursor.execute(sql)


_writes = 0


def wrote() -> None:
    """This process just changed a video's audience (``queries.forget``): its followers read the log at their
    next page rather than at their next turn."""
    global _writes
    _writes += 1


def writes() -> int:
    return _writes


def latest_id() -> int:
    return AudienceChange.objects.aggregate(m=Max("id"))["m"] or 0


class Horizon(NamedTuple):
    """PostgreSQL: the transactions a snapshot taken before a read of the log could not see, those running then
    (``running``) and those begun since (from ``next`` on). A row one of them wrote may commit after the read
    with an id below those it returned; one written by any other transaction was already visible. A session
    left idle in a transaction adds only its own rows, if any (its id stays in ``running``), where every row
    written since it began would be read again if the snapshot's oldest transaction bounded them."""

    next: int
    running: frozenset[int]

    def may_still_commit(self, txid: int | None) -> bool:
        return txid is not None and (txid >= self.next or txid in self.running)


def _log(where: Q):
    return AudienceChange.objects.filter(where).order_by("id").values_list("id", "video_id", "author_id", "txid")


_SINCE = Prepared(lambda mark: _log(Q(id__gt=mark)))


def horizon() -> Horizon | None:
    """Read before the log; None on SQLite, which commits one writer at a time, in id order."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmax(s)::text::bigint, "
                       "array(SELECT x::text::bigint FROM pg_snapshot_xip(s) AS x) FROM pg_current_snapshot() AS s")
        xmax, running = cursor.fetchone()
    return Horizon(xmax, frozenset(running))


def since(mark: int, horizon: Horizon | None = None) -> list[tuple[int, int | None, int | None, int | None]]:
    """(id, video id, author id, transaction id) of the rows after ``mark``, and of those written by the
    transactions a follower's previous ``horizon()`` could not see, oldest first. Prepared on SQLite: the
    per-page read."""
    if horizon is None:
        return _SINCE.rows(mark)
    late = Q(id__gt=mark) | Q(txid__gte=horizon.next)
    if horizon.running:
        late |= Q(txid__in=sorted(horizon.running))
    return list(_log(late))


# How often a process reads the log for those following it: a change made elsewhere reaches them within this (a
# change this process made, through ``queries.forget``, at once). Reading it on every page cost 2 % of a
# personal page at 1k videos on SQLite, and a round trip on PostgreSQL.
SYNC_S = 0.5
# Rows a process keeps for its followers; one that falls further behind starts afresh.
MAX_KEPT = 100_000


class Follower:
    """This process's reader of the log, shared by all that follow it (For You's per-model masks and its
    lists shared by viewers): one read every SYNC_S for all of them.

    Rows get positions here in the order they are read, which on PostgreSQL is not always the order of their
    ids (see ``horizon``): a follower that took position P before reading the database will find every change
    that its read may have missed after P. A follower whose position is no longer kept (MAX_KEPT rows later,
    or when this process had not read the log for KEEP / 2 and the rows after its mark may have been pruned)
    gets None and must read the database afresh."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.position = 0  # of the last row read; positions only grow, across restarts too
        self.base = 0  # position of the row before the first one kept
        self.rows: deque[tuple[int | None, int | None]] = deque()  # (video id, author id) after base
        self.mark: int | None = None  # the highest log id read; None: not started
        # PostgreSQL: rows of the transactions the last read could not see may still appear below the mark;
        # `pending` holds the ids of those of their rows already read.
        self.horizon: Horizon | None = None
        self.pending: set[int] = set()
        self.synced_at = float("-inf")
        self.writes = writes()

    def start(self) -> int:
        """The position to take before a read of the database that the rows after it will correct.

        The log is read first: a change committed before that read must come before the position, or the
        reader would count a video made recommendable just before (an upload that became ready) as changed
        since, and leave it out."""
        with self._lock:
            self._sync(time.monotonic(), force=True)
            return self.position

    def after(self, position: int) -> tuple[int, list[tuple[int | None, int | None]]] | None:
        """(the new position, the rows read after ``position``), or None if they are no longer kept."""
        with self._lock:
            self._sync(time.monotonic())
            if position < self.base:
                return None
            # From the right: followers are seldom far behind, and the deque may hold MAX_KEPT rows.
            news = list(itertools.islice(reversed(self.rows), self.position - position))
            news.reverse()
            return self.position, news

    def reset(self) -> None:
        """Read the log afresh at the next use; every follower's position falls out (tests roll the log back)."""
        with self._lock:
            self.mark, self.synced_at = None, float("-inf")
            self.position += 1
            self.base = self.position
            self.rows.clear()

    def _stale(self, now: float) -> bool:
        return now - self.synced_at >= KEEP.total_seconds() / 2

    def _restart(self) -> None:
        # The horizon and the mark first: a change committed while followers read the database comes later.
        self.horizon, self.pending = horizon(), set()
        self.mark, self.synced_at, self.writes = latest_id(), time.monotonic(), writes()
        self.position += 1  # every earlier position falls out
        self.base = self.position
        self.rows.clear()

    def _sync(self, now: float, force: bool = False) -> None:
        if self.mark is None or self._stale(now):
            self._restart()
            return
        if not force and now - self.synced_at < SYNC_S and self.writes == writes():
            return
        self.writes = writes()
        new_horizon = horizon()
        rows = since(self.mark, self.horizon)
        for row in rows:
            if row[0] > self.mark or row[0] not in self.pending:
                self.rows.append((row[1], row[2]))
                self.position += 1
        self.mark = max([self.mark] + [row[0] for row in rows])
        self.horizon = new_horizon
        self.pending = set() if new_horizon is None else {row[0] for row in rows if new_horizon.may_still_commit(row[3])}
        self.synced_at = now
        while len(self.rows) > MAX_KEPT:
            self.rows.popleft()
            self.base += 1


follower = Follower()


def prune(now=None) -> int:
    """Drop rows older than KEEP (the worker's sweep)."""
    return AudienceChange.objects.filter(at__lt=(now or timezone.now()) - KEEP).delete()[0]
