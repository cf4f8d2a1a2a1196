"""Published takes per date: ``archive_take_dates``, a journal of counts the database keeps.

The unfiltered take list and the home page chart every published take by date and say how many
there are. Counted from ``archive_take`` that is a pass over 100,000 index entries twice (the
grouped dates 26–33 ms, the count 7–11 ms, at 100,000 takes on PostgreSQL), paid by the first
request after every write (docs/performance.md, "Seventh round"). Here the database keeps the
answer: a few rows per date, ``(published, date_precision, n)``, whose sums per date are the
published takes of that date (``published`` NULL: undated).

The table is a journal of changes, not one row per date: triggers on ``archive_take`` only ever
*insert* — ``+1`` when a take is published (inserted published, or its status changed to
published), ``-1`` for its old date when it is unpublished, redated or deleted, and both when its
date or precision changes. Inserting takes no lock that another writer waits for, so a long import
never makes an editor's save wait (the reason a trigger-kept count of one row was turned down in
the sixth round), and there is no upsert to race on. On PostgreSQL the insert trigger runs once
per statement over its new rows (a transition table: one grouped row per date a multi-row insert
touches); SQLite, which has no statement triggers, inserts a row per take. ``TRUNCATE`` of the
takes (PostgreSQL) empties the journal.

Readers sum the rows per date (``counts()``): after ``compact()`` that is one row per date (about
1,300 at 100,000 takes, 1 ms). ``compact()`` rewrites the journal as those sums, from the takes
themselves, in one statement (one snapshot: rows of writers that have not committed are neither
deleted nor counted); the bulk paths run it with their statistics (archive/db/stats.py), and
``install()`` after every ``migrate``. Between compactions each edit adds a row or two.

``differences()`` compares the sums with a fresh count (tests/test_take_dates.py).
"""

# ruff: noqa: S608 - SQL here is built from fixed fragments in this module, never from input.
from __future__ import annotations

import datetime

from django.db.backends.base.base import BaseDatabaseWrapper

from archive.db import journal

TABLE = "archive_take_dates"
PUBLISHED = "'published'"

_CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (published date, date_precision varchar(5) NOT NULL, n integer NOT NULL)"

_FRESH = (
    f"SELECT published, date_precision, count(*) FROM archive_take WHERE status = {PUBLISHED} "
    "GROUP BY published, date_precision"
)
_SUMS = f"SELECT published, date_precision, sum(n) FROM {TABLE} GROUP BY published, date_precision HAVING sum(n) <> 0"

_OLD_OUT = f"INSERT INTO {TABLE} SELECT OLD.published, OLD.date_precision, -1 WHERE OLD.status = {PUBLISHED}"
_NEW_IN = f"INSERT INTO {TABLE} SELECT NEW.published, NEW.date_precision, 1 WHERE NEW.status = {PUBLISHED}"

# name -> (table, event, condition or "", statements), as archive/db/journal.py takes them.
TRIGGERS: journal.Triggers = {
    "archive_take_dates_ai": ("archive_take", "INSERT", f"NEW.status = {PUBLISHED}", [_NEW_IN]),
    "archive_take_dates_au": (
        "archive_take",
        "UPDATE OF status, published, date_precision",
        f"(OLD.status = {PUBLISHED} OR NEW.status = {PUBLISHED}) AND (OLD.status IS DISTINCT FROM NEW.status "
        "OR OLD.published IS DISTINCT FROM NEW.published OR OLD.date_precision IS DISTINCT FROM NEW.date_precision)",
        [_OLD_OUT, _NEW_IN],
    ),
    "archive_take_dates_ad": ("archive_take", "DELETE", f"OLD.status = {PUBLISHED}", [_OLD_OUT]),
}

#: PostgreSQL: the insert trigger once per statement, one row per date of its new published takes.
_PG_INSERTS = {
    "archive_take_dates_ai": [
        f"INSERT INTO {TABLE} SELECT published, date_precision, count(*) FROM new_rows "
        f"WHERE status = {PUBLISHED} GROUP BY published, date_precision"
    ]
}
#: PostgreSQL: ``TRUNCATE`` of the takes empties the journal.
_PG_TRUNCATE = {"archive_take_dates_truncate": ("archive_take",)}


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the journal and its triggers (idempotent), and compact it: when a trigger was
    missing (SQLite lifts them around migrations) that recounts what was written meanwhile."""
    if connection.vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"The archive supports PostgreSQL and SQLite, not {connection.vendor}.")
    with connection.cursor() as cursor:
        cursor.execute(_CREATE)
    journal.install_triggers(connection, TRIGGERS, _PG_INSERTS, _PG_TRUNCATE, [f"DELETE FROM {TABLE}"])
    compact(connection)


def uninstall_sqlite_triggers(connection: BaseDatabaseWrapper) -> None:
    """SQLite, before table rebuilds: drop the triggers (``install`` puts them back and recounts)."""
    journal.drop_sqlite_triggers(connection, TRIGGERS)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    journal.drop_triggers(connection, TRIGGERS, _PG_TRUNCATE)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def compact(connection: BaseDatabaseWrapper) -> None:
    """Rewrite the journal as one row per date, counted from the takes, in one statement.

    PostgreSQL: one snapshot for the delete and the count, so a writer's rows not yet committed
    are neither deleted nor counted, and stay valid; an advisory lock keeps two compactions from
    interleaving (the second then starts from the first's result). SQLite has one writer."""
    journal.rewrite(connection, TABLE, _FRESH)


def counts(connection: BaseDatabaseWrapper) -> list[tuple[datetime.date | None, str, int]]:
    """Published takes per (date, precision): the journal's sums (one query, no pass over the takes)."""
    with connection.cursor() as cursor:
        cursor.execute(_SUMS)
        rows = cursor.fetchall()
    # SQLite gives the column's declared type back (a date), or ISO text where it cannot tell.
    return [
        (datetime.date.fromisoformat(day) if isinstance(day, str) else day, precision, int(n))
        for day, precision, n in rows
    ]


def differences(connection: BaseDatabaseWrapper) -> int:
    """How many dates differ between the journal's sums and a fresh count (0 when it is exact)."""
    return journal.differences(connection, _SUMS, _FRESH)
