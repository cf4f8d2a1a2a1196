"""Indexes for the archive at scale (docs/performance.md).

PostgreSQL only: the take lists sort by ``published DESC NULLS LAST, id DESC`` (newest first) or
``published ASC NULLS LAST, id`` (oldest first). A b-tree on ``(status, published)`` read backwards
gives ``NULLS FIRST`` and no ``id`` order, so PostgreSQL sorted all 97,000 published takes for every
list page and every capped facet (~100 ms at 100,000 takes); these partial indexes hand it the
order ready-made (0.4 ms). SQLite needs nothing: NULLs sort first there, so its existing
``(status, published)`` index read backwards already is ``published DESC NULLS LAST, rowid DESC``.
"""

from django.db import migrations, models

POSTGRES_INDEXES = {
    "take_published_newest_idx": "(published DESC NULLS LAST, id DESC) WHERE status = 'published'",
    "take_published_oldest_idx": "(published ASC NULLS LAST, id ASC) WHERE status = 'published'",
}


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in POSTGRES_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON archive_take {definition}")


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in POSTGRES_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("archive", "0004_search_index")]

    operations = [
        migrations.RunPython(forwards, backwards),
        # "Takes on this question (holding this stance)" read from the index alone: the experts-by-
        # stance page and the stance facet join it against tens of thousands of takes.
        migrations.RemoveIndex(model_name="position", name="position_question_stance_idx"),
        migrations.AddIndex(
            model_name="position",
            index=models.Index(fields=["question", "stance", "take"], name="position_q_stance_take_idx"),
        ),
    ]
