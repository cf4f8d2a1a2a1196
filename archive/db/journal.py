"""The mechanics every journal of counts shares (take_dates.py, stance_dates.py, totals.py,
expert_records.py, prediction_counts.py): creating and dropping its triggers from their
definitions, rewriting it from the tables, comparing it with a fresh count. Each journal keeps its
own SQL (what it counts, the statements of its triggers); take_dates.py says why the journals are
built this way.

A journal's triggers are given as ``{name: (table, event, condition, statements)}``: ``AFTER``
triggers, row-level, whose ``condition`` (``""`` for none) writes ``IS DISTINCT FROM`` (SQLite's
``IS NOT``). On PostgreSQL an ``INSERT`` trigger runs once per statement instead, over its new
rows (the transition table ``new_rows``), with the statements the journal gives for it; and the
journal's ``TRUNCATE`` triggers run its ``on_truncate`` statements.
"""

# ruff: noqa: S608 - table names and SQL come from the journal modules' fixed fragments, never from input.
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

#: (table, event, condition or "", statements) of one trigger, by name.
Triggers = dict[str, tuple[str, str, str, list[str]]]


def _sqlite_trigger(name: str, table: str, event: str, condition: str, statements: list[str]) -> str:
    when = f" WHEN {condition.replace('IS DISTINCT FROM', 'IS NOT')}" if condition else ""
    body = " ".join(f"{sql};" for sql in statements)
    return f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} FOR EACH ROW{when} BEGIN {body} END"


def _postgres_function(name: str, statements: Iterable[str]) -> str:
    body = " ".join(f"{sql};" for sql in statements)
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$"
    )


def _postgres_trigger(name: str, table: str, event: str, condition: str, statements: list[str]) -> list[str]:
    when, level = (f" WHEN ({condition})" if condition else ""), "FOR EACH ROW"
    return [
        _postgres_function(name, statements),
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} AFTER {event} ON {table} {level}{when} EXECUTE FUNCTION {name}()",
    ]


def _postgres_insert_trigger(name: str, table: str, statements: list[str]) -> list[str]:
    # Planned afresh each time (EXECUTE): a plan cached when a joined table was empty (the start of
    # an import) would scan it whole for every new row once it is not.
    planned = [f"EXECUTE $sql${sql}$sql$" for sql in statements]
    return [
        _postgres_function(name, planned),
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


def install_triggers(
    connection: BaseDatabaseWrapper,
    triggers: Triggers,
    inserts: dict[str, list[str]],
    truncate: dict[str, tuple[str, ...]],
    on_truncate: list[str],
) -> None:
    """Create (or replace) a journal's triggers. PostgreSQL: ``inserts[name]`` are the statements of
    insert trigger ``name`` over ``new_rows``; ``truncate`` names each ``TRUNCATE`` trigger and its
    tables, which run ``on_truncate``."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            for name, trigger in triggers.items():
                cursor.execute(_sqlite_trigger(name, *trigger))
            return
        for name, (table, event, condition, statements) in triggers.items():
            if event == "INSERT":
                sql = _postgres_insert_trigger(name, table, inserts[name])
            else:
                sql = _postgres_trigger(name, table, event, condition, statements)
            for each in sql:
                cursor.execute(each)
        for name, tables in truncate.items():
            cursor.execute(_postgres_function(name, on_truncate))
            for table in tables:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(
                    f"CREATE TRIGGER {name} AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
                )


def drop_triggers(connection: BaseDatabaseWrapper, triggers: Triggers, truncate: dict[str, tuple[str, ...]]) -> None:
    """Drop a journal's triggers (and, on PostgreSQL, their functions)."""
    if connection.vendor != "postgresql":
        drop_sqlite_triggers(connection, triggers)
        return
    with connection.cursor() as cursor:
        for name, (table, *_) in triggers.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        for name, tables in truncate.items():
            for table in tables:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


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
