"""The audit log refuses UPDATE and DELETE in the database itself, not only in the ORM.

PostgreSQL refuses both row by row; TRUNCATE (what test databases and ``manage flush`` use) stays possible
for whoever holds that privilege. SQLite has no TRUNCATE (flush runs DELETE), so there only UPDATE is
refused in the database and DELETE by the model.
"""

from django.db import migrations

SQLITE = [
    "CREATE TRIGGER moderation_audit_no_update BEFORE UPDATE ON moderation_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION moderation_audit_refuse() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql;",
    "CREATE TRIGGER moderation_audit_no_change BEFORE UPDATE OR DELETE ON moderation_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION moderation_audit_refuse();",
]
DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS moderation_audit_no_update;"],
    "postgresql": ["DROP TRIGGER IF EXISTS moderation_audit_no_change ON moderation_auditentry;",
                   "DROP FUNCTION IF EXISTS moderation_audit_refuse();"],
}


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
