"""Planner statistics: what each database knows of a table's size and values when it plans a query.

Neither database gathers them on its own right after a bulk write: PostgreSQL's autovacuum may be
off or behind (a generated corpus of 1,000,000 quotes gave a rare-word search a median of 135 ms and
a common word 1,050 ms until a manual ``VACUUM ANALYZE``), and SQLite has no statistics until ``ANALYZE``
runs (it then keeps them in ``sqlite_stat1``). So the bulk paths (``import_takes`` above
``ANALYZE_AFTER_TAKES``, ``generate_corpus``, ``load_fixtures``) call ``analyze()`` on the tables
they wrote, and ``manage.py benchmark`` reports ``describe()``. ``analyze()`` also compacts the journals
of published takes per date (archive/db/take_dates.py), of published positions per question, stance
and date (archive/db/stance_dates.py), the home page's totals (archive/db/totals.py) and experts'
prediction records (archive/db/expert_records.py) and published predictions per outcome, question
and horizon (archive/db/prediction_counts.py), which a bulk write grows by a row or more per row
it writes on SQLite.
"""

# ruff: noqa: S608 - table names come from ARCHIVE_TABLES or the caller's fixed list, quoted.
from __future__ import annotations

from collections.abc import Iterable

from django.db.backends.base.base import BaseDatabaseWrapper

from archive.db import expert_records, prediction_counts, stance_dates, take_dates, totals
from archive.db.data_version import DERIVED_TABLES, TABLES

#: What the bulk paths write: the editorial tables, the tables triggers derive from them, and
#: PostgreSQL's spelling word list (SQLite's search tables are FTS5's own and need none).
ARCHIVE_TABLES = (
    *TABLES,
    *DERIVED_TABLES,
    stance_dates.TABLE,
    totals.TABLE,
    expert_records.TABLE,
    prediction_counts.TABLE,
    "archive_search_word",
)

#: An import that writes this many takes (created or updated) analyzes the tables afterwards.
ANALYZE_AFTER_TAKES = 2000

#: SQLite: rows ``ANALYZE`` reads per index, as ``PRAGMA optimize`` advises (approximate
#: statistics in a fraction of the time; a full ANALYZE reads every row of every index).
SQLITE_ANALYSIS_LIMIT = 1000

PROGRESS = "Updating planner statistics…"


def _existing(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> list[str]:
    present = set(connection.introspection.table_names())
    return [table for table in tables if table in present]


def analyze(connection: BaseDatabaseWrapper, tables: Iterable[str] = ARCHIVE_TABLES) -> list[str]:
    """Gather planner statistics for those of ``tables`` that exist; returns their names."""
    names = _existing(connection, tables)
    if not names:
        return names
    if take_dates.TABLE in names:
        take_dates.compact(connection)
    if stance_dates.TABLE in names:
        stance_dates.compact(connection)
    if totals.TABLE in names:
        totals.compact(connection)
    if expert_records.TABLE in names:
        expert_records.compact(connection)
    if prediction_counts.TABLE in names:
        prediction_counts.compact(connection)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Outside a transaction, VACUUM as well: it sets the visibility map, without which an
            # index-only scan still reads every heap page (after a generated corpus the take
            # list's count of 100,000 published takes took 116 ms cold, 8 ms after VACUUM).
            # VACUUM cannot run inside a transaction block; ANALYZE alone can.
            command = "ANALYZE " if connection.in_atomic_block else "VACUUM (ANALYZE) "
            cursor.execute(command + ", ".join(quote(name) for name in names))
        else:
            cursor.execute("PRAGMA analysis_limit")
            previous = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            for name in names:
                cursor.execute(f"ANALYZE {quote(name)}")
            cursor.execute(f"PRAGMA analysis_limit = {previous}")
    return names


def _with_statistics(connection: BaseDatabaseWrapper, names: list[str]) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = current_schema() AND tablename = ANY(%s)",
                [names],
            )
            return {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone() is None:
            return set()
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()} & set(names)


def without_statistics(connection: BaseDatabaseWrapper, tables: Iterable[str] = ARCHIVE_TABLES) -> list[str]:
    """Those of ``tables`` that hold rows but have no planner statistics (an empty table has
    nothing to describe, and neither database records statistics for one)."""
    names = _existing(connection, tables)
    known = _with_statistics(connection, names)
    missing = []
    with connection.cursor() as cursor:
        for name in names:
            if name in known:
                continue
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(name)})")
            if cursor.fetchone()[0]:
                missing.append(name)
    return missing


def describe(connection: BaseDatabaseWrapper, tables: Iterable[str] = ARCHIVE_TABLES) -> str:
    """One line for the benchmark: whether the archive's tables have planner statistics."""
    missing = without_statistics(connection, tables)
    if not missing:
        return "Planner statistics: present on every archive table with rows."
    return (
        f"Planner statistics: MISSING on {', '.join(missing)}: the planner guesses at their sizes "
        "(run ANALYZE, or load the data again with import_takes/generate_corpus/load_fixtures)."
    )
