"""Experts' prediction records: ``archive_expert_records``, a journal of sums the database keeps.

An expert's record (archive/scores.py) is counted over the resolved predictions of the published
takes they wrote or co-wrote: how many resolved, came true, partly came true, how many had a
forecast (a stated probability, else the confidence word's ``BRIER_PROBABILITY``), and the sum of
the squared gaps between forecast and outcome (the Brier score is that sum over the forecasts).
Counted from the takes, the leaderboard of ``/predictions/`` joins every published take with all
its authorships and predictions, and every write makes the next request pay it again
(docs/performance.md, "Cold expert and prediction pages").

The sums are exact integers: a forecast is a whole per cent (``probability`` is a small integer;
the confidence words map to 60, 75 and 90 per cent) and an outcome 0, 50 or 100 per cent, so
``squared`` is the sum of ``(forecast% - outcome%)²`` in units of 1/10,000. Importing this module
checks that ``BRIER_PROBABILITY`` and ``OUTCOME_VALUE`` still allow it.

As ``archive_take_dates`` (archive/db/take_dates.py) the table is a journal: triggers only ever
*insert* rows of signed deltas ``(expert_id, resolved, came_true, partly, scored, squared)``, one
per expert a change touches, and readers sum them per expert. A (prediction, author) pair counts
while its take is published and its outcome resolved, so the triggers are on the three tables:

- ``archive_prediction``: an insert adds its pairs with the take's authors, a delete removes them,
  an update of ``take_id``, ``outcome``, ``probability`` or ``confidence`` does both;
- ``archive_takeauthor``: the same with the take's predictions (an author added or removed);
- ``archive_take``: publishing adds every pair of the take, unpublishing or deleting a published
  take removes them (the ORM deletes its predictions and authorships first, which leaves nothing;
  raw SQL may delete the take first while the foreign keys are deferred), and inserting a
  published take adds the pairs rows written before it in the same transaction.

Each trigger reads the other two tables as they are after its statement, so any order of writes
ends exact. On PostgreSQL the insert triggers run once per statement over their new rows (a
transition table, one grouped row per expert); SQLite inserts rows per written row. ``TRUNCATE``
of any of the three (PostgreSQL) empties the journal. Two transactions writing rows of the same take
(or the take itself) at once are put one after the other by archive/db/take_locks.py (PostgreSQL),
so neither misses the other's rows.

``compact()`` rewrites the journal as one row per expert counted from the base tables, in one
statement; ``install()`` runs it after every ``migrate``. ``differences()`` compares the sums with
a fresh count (tests/test_expert_records.py, against archive/scores.py's live aggregate too).
"""

# ruff: noqa: S608 - SQL here is built from fixed fragments in this module, never from input.
from __future__ import annotations

from functools import cache

from django.db.backends.base.base import BaseDatabaseWrapper

from archive.db import journal

TABLE = "archive_expert_records"
PUBLISHED = "'published'"  # Status.PUBLISHED (archive/models/takes.py)
COLUMNS = "expert_id, resolved, came_true, partly, scored, squared"

#: The journal's unit for a squared gap: forecasts and outcomes are whole per cents.
SCALE = 10_000


def _percent(value: float) -> int:
    percent = round(value * 100)
    if abs(percent - value * 100) > 1e-9:
        raise ValueError(f"{value} is not a whole per cent: the prediction records could not be exact")
    return percent


@cache
def _words() -> dict[str, str]:
    """The SQL fragments that depend on the models' mappings (read once the models are loaded)."""
    from archive.models import BRIER_PROBABILITY, OUTCOME_VALUE, Outcome

    return {
        "forecast": " ".join(
            f"WHEN {{p}}.confidence = '{w.value}' THEN {_percent(v)}" for w, v in BRIER_PROBABILITY.items()
        ),
        "outcome": " ".join(f"WHEN '{o.value}' THEN {_percent(v)}" for o, v in OUTCOME_VALUE.items()),
        "resolved": ", ".join(f"'{o.value}'" for o in OUTCOME_VALUE),
        "came_true": Outcome.CAME_TRUE.value,
        "partly": Outcome.PARTLY.value,
    }


_CREATE = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (expert_id integer NOT NULL, resolved integer NOT NULL, "
    "came_true integer NOT NULL, partly integer NOT NULL, scored integer NOT NULL, squared bigint NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_expert_idx ON {TABLE} (expert_id)",
]


def _sums(sign: str, p: str, source: str, where: str = "") -> str:
    """The sums per expert of the (prediction ``p``, author ``ta``) pairs of ``source`` with
    ``sign`` ("" or "-"): the rows a journal insert adds."""
    words = _words()
    forecast = f"(CASE WHEN {p}.probability IS NOT NULL THEN {p}.probability {words['forecast'].format(p=p)} END)"
    gap = f"({forecast} - (CASE {p}.outcome {words['outcome']} END))"
    came_true, partly, resolved = words["came_true"], words["partly"], words["resolved"]
    return (
        f"SELECT ta.expert_id, {sign}count(*), {sign}sum(CASE WHEN {p}.outcome = '{came_true}' THEN 1 ELSE 0 END), "
        f"{sign}sum(CASE WHEN {p}.outcome = '{partly}' THEN 1 ELSE 0 END), {sign}count({forecast}), "
        f"{sign}coalesce(sum({gap} * {gap}), 0) FROM {source} "
        f"WHERE {p}.outcome IN ({resolved}){where} GROUP BY ta.expert_id"
    )


