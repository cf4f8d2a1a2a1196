"""Published predictions per outcome, question and horizon: ``archive_prediction_counts``, a
journal of counts the database keeps.

The paginator of ``/predictions/`` needs how many published predictions its filters leave.
Counted from the tables, that joins every prediction with its take (25,026 with 97,140 published
takes at 1,000,000 quotes: 26–42 ms on PostgreSQL, 40–85 ms on SQLite, which walks every
published take), paid by the first request after every write (docs/performance.md, "The
predictions list's count kept by the database"). Here the database keeps rows
``(outcome, question_id, horizon, n)``: ``n`` published predictions with that outcome, question
(NULL: none) and horizon (NULL: none). The list's count under any of its filters but the expert
(an outcome, a question, a horizon range) is a sum over those rows (``count()``); under an expert
the page counts from the tables (that expert's takes only).

It follows archive/db/take_dates.py: a journal whose triggers only ever *insert* ``+1`` and ``-1``
rows. On ``archive_prediction``: an insert of a prediction of a published take (once per statement
on PostgreSQL, with a transition table), a delete, and an update of its take, outcome, question or
horizon (out with the old row, in with the new). On ``archive_take``: publishing, unpublishing or
deleting a published take moves all its predictions, and inserting a published take counts the
predictions already pointing at it (a fixture load, foreign keys deferred). Whichever of a take and
its prediction is deleted first takes the prediction's count out. ``TRUNCATE`` of either table
(PostgreSQL) recounts the journal. Two transactions that at once add a prediction and publish its
take are put one after the other by archive/db/take_locks.py (PostgreSQL). ``compact()`` rewrites
it as one row per key (the bulk paths run it, archive/db/stats.py, and ``install()`` after every
``migrate``); ``differences()`` compares the sums with a fresh count (tests/test_prediction_counts.py).
"""

# ruff: noqa: S608 - SQL here is built from fixed fragments in this module, never from input.
from __future__ import annotations

import datetime

from django.db.backends.base.base import BaseDatabaseWrapper

from archive.db import journal

TABLE = "archive_prediction_counts"
PUBLISHED = "'published'"  # Status.PUBLISHED (archive/models/takes.py)
KEY = "outcome, question_id, horizon"

_CREATE = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (outcome varchar(10) NOT NULL, question_id integer, horizon date, "
    "n integer NOT NULL)",
    # the list's filters: an outcome, then a horizon range; covering, so a sum reads the index only
    f"CREATE INDEX IF NOT EXISTS {TABLE}_idx ON {TABLE} (outcome, horizon, question_id, n)",
]


def _counted(predictions: str, takes: str, sign: str = "", where: str = "") -> str:
    """The counts per key of ``predictions`` (as ``p``) of published ``takes`` (as ``t``); ``sign``
    "-" negates them."""
    return (
        f"SELECT p.outcome, p.question_id, p.horizon, {sign}count(*) FROM {predictions} JOIN {takes} "
        f"ON t.id = p.take_id WHERE t.status = {PUBLISHED}{where} GROUP BY p.outcome, p.question_id, p.horizon"
    )


def _grouped(predictions: str, takes: str, sign: str = "", where: str = "") -> str:
    """An INSERT of the journal rows of ``predictions`` of published ``takes`` (``_counted``)."""
    return f"INSERT INTO {TABLE} ({KEY}, n) {_counted(predictions, takes, sign, where)}"


def _prediction(row: str, sign: str) -> str:
    """Row-level: prediction ``row`` (OLD or NEW), when its take is published."""
    return (
        f"INSERT INTO {TABLE} ({KEY}, n) SELECT {row}.outcome, {row}.question_id, {row}.horizon, {sign}1 "
        f"FROM archive_take t WHERE t.id = {row}.take_id AND t.status = {PUBLISHED}"
    )


def _take(row: str, sign: str) -> str:
    """Row-level: every prediction of take ``row`` (OLD or NEW), when it is published."""
    return _grouped(
        "archive_prediction p", f"(SELECT {row}.id AS id, {row}.status AS status) t", sign, f" AND p.take_id = {row}.id"
    )


