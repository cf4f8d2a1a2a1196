"""Full-text search indexes (archive/search/schema.py): a generated tsvector column with GIN indexes on
PostgreSQL, external-content FTS5 tables with triggers on SQLite. Re-checked after every migrate."""

from django.db import migrations

from archive.search import schema


def forwards(apps, schema_editor) -> None:
    schema.install(schema_editor.connection)


def backwards(apps, schema_editor) -> None:
    schema.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("archive", "0003_page_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
