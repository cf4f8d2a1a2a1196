"""PostgreSQL: the who-holds-what insert triggers run once per statement (archive/db/stances.py).

An import's multi-row inserts of positions and authorships made one upsert per row; a statement
trigger over the inserted rows makes one grouped upsert per statement, with the same result.
SQLite keeps its row triggers (it has no statement triggers): nothing changes there.
"""

from django.db import migrations

from archive.db import stances


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        stances.install(schema_editor.connection)  # replaces every trigger of the table in place


class Migration(migrations.Migration):
    dependencies = [("archive", "0008_kind_newest")]

    # Backwards there is nothing to undo: both kinds of trigger keep the same rows, and every
    # migrate re-installs the triggers archive/stances.py defines (post_migrate).
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
