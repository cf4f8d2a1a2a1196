"""The mechanics every journal of counts shares (take_dates.py, stance_dates.py, totals.py,
expert_records.py): rewriting it from the tables, comparing it with a fresh count, and dropping
its SQLite triggers. Each journal keeps its own SQL (what it counts, its triggers); take_dates.py
says why the journals are built this way.
"""

# ruff: noqa: S608 - table names and SQL come from the journal modules' fixed fragments, never from input.
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper


def rewrite(connection: BaseDatabaseWrapper, table: str, fresh: str, columns: str = "") -> None:
    """Replace the journal's rows by ``fresh`` (a SELECT of one row per key) in one statement.

    PostgreSQL: one snapshot for the delete and the count, so a writer's rows not yet committed are
    neither deleted nor counted and stay valid; an advisory lock keeps two rewrites of the same
    journal from interleaving. SQLite has one writer at a time."""
    into = f"{table} ({columns})" if columns else table
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [table])
            cursor.execute(f"WITH gone AS (DELETE FROM {table}) INSERT INTO {into} {fresh}")
        else:
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute(f"INSERT INTO {into} {fresh}")


def differences(connection: BaseDatabaseWrapper, sums: str, fresh: str) -> int:
    """How many rows differ between the journal's ``sums`` and a ``fresh`` count, both ways (0: exact)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM ({sums} EXCEPT {fresh}) a) "
            f"+ (SELECT count(*) FROM ({fresh} EXCEPT {sums}) b)"
        )
        return cursor.fetchone()[0]


def drop_sqlite_triggers(connection: BaseDatabaseWrapper, names: Iterable[str]) -> None:
    """SQLite, before table rebuilds: drop a journal's triggers (its ``install`` puts them back and recounts)."""
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
