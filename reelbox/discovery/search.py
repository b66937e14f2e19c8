"""Full-text search behind one interface: SQLite FTS5 in the embedded mode, PostgreSQL full-text (and
pg_trgm for typo candidates when the extension is there) on PostgreSQL.

Both engines see the same encoded terms (reelbox.discovery.text), so they find the same documents; only
the relevance function differs (bm25 / ts_rank), each multiplied by the document's engagement weight.
The index structures are created by migration 0002 and kept in step by the database (FTS5 triggers, a
generated tsvector column), so ``SearchDoc`` rows written by the ORM, even in bulk, are searchable at once.

Hazard: Django's SQLite schema editor rebuilds a table to alter it, which drops its triggers. A later
migration that alters ``discovery_searchdoc`` must recreate them (``sqlite_statements()``).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.db import connection, transaction

from reelbox.discovery import text

FTS_TABLE = "discovery_fts"
# How much a word in a title (caption, name) or a hashtag counts against one in the extra text.
TITLE_WEIGHT, TAG_WEIGHT, EXTRA_WEIGHT = 3.0, 4.0, 1.0


def sqlite_statements() -> list[str]:
    cols = "title, tags, extra"
    old = "old.title, old.tags, old.extra"
    new = "new.title, new.tags, new.extra"
    return [
        # Prefix indexes for 2-4 byte prefixes (4-8 encoded letters): what typing queries ask for.
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({cols}, content='discovery_searchdoc', "
        "content_rowid='id', tokenize='ascii', prefix='4 6 8')",
        "CREATE TRIGGER IF NOT EXISTS discovery_searchdoc_ai AFTER INSERT ON discovery_searchdoc BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (new.id, {new}); END",
        "CREATE TRIGGER IF NOT EXISTS discovery_searchdoc_ad AFTER DELETE ON discovery_searchdoc BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        "CREATE TRIGGER IF NOT EXISTS discovery_searchdoc_au AFTER UPDATE OF title, tags, extra "
        f"ON discovery_searchdoc BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {cols}) "
        f"VALUES ('delete', old.id, {old}); INSERT INTO {FTS_TABLE}(rowid, {cols}) VALUES (new.id, {new}); END",
    ]


def postgres_statements() -> list[str]:
    vec = ("setweight(to_tsvector('simple'::regconfig, title), 'A') || "
           "setweight(to_tsvector('simple'::regconfig, tags), 'A') || "
           "setweight(to_tsvector('simple'::regconfig, extra), 'C')")
    return [
        f"ALTER TABLE discovery_searchdoc ADD COLUMN IF NOT EXISTS tsv tsvector GENERATED ALWAYS AS ({vec}) STORED",
        "CREATE INDEX IF NOT EXISTS discovery_searchdoc_tsv ON discovery_searchdoc USING gin (tsv)",
    ]


def install_pg_trgm() -> bool:
    """pg_trgm for typo candidates, when the database lets us create it (a superuser or a trusted extension)."""
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cur.execute("CREATE INDEX IF NOT EXISTS discovery_searchterm_trgm ON discovery_searchterm "
                        "USING gin (term gin_trgm_ops)")
        return True
    except Exception:  # no privilege, extension not installed: the portable path serves
        return False


@dataclass(frozen=True)
class Hit:
    doc_id: int
    object_id: int
    score: float


def decode(term: str) -> str:
    data = bytes(((ord(term[i]) - 97) << 4) | (ord(term[i + 1]) - 97) for i in range(0, len(term) - 1, 2))
    return data.decode("utf-8", errors="ignore")


class Backend(ABC):
    """What search needs from a database: ranked matches, and vocabulary words close to a misspelt one."""

    vendor = ""

    def _window(self, count_sql: str, params: list) -> int:
        """The lowest document id to rank. Scoring is linear in the matches, so a broad query (a very common
        word, a short prefix) ranks only the newest ~BROAD of them: counting is cheap, scoring 50k is not,
        and among that many matches freshness is the better tie-breaker anyway."""
        with connection.cursor() as cur:
            cur.execute(count_sql, params)
            n = cur.fetchone()[0]
            if n <= BROAD:
                return 0
            cur.execute("SELECT MIN(id), MAX(id) FROM discovery_searchdoc")
            lo, hi = cur.fetchone()
        return int(hi - (hi - lo + 1) * BROAD / n)

    @abstractmethod
    def match(self, kind: str, groups: list[list[str]], prefix: bool, limit: int) -> list[Hit]:
        """Documents of ``kind`` matching every group (any term of a group), best first; each backend's SQL."""

    def near_terms(self, word: str, limit: int = 20) -> list[tuple[str, int]]:
        """Vocabulary words sharing trigrams with ``word``, best first, as (term, document frequency)."""
        return _vocabulary().near(word, limit)


