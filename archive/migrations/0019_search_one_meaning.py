"""One query, one meaning (issue 18): both databases index the same folded words
(archive/db/search_text.py): NFKC, case, letters like ø and ß, accents; stop words kept; Snowball
English on both; on PostgreSQL a gap between columns so no phrase spans two. The index is
re-made: on PostgreSQL the generated columns are dropped and added again, on SQLite the FTS5
tables are dropped and re-filled through the new triggers."""

from django.db import migrations, transaction

from archive.db import search_index, stats


def forwards(apps, schema_editor) -> None:
    connection = schema_editor.connection
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            search_index.uninstall_postgres_columns(connection)
        else:
            search_index.uninstall(connection)
        search_index.install(connection)
    # The new columns have no statistics: without them PostgreSQL plans a common word's search
    # over every match (2.9 s instead of 0.1 s at 1,000,000 quotes). Outside the rebuild's
    # transaction (the migration is not atomic), PostgreSQL also VACUUMs: re-adding the columns
    # rewrote both tables with an empty visibility map, and no dead rows would bring autovacuum, so
    # index-only scans read the heap until someone vacuumed (cold home page 0.6 → 1.3 s at 1M).
    stats.analyze(connection, ["archive_quote", "archive_take"])


class Migration(migrations.Migration):
    # The rebuild is one transaction of its own (above); the VACUUM after it cannot be in one.
    atomic = False
    dependencies = [("archive", "0018_appearances_predictions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
