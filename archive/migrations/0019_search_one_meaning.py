"""One query, one meaning (issue 18): both databases index the same folded words
(archive/db/search_text.py): NFKC, case, letters like ø and ß, accents; stop words kept; Snowball
English on both; on PostgreSQL a gap between columns so no phrase spans two. The index is
re-made: on PostgreSQL the generated columns are dropped and added again, on SQLite the FTS5
tables are dropped and re-filled through the new triggers."""

from django.db import migrations

from archive.db import search_index


def forwards(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        search_index.uninstall_postgres_columns(connection)
    else:
        search_index.uninstall(connection)
    search_index.install(connection)


class Migration(migrations.Migration):
    dependencies = [("archive", "0018_appearances_predictions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
