"""Published positions per question, stance and date: ``archive_stance_dates``, a journal of counts
the database keeps.

A question's page charts its positions over time by stance and splits them by stance; so do the
take list filtered by a question and the home page's splits. Counted from the positions that is a
pass over every position on the question (40,000 at 100,000 takes) joined with its take, paid by
the first request after every write (docs/performance.md, "Stance dates"). Here the database keeps
the answer: rows ``(question_id, stance_id, published, date_precision, n)`` whose sums are the
positions of published takes with that date (``published`` NULL: undated).

It follows archive/db/take_dates.py: a journal of changes whose triggers only ever *insert* (no
lock another writer waits for, no upsert to race on). A position counts while its take is
published, at its take's date and precision, so rows are written

- on ``archive_position``: ``+1`` when a position is inserted (PostgreSQL: once per statement over
  its new rows, a transition table), ``-1``/``+1`` when its question, stance or take changes,
  ``-1`` when it is deleted — each only when its take exists and is published;
- on ``archive_take``: ``-1`` for every position of a take at its old date when it is unpublished,
  redated or deleted, ``+1`` at its new date when it is published or redated, and ``+1`` for the
  positions a newly inserted take already has (a fixture load may insert positions first; their
  own trigger then found no take to count them by).

Whichever of a take and its position is deleted first takes the position's count out (the other's
trigger then finds no partner). ``TRUNCATE`` of the takes or the positions (PostgreSQL) empties the
journal. ``compact()`` rewrites it as one row per (question, stance, date, precision) from the
positions themselves, in one statement; the bulk paths run it (archive/db/stats.py), and
``install()`` after every ``migrate``. ``differences()`` compares the sums with a fresh count
(tests/test_stance_dates.py).
"""

# ruff: noqa: S608 - SQL here is built from fixed fragments in this module, never from input.
from __future__ import annotations

import datetime

from django.db.backends.base.base import BaseDatabaseWrapper

from archive.db import journal

TABLE = "archive_stance_dates"
PUBLISHED = "'published'"
INDEX = "archive_stance_dates_question_idx"
_KEY = "question_id, stance_id, published, date_precision"

_CREATE = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (question_id integer NOT NULL, stance_id integer NOT NULL, "
    "published date, date_precision varchar(5) NOT NULL, n integer NOT NULL)",
    # A question's rows read from the index alone (the chart and the split).
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} ({_KEY}, n)",
]

_FRESH = (
    "SELECT p.question_id, p.stance_id, t.published, t.date_precision, count(*) FROM archive_position p "
    f"JOIN archive_take t ON t.id = p.take_id WHERE t.status = {PUBLISHED} "
    "GROUP BY p.question_id, p.stance_id, t.published, t.date_precision"
)
_SUMS = f"SELECT {_KEY}, sum(n) FROM {TABLE} GROUP BY {_KEY} HAVING sum(n) <> 0"


def _position(row: str, sign: str) -> str:
    """The journal row of position ``row`` (OLD or NEW) by its take's date, when that take is published."""
    return (
        f"INSERT INTO {TABLE} SELECT {row}.question_id, {row}.stance_id, t.published, t.date_precision, {sign} "
        f"FROM archive_take t WHERE t.id = {row}.take_id AND t.status = {PUBLISHED}"
    )


def _take(row: str, sign: str) -> str:
    """The journal rows of every position of take ``row`` (OLD or NEW) by its date, when it is published."""
    return (
        f"INSERT INTO {TABLE} SELECT p.question_id, p.stance_id, {row}.published, {row}.date_precision, {sign} "
        f"FROM archive_position p WHERE p.take_id = {row}.id AND {row}.status = {PUBLISHED}"
    )


# name -> (table, event, condition or "", statements), as archive/db/journal.py takes them.
TRIGGERS: journal.Triggers = {
    "archive_stance_dates_pi": ("archive_position", "INSERT", "", [_position("NEW", "1")]),
    "archive_stance_dates_pu": (
        "archive_position",
        "UPDATE OF question_id, stance_id, take_id",
        "OLD.question_id IS DISTINCT FROM NEW.question_id OR OLD.stance_id IS DISTINCT FROM NEW.stance_id "
        "OR OLD.take_id IS DISTINCT FROM NEW.take_id",
        [_position("OLD", "-1"), _position("NEW", "1")],
    ),
    "archive_stance_dates_pd": ("archive_position", "DELETE", "", [_position("OLD", "-1")]),
    "archive_stance_dates_ti": ("archive_take", "INSERT", f"NEW.status = {PUBLISHED}", [_take("NEW", "1")]),
    "archive_stance_dates_tu": (
        "archive_take",
        "UPDATE OF status, published, date_precision",
        f"(OLD.status = {PUBLISHED} OR NEW.status = {PUBLISHED}) AND (OLD.status IS DISTINCT FROM NEW.status "
        "OR OLD.published IS DISTINCT FROM NEW.published OR OLD.date_precision IS DISTINCT FROM NEW.date_precision)",
        [_take("OLD", "-1"), _take("NEW", "1")],
    ),
    "archive_stance_dates_td": ("archive_take", "DELETE", f"OLD.status = {PUBLISHED}", [_take("OLD", "-1")]),
}