def _insert(sign: str, p: str, source: str, where: str = "") -> str:
    return f"INSERT INTO {TABLE} ({COLUMNS}) {_sums(sign, p, source, where)}"


def _prediction_row(row: str) -> str:
    """A prediction trigger's OLD or NEW row with the take's authors, while the take is published."""
    return (
        f"(SELECT {row}.take_id AS take_id, {row}.outcome AS outcome, {row}.probability AS probability, "
        f"{row}.confidence AS confidence) p JOIN archive_takeauthor ta ON ta.take_id = p.take_id "
        f"JOIN archive_take t ON t.id = p.take_id AND t.status = {PUBLISHED}"
    )


def _author_row(row: str) -> str:
    """An authorship trigger's OLD or NEW row with the take's predictions, while the take is published."""
    return (
        f"(SELECT {row}.take_id AS take_id, {row}.expert_id AS expert_id) ta "
        "JOIN archive_prediction p ON p.take_id = ta.take_id "
        f"JOIN archive_take t ON t.id = ta.take_id AND t.status = {PUBLISHED}"
    )


#: Every pair of one take (whatever its status: the take triggers test it), ``where`` names the take.
_TAKE_PAIRS = "archive_prediction p JOIN archive_takeauthor ta ON ta.take_id = p.take_id"


#: Every counted pair: the fresh count ``compact()`` writes and ``differences()`` compares with.
def _fresh() -> str:
    return _sums("", "p", f"{_TAKE_PAIRS} JOIN archive_take t ON t.id = p.take_id AND t.status = {PUBLISHED}")


_NONZERO = " OR ".join(f"sum({c}) <> 0" for c in COLUMNS.split(", ")[1:])
_SUMS = (
    "SELECT expert_id, "
    + ", ".join(f"sum({c})" for c in COLUMNS.split(", ")[1:])
    + f" FROM {TABLE} GROUP BY expert_id HAVING {_NONZERO}"
)

_OF_PUBLISHED = f"(OLD.status = {PUBLISHED}) <> (NEW.status = {PUBLISHED})"


@cache
def triggers() -> journal.Triggers:
    """name -> (table, event, condition or "", statements); conditions use IS DISTINCT FROM (SQLite: IS NOT)."""
    return {
        "archive_expert_records_prediction_ai": (
            "archive_prediction",
            "INSERT",
            "",
            [_insert("", "p", _prediction_row("NEW"))],
        ),
        "archive_expert_records_prediction_au": (
            "archive_prediction",
            "UPDATE OF take_id, outcome, probability, confidence",
            "OLD.take_id IS DISTINCT FROM NEW.take_id OR OLD.outcome IS DISTINCT FROM NEW.outcome "
            "OR OLD.probability IS DISTINCT FROM NEW.probability OR OLD.confidence IS DISTINCT FROM NEW.confidence",
            [_insert("-", "p", _prediction_row("OLD")), _insert("", "p", _prediction_row("NEW"))],
        ),
        "archive_expert_records_prediction_ad": (
            "archive_prediction",
            "DELETE",
            "",
            [_insert("-", "p", _prediction_row("OLD"))],
        ),
        "archive_expert_records_takeauthor_ai": (
            "archive_takeauthor",
            "INSERT",
            "",
            [_insert("", "p", _author_row("NEW"))],
        ),
        "archive_expert_records_takeauthor_au": (
            "archive_takeauthor",
            "UPDATE OF take_id, expert_id",
            "OLD.take_id IS DISTINCT FROM NEW.take_id OR OLD.expert_id IS DISTINCT FROM NEW.expert_id",
            [_insert("-", "p", _author_row("OLD")), _insert("", "p", _author_row("NEW"))],
        ),
        "archive_expert_records_takeauthor_ad": (
            "archive_takeauthor",
            "DELETE",
            "",
            [_insert("-", "p", _author_row("OLD"))],
        ),
        "archive_expert_records_take_ai": (
            "archive_take",
            "INSERT",
            f"NEW.status = {PUBLISHED}",
            [_insert("", "p", _TAKE_PAIRS, " AND p.take_id = NEW.id")],
        ),
        "archive_expert_records_take_au": (
            "archive_take",
            "UPDATE OF status",
            _OF_PUBLISHED,
            [
                _insert("-", "p", _TAKE_PAIRS, f" AND p.take_id = OLD.id AND OLD.status = {PUBLISHED}"),
                _insert("", "p", _TAKE_PAIRS, f" AND p.take_id = NEW.id AND NEW.status = {PUBLISHED}"),
            ],
        ),
        "archive_expert_records_take_ad": (
            "archive_take",
            "DELETE",
            f"OLD.status = {PUBLISHED}",
            [_insert("-", "p", _TAKE_PAIRS, " AND p.take_id = OLD.id")],
        ),
    }


