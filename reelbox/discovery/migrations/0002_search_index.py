"""The database's own full-text index over SearchDoc: FTS5 + triggers on SQLite, a generated tsvector with a
GIN index (and pg_trgm on the vocabulary, when allowed) on PostgreSQL."""

from django.db import migrations


def forwards(apps, schema_editor):
    from reelbox.discovery import search

    conn = schema_editor.connection
    if conn.vendor == "sqlite":
        for sql in search.sqlite_statements():
            schema_editor.execute(sql)
    elif conn.vendor == "postgresql":
        for sql in search.postgres_statements():
            schema_editor.execute(sql)
        search.install_pg_trgm()


def backwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "sqlite":
        for name in ("discovery_searchdoc_ai", "discovery_searchdoc_ad", "discovery_searchdoc_au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute("DROP TABLE IF EXISTS discovery_fts")
    elif conn.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE discovery_searchdoc DROP COLUMN IF EXISTS tsv")


class Migration(migrations.Migration):
    dependencies = [("discovery", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
