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

from datetime import timedelta

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


# Larger than any transaction id: on SQLite no row is read again.
NO_HORIZON = 2**62

_SINCE = Prepared(lambda mark, horizon: AudienceChange.objects.filter(Q(id__gt=mark) | Q(txid__gte=horizon))
                  .order_by("id").values_list("id", "video_id", "author_id", "txid"))


def horizon() -> int:
    """Read before the log: the oldest transaction still running then (PostgreSQL). A row written by it, or by
    a later one, may commit after the read with an id below those it returned; one written by an older
    transaction was already visible."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return NO_HORIZON
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return cursor.fetchone()[0]


def since(mark: int, horizon: int = NO_HORIZON) -> list[tuple[int, int | None, int | None, int | None]]:
    """(id, video id, author id, transaction id) of the rows after ``mark``, and of those written by
    transactions from ``horizon`` on (a follower's previous ``horizon()``), oldest first. Prepared: the
    per-page read."""
    return _SINCE.rows(mark, horizon)


def prune(now=None) -> int:
    """Drop rows older than KEEP (the worker's sweep)."""
    return AudienceChange.objects.filter(at__lt=(now or timezone.now()) - KEEP).delete()[0]
