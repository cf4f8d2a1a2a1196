"""Full-text search indexes (archive/db/search_index.py): a generated tsvector column with GIN indexes on
PostgreSQL, external-content FTS5 tables with triggers on SQLite. Re-checked after every migrate."""

from django.db import migrations

from archive import db


class Migration(migrations.Migration):
    dependencies = [("archive", "0003_page_indexes")]

    operations = [db.run_python("search index")]