class SqliteBackend(Backend):
    vendor = "sqlite"

    @staticmethod
    def expression(groups: list[list[str]], prefix: bool) -> str:
        # Encoded terms are letters a-p only: nothing in them is FTS5 syntax.
        terms = [text.encode(t) for g in groups for t in g]
        if prefix and terms:
            terms[-1] += "*"
        return " AND ".join(terms)

    def match(self, kind, groups, prefix, limit):
        expr = self.expression(groups, prefix)
        if not expr:
            return []
        low = self._window(f"SELECT COUNT(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expr])
        sql = (f"SELECT d.id, COALESCE(d.video_id, d.user_id, d.sound_id), "
               f"bm25({FTS_TABLE}, {TITLE_WEIGHT}, {TAG_WEIGHT}, {EXTRA_WEIGHT}) * d.weight AS s "
               f"FROM {FTS_TABLE} JOIN discovery_searchdoc d ON d.id = {FTS_TABLE}.rowid "
               f"WHERE {FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid >= %s AND d.kind = %s "
               f"ORDER BY s, d.id DESC LIMIT %s")
        with connection.cursor() as cur:
            cur.execute(sql, [expr, low, kind, limit])
            return [Hit(a, b, -s) for a, b, s in cur.fetchall()]


class PostgresBackend(Backend):
    vendor = "postgresql"
    _trgm: bool | None = None

    @staticmethod
    def expression(groups: list[list[str]], prefix: bool) -> str:
        terms = [text.encode(t) for g in groups for t in g]
        if prefix and terms:
            terms[-1] += ":*"
        return " & ".join(terms)

    def match(self, kind, groups, prefix, limit):
        expr = self.expression(groups, prefix)
        if not expr:
            return []
        low = self._window("SELECT COUNT(*) FROM discovery_searchdoc WHERE tsv @@ to_tsquery('simple', %s)", [expr])
        sql = ("SELECT d.id, COALESCE(d.video_id, d.user_id, d.sound_id), "
               "ts_rank(d.tsv, q, 1) * d.weight AS s FROM discovery_searchdoc d, to_tsquery('simple', %s) q "
               "WHERE d.kind = %s AND d.tsv @@ q AND d.id >= %s ORDER BY s DESC, d.id DESC LIMIT %s")
        with connection.cursor() as cur:
            cur.execute(sql, [expr, kind, low, limit])
            return [Hit(a, b, s) for a, b, s in cur.fetchall()]

    def has_trgm(self) -> bool:
        if PostgresBackend._trgm is None:
            with connection.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
                PostgresBackend._trgm = cur.fetchone() is not None
        return PostgresBackend._trgm

    def near_terms(self, word, limit=20):
        if not self.has_trgm():
            return super().near_terms(word, limit)
        with transaction.atomic(), connection.cursor() as cur:
            # The same loose threshold as the portable path (edit distance decides afterwards), set for this
            # transaction only, so that the trigram index serves the % operator.
            cur.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(NEAR_THRESHOLD)])
            cur.execute("SELECT term, df FROM discovery_searchterm WHERE term %% %s AND df > 0 "
                        "ORDER BY similarity(term, %s) DESC, df DESC LIMIT %s", [word, word, limit])
            return [(t, d) for t, d in cur.fetchall()]


NEAR_THRESHOLD = 0.1
# Matches past this many are too many to score per query (see Backend._window).
BROAD = 5000


def backend() -> Backend:
    return PostgresBackend() if connection.vendor == "postgresql" else SqliteBackend()


class _Vocabulary:
    """The vocabulary with a trigram index, in process memory, for databases without pg_trgm. Rebuilt when
    the table changed (one cheap aggregate per lookup; lookups happen only when a query found nothing)."""

    MAX_TERMS = 200_000

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamp: tuple | None = None
        self.terms: list[tuple[str, int]] = []
        self.grams: dict[str, list[int]] = {}

    def near(self, word: str, limit: int) -> list[tuple[str, int]]:
        from django.db.models import Count, Max

        from reelbox.discovery.models import SearchTerm

        stamp = tuple(SearchTerm.objects.aggregate(n=Count("id"), m=Max("id"), d=Max("df")).values())
        with self.lock:
            if stamp != self.stamp:
                rows = list(SearchTerm.objects.filter(df__gt=0).order_by("-df").values_list("term", "df")
                            [: self.MAX_TERMS])
                grams: dict[str, list[int]] = {}
                for i, (term, _df) in enumerate(rows):
                    for g in text.trigrams(term):
                        grams.setdefault(g, []).append(i)
                self.terms, self.grams, self.stamp = rows, grams, stamp
            terms, grams = self.terms, self.grams
        shared: dict[int, int] = {}
        for g in text.trigrams(word):
            for i in grams.get(g, ()):
                shared[i] = shared.get(i, 0) + 1
        n = len(text.trigrams(word))
        scored = []
        for i, common in shared.items():
            term, df = terms[i]
            sim = common / (n + len(text.trigrams(term)) - common)
            if sim >= NEAR_THRESHOLD:
                scored.append((-sim, -df, term))
        scored.sort()
        return [(term, -df) for _s, df, term in scored[:limit]]


_vocab = _Vocabulary()


def _vocabulary() -> _Vocabulary:
    return _vocab


def corrections(word: str, limit: int = 3) -> list[str]:
    """Indexed words within a few typos of ``word``, nearest and most common first."""
    allowed = text.max_typos(word)
    # Past 24 characters a word is a paste or a key held down, not a typo worth a trigram lookup.
    if allowed == 0 or len(word) > 24 or text.is_unspaced(word):
        return []
    found = []
    for term, df in backend().near_terms(word, 30):
        if term == word:
            return []
        d = text.edit_distance(word, term, allowed)
        if d <= allowed:
            found.append((d, -df, term))
    found.sort()
    return [t for _d, _df, t in found[:limit]]