#: PostgreSQL: the insert triggers once per statement over their new rows, one row per key.
_PG_INSERTS = {
    "archive_stance_dates_pi": [
        f"INSERT INTO {TABLE} SELECT p.question_id, p.stance_id, t.published, t.date_precision, count(*) "
        f"FROM new_rows p JOIN archive_take t ON t.id = p.take_id WHERE t.status = {PUBLISHED} "
        "GROUP BY p.question_id, p.stance_id, t.published, t.date_precision"
    ],
    "archive_stance_dates_ti": [
        f"INSERT INTO {TABLE} SELECT p.question_id, p.stance_id, t.published, t.date_precision, count(*) "
        f"FROM new_rows t JOIN archive_position p ON p.take_id = t.id WHERE t.status = {PUBLISHED} "
        "GROUP BY p.question_id, p.stance_id, t.published, t.date_precision"
    ],
}
#: PostgreSQL: ``TRUNCATE`` of either table empties the journal (truncating the takes truncates
#: their positions too; truncating the positions alone leaves nothing to count).
_PG_TRUNCATE = {"archive_stance_dates_tt": ("archive_take",), "archive_stance_dates_pt": ("archive_position",)}


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the journal and its triggers (idempotent), and compact it: when a trigger was
    missing (SQLite lifts them around migrations) that recounts what was written meanwhile."""
    if connection.vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"The archive supports PostgreSQL and SQLite, not {connection.vendor}.")
    with connection.cursor() as cursor:
        for sql in _CREATE:
            cursor.execute(sql)
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
    """Rewrite the journal as one row per key, counted from the positions, in one statement
    (PostgreSQL: one snapshot, under an advisory lock; as ``take_dates.compact``)."""
    journal.rewrite(connection, TABLE, _FRESH)


def _day(value) -> datetime.date | None:
    # SQLite gives the column's declared type back (a date), or ISO text where it cannot tell.
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def counts(connection: BaseDatabaseWrapper, question_id: int) -> list[tuple[datetime.date | None, str, int, int]]:
    """Published positions on a question per (date, precision, stance): the journal's sums, read
    from its index (one query, no pass over the positions)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT published, date_precision, stance_id, sum(n) FROM {TABLE} WHERE question_id = %s "
            "GROUP BY stance_id, published, date_precision HAVING sum(n) <> 0",
            [question_id],
        )
        rows = cursor.fetchall()
    return [(_day(day), precision, stance, int(n)) for day, precision, stance, n in rows]


#: ``by_period``'s SQL per vendor: the first day of a date's month, and the days between two dates.
_MONTH_START = {
    "postgresql": "CAST(date_trunc('month', k.published) AS date)",
    "sqlite": "date(k.published, 'start of month')",
}
_DAYS_BETWEEN = {"postgresql": "(s.last - s.first)", "sqlite": "(julianday(s.last) - julianday(s.first))"}


def by_period(
    connection: BaseDatabaseWrapper, question_id: int, days_up_to: int
) -> tuple[list[tuple[datetime.date | None, str, int, int]], datetime.date | None, datetime.date | None]:
    """``counts`` summed by month, when the dated rows span more than ``days_up_to`` days (a chart
    of months or years then, archive/timeline.py): a few hundred rows where ``counts`` gives a few
    thousand (one per day). Each row's date is its month's first day (its own day when the span is
    shorter). With the first and last dated day of ``counts``' rows, in one query."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH k AS (SELECT published, date_precision, stance_id, sum(n) AS n FROM {TABLE} "
            "WHERE question_id = %s GROUP BY stance_id, published, date_precision HAVING sum(n) <> 0), "
            "s AS (SELECT min(published) AS first, max(published) AS last FROM k) "
            f"SELECT CASE WHEN {_DAYS_BETWEEN[vendor]} <= %s THEN k.published ELSE {_MONTH_START[vendor]} END, "
            "k.date_precision, k.stance_id, sum(k.n), s.first, s.last FROM k CROSS JOIN s "
            "GROUP BY 1, 2, 3, 5, 6",
            [question_id, days_up_to],
        )
        rows = cursor.fetchall()
    first, last = (_day(rows[0][4]), _day(rows[0][5])) if rows else (None, None)
    return [(_day(day), precision, stance, int(n)) for day, precision, stance, n, _, _ in rows], first, last


def split(connection: BaseDatabaseWrapper, question_id: int | None = None) -> dict[int, int]:
    """Published positions per stance id (of one question, or of all): ``Position.objects.split()``
    from the journal."""
    where, params = ("WHERE question_id = %s", [question_id]) if question_id is not None else ("", [])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT stance_id, sum(n) FROM {TABLE} {where} GROUP BY stance_id HAVING sum(n) <> 0", params)
        return {stance: int(n) for stance, n in cursor.fetchall()}


def differences(connection: BaseDatabaseWrapper) -> int:
    """How many keys differ between the journal's sums and a fresh count (0 when it is exact)."""
    return journal.differences(connection, _SUMS, _FRESH)