# name -> (table, event, condition or "", statements); conditions use IS DISTINCT FROM (SQLite: IS NOT).
TRIGGERS: journal.Triggers = {
    "archive_prediction_counts_prediction_ai": ("archive_prediction", "INSERT", "", [_prediction("NEW", "")]),
    "archive_prediction_counts_prediction_au": (
        "archive_prediction",
        "UPDATE OF take_id, outcome, question_id, horizon",
        "OLD.take_id IS DISTINCT FROM NEW.take_id OR OLD.outcome IS DISTINCT FROM NEW.outcome "
        "OR OLD.question_id IS DISTINCT FROM NEW.question_id OR OLD.horizon IS DISTINCT FROM NEW.horizon",
        [_prediction("OLD", "-"), _prediction("NEW", "")],
    ),
    "archive_prediction_counts_prediction_ad": ("archive_prediction", "DELETE", "", [_prediction("OLD", "-")]),
    "archive_prediction_counts_take_ai": ("archive_take", "INSERT", f"NEW.status = {PUBLISHED}", [_take("NEW", "")]),
    "archive_prediction_counts_take_au": (
        "archive_take",
        "UPDATE OF status",
        f"(OLD.status = {PUBLISHED}) <> (NEW.status = {PUBLISHED})",
        [_take("OLD", "-"), _take("NEW", "")],
    ),
    "archive_prediction_counts_take_ad": ("archive_take", "DELETE", f"OLD.status = {PUBLISHED}", [_take("OLD", "-")]),
}

#: PostgreSQL: the insert triggers once per statement over their new rows (``new_rows``).
_PG_INSERTS = {
    "archive_prediction": _grouped("new_rows p", "archive_take t"),
    "archive_take": _grouped("archive_prediction p", "new_rows t"),
}

#: Every counted prediction: the fresh count ``compact()`` writes and ``differences()`` compares with.
_FRESH = _counted("archive_prediction p", "archive_take t")
_SUMS = f"SELECT {KEY}, sum(n) FROM {TABLE} GROUP BY {KEY} HAVING sum(n) <> 0"
#: PostgreSQL: ``TRUNCATE`` of the takes or the predictions counts the journal afresh (cheap: what is left).
_PG_TRUNCATE = {"archive_prediction_counts_truncate": ("archive_prediction", "archive_take")}


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the journal and its triggers (idempotent), compact it (when a trigger was missing, as
    SQLite lifts them around migrations, that recounts what was written meanwhile) and analyze it."""
    if connection.vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"The archive supports PostgreSQL and SQLite, not {connection.vendor}.")
    with connection.cursor() as cursor:
        for sql in _CREATE:
            cursor.execute(sql)
    inserts = {name: [_PG_INSERTS[table]] for name, (table, event, *_) in TRIGGERS.items() if event == "INSERT"}
    recount = [f"DELETE FROM {TABLE}", f"INSERT INTO {TABLE} {_FRESH}"]
    journal.install_triggers(connection, TRIGGERS, inserts, _PG_TRUNCATE, recount)
    compact(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")  # as expert_records.install: every archive table has statistics


def uninstall_sqlite_triggers(connection: BaseDatabaseWrapper) -> None:
    """SQLite, before table rebuilds: drop the triggers (``install`` puts them back and recounts)."""
    journal.drop_sqlite_triggers(connection, TRIGGERS)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    journal.drop_triggers(connection, TRIGGERS, _PG_TRUNCATE)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def compact(connection: BaseDatabaseWrapper) -> None:
    """Rewrite the journal as one row per key, counted from the tables, in one statement
    (PostgreSQL: one snapshot, under an advisory lock; as ``take_dates.compact``)."""
    journal.rewrite(connection, TABLE, _FRESH, f"{KEY}, n")


def count(
    connection: BaseDatabaseWrapper,
    *,
    outcome: str | None = None,
    question_id: int | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> int:
    """Published predictions with this outcome, question and a horizon from ``start`` to ``end``
    (each ``None``: any; a bound leaves out the predictions without a horizon): one sum, read
    from the journal's index."""
    conditions, params = [], []
    for column, operator, value in (
        ("outcome", "=", outcome),
        ("question_id", "=", question_id),
        ("horizon", ">=", start),
        ("horizon", "<=", end),
    ):
        if value is not None:
            conditions.append(f"{column} {operator} %s")
            params.append(connection.ops.adapt_datefield_value(value) if column == "horizon" else value)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(sum(n), 0) FROM {TABLE}{where}", params)
        return int(cursor.fetchone()[0])


def differences(connection: BaseDatabaseWrapper) -> int:
    """How many keys differ between the journal's sums and a fresh count (0 when it is exact)."""
    return journal.differences(connection, _SUMS, _FRESH)


def journal_rows(connection: BaseDatabaseWrapper) -> int:
    """The journal's rows (one per key after ``compact()``, more as writes add theirs)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]
