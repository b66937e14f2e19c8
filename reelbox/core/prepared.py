"""ORM reads compiled to SQL once, then run many times with new values.

Building and compiling a Django query costs several times more than running it on an index: the feed runs
the same few reads on every page, only with another viewer or other ids. ``Prepared`` keeps the SQL the ORM
wrote for the first call and reuses it with the new values, so the conditions (permission checks included)
stay written once, as ORM code in the domain's queries module.

The SQL is made by building the query with stand-in values and finding each of them among the parameters.
Where that is ambiguous (a value the ORM transformed, a stand-in seen twice), or for an empty list (which the
ORM answers without SQL), the call simply goes through the ORM.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence

from django.db import connections
from django.db.models import QuerySet

# Stand-ins no real value equals: ints far below any id, strings no request can carry.
_INT_BASE = -(2**62)
# Shapes (one per list length) kept per prepared read; beyond it, new shapes go through the ORM.
MAX_SHAPES = 256
_ORM = object()


class Prepared:
    def __init__(self, build: Callable[..., QuerySet]):
        """``build(*values)`` returns the ``values_list`` QuerySet for those values (ints, strings or lists
        of ints); it must give the same SQL for any values of the same types and list lengths."""
        self.build = build
        self._shapes: dict[Hashable, object] = {}
        self._lock = threading.Lock()

    def rows(self, *values, variant: Hashable = None) -> list[tuple]:
        """The QuerySet's rows for ``values``. ``variant`` names whatever else ``build`` reads (a limit from
        the configuration, say), so a change of it compiles anew."""
        if any(isinstance(v, (list, tuple)) and not v for v in values):
            return list(self.build(*values))
        connection = connections["default"]
        shape = (connection.vendor, variant) + tuple(
            ("list", len(v)) if isinstance(v, (list, tuple)) else type(v) for v in values)
        compiled = self._shapes.get(shape)
        if compiled is None:
            compiled = self._compile(values)
            with self._lock:
                if len(self._shapes) < MAX_SHAPES:
                    self._shapes[shape] = compiled
        if compiled is _ORM:
            return list(self.build(*values))
        compiler, sql, template, slots, converters, qmark_sql = compiled
        params = list(template)
        for slot, value in zip(slots, _flat(values)):
            params[slot] = value
        if qmark_sql is not None and not connection.queries_logged and not connection.execute_wrappers:
            # SQLite, with nobody counting queries (tests do, through the debug cursor): straight to the
            # driver with the SQL already in its parameter style. Django's cursor wrapper, which rewrote the
            # placeholders with a regex on every call, cost a third of a query on the feed's hot path.
            connection.ensure_connection()
            connection.validate_no_broken_transaction()
            with connection.wrap_database_errors:
                fetched = connection.connection.execute(qmark_sql, params).fetchall()
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                fetched = cursor.fetchall()
        if not converters:
            return fetched
        # The ORM's own converters (dates from SQLite's text, for one), exactly as the QuerySet would apply,
        # looked up once per shape rather than on every call.
        return list(map(tuple, compiler.apply_converters(fetched, converters)))

    def _compile(self, values: Sequence):
        n = 0
        stand_ins = []
        for v in values:
            if isinstance(v, (list, tuple)):
                stand_ins.append([_INT_BASE + n + i for i in range(len(v))])
                n += len(v)
            elif isinstance(v, str):
                stand_ins.append(f"\x00stand-in {n}\x00")
                n += 1
            elif isinstance(v, int) and not isinstance(v, bool):
                stand_ins.append(_INT_BASE + n)
                n += 1
            else:
                return _ORM
        qs = self.build(*stand_ins)
        if qs.db != "default":
            return _ORM
        compiler = qs.query.get_compiler(qs.db)
        sql, params = compiler.as_sql()
        slots = []
        for stand_in in _flat(stand_ins):
            found = [i for i, p in enumerate(params) if type(p) is type(stand_in) and p == stand_in]
            if len(found) != 1:
                return _ORM
            slots.append(found[0])
        fields = [col[0] for col in compiler.select[0:compiler.col_count]]
        if compiler.has_composite_fields(fields):
            return _ORM
        qmark_sql = None
        if compiler.connection.vendor == "sqlite":
            from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

            # What Django's SQLite cursor does to every query before running it (format style to qmark).
            qmark_sql = FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
        return compiler, sql, tuple(params), slots, compiler.get_converters(fields), qmark_sql


def _flat(values: Sequence) -> list:
    return [x for v in values for x in (v if isinstance(v, (list, tuple)) else [v])]