@cache
def _pg_insert_statements() -> dict[str, str]:
    """PostgreSQL: the insert triggers once per statement over its new rows (``new_rows``), one row per expert."""
    return {
        "archive_expert_records_prediction_ai": _insert(
            "",
            "p",
            "new_rows p JOIN archive_takeauthor ta ON ta.take_id = p.take_id "
            f"JOIN archive_take t ON t.id = p.take_id AND t.status = {PUBLISHED}",
        ),
        "archive_expert_records_takeauthor_ai": _insert(
            "",
            "p",
            "new_rows ta JOIN archive_prediction p ON p.take_id = ta.take_id "
            f"JOIN archive_take t ON t.id = ta.take_id AND t.status = {PUBLISHED}",
        ),
        "archive_expert_records_take_ai": _insert(
            "",
            "p",
            "new_rows t JOIN archive_prediction p ON p.take_id = t.id JOIN archive_takeauthor ta ON ta.take_id = t.id",
            f" AND t.status = {PUBLISHED}",
        ),
    }


#: PostgreSQL: ``TRUNCATE`` of any of the three tables empties the journal.
_PG_TRUNCATE = {"archive_expert_records_truncate": ("archive_prediction", "archive_takeauthor", "archive_take")}


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the journal and its triggers (idempotent), compact it (when a trigger was missing,
    as SQLite lifts them around migrations, that recounts what was written meanwhile) and analyze it."""
    if connection.vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"The archive supports PostgreSQL and SQLite, not {connection.vendor}.")
    with connection.cursor() as cursor:
        for sql in _CREATE:
            cursor.execute(sql)
    inserts = {name: [sql] for name, sql in _pg_insert_statements().items()}
    journal.install_triggers(connection, triggers(), inserts, _PG_TRUNCATE, [f"DELETE FROM {TABLE}"])
    compact(connection)
    with connection.cursor() as cursor:
        # planner statistics at once (one row per expert): the leaderboard's plan, and the
        # benchmark's check that every archive table has them (archive/db/stats.py)
        cursor.execute(f"ANALYZE {TABLE}")


def uninstall_sqlite_triggers(connection: BaseDatabaseWrapper) -> None:
    """SQLite, before table rebuilds: drop the triggers (``install`` puts them back and recounts)."""
    journal.drop_sqlite_triggers(connection, triggers())


def uninstall(connection: BaseDatabaseWrapper) -> None:
    journal.drop_triggers(connection, triggers(), _PG_TRUNCATE)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def compact(connection: BaseDatabaseWrapper) -> None:
    """Rewrite the journal as one row per expert, counted from the base tables, in one statement
    (PostgreSQL: one snapshot, and an advisory lock between two compactions; as take_dates.compact)."""
    journal.rewrite(connection, TABLE, _fresh(), COLUMNS)


def sums(
    connection: BaseDatabaseWrapper, expert_ids=None, minimum: int = 1, limit: int | None = None
) -> list[tuple[int, int, int, int, int, int]]:
    """``(expert_id, resolved, came_true, partly, scored, squared)`` of the experts with at least
    ``minimum`` (and one) resolved predictions, best first: the lowest Brier score (none last),
    then the most came true, then the expert's id. Ties are exact: ``squared / scored`` is one
    correctly rounded double division of two integers below 2**53, so equal fractions give the
    same double and unequal ones (denominators below 10**6) differ."""
    double = "double precision" if connection.vendor == "postgresql" else "REAL"
    where, params = "", []
    if expert_ids is not None:
        expert_ids = list(expert_ids)
        if not expert_ids:
            return []
        where = f" WHERE expert_id IN ({', '.join(['%s'] * len(expert_ids))})"
        params += expert_ids
    sql = (
        "SELECT expert_id, "
        + ", ".join(f"sum({c})" for c in COLUMNS.split(", ")[1:])
        + f" FROM {TABLE}{where} GROUP BY expert_id HAVING sum(resolved) >= %s "
        f"ORDER BY CASE WHEN sum(scored) > 0 THEN CAST(sum(squared) AS {double}) / sum(scored) END ASC NULLS LAST, "
        "sum(came_true) DESC, expert_id"
    )
    params.append(max(minimum, 1))
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(int(v) for v in row) for row in cursor.fetchall()]


def differences(connection: BaseDatabaseWrapper) -> int:
    """How many experts' sums differ between the journal and a fresh count (0 when it is exact)."""
    return journal.differences(connection, _SUMS, _fresh())


def journal_rows(connection: BaseDatabaseWrapper) -> int:
    """The journal's rows (one per expert after ``compact()``, more as writes add theirs)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]
