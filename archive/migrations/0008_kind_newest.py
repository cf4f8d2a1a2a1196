"""Newest-first within a kind of take (docs/performance.md, "takes: 3 filters + facets").

The take list's facets count the newest 1,000 takes each facet applies to; with a kind chosen,
PostgreSQL walked every published take of that kind (23,400 at 100,000 takes, ~48 ms) to find
them, and SQLite picked ``(kind, status)`` and sorted. ``(kind, status, published)`` read backwards
gives SQLite the list order (NULLs sort first there, as in 0005); PostgreSQL gets a partial index
in its list order, ``published DESC NULLS LAST, id DESC``, as 0005 made for all takes.
"""

from django.db import migrations, models

POSTGRES_INDEX = (
    "CREATE INDEX IF NOT EXISTS take_kind_newest_idx ON archive_take "
    "(kind, published DESC NULLS LAST, id DESC) WHERE status = 'published'"
)


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_INDEX)


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS take_kind_newest_idx")


class Migration(migrations.Migration):
    dependencies = [("archive", "0007_data_version")]

    operations = [
        migrations.RemoveIndex(model_name="take", name="take_kind_status_idx"),
        migrations.AddIndex(
            model_name="take",
            index=models.Index(fields=["kind", "status", "published"], name="take_kind_status_date_idx"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
