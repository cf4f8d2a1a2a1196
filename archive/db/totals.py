"""The whole archive's totals on the home page: ``archive_totals``, a journal of counts the database keeps.

The home page says how many quotes, experts and outlets the published archive holds. Counted from
the tables that is a pass over every published quote (1,000,000 joined with their takes: 280–450 ms
cold), an EXISTS probe per expert over authorships, quotes and responses (160–540 ms), and a
distinct count over every published take (44 ms), paid by the first request after every write
(docs/performance.md, "Stance dates"). Here the database keeps rows ``(kind, key, n)``:

- ``('quote', 0, n)``: quotes of published takes;
- ``('expert', expert_id, n)``: the times an expert appears in a published take (as an author, a
  quote's speaker or a response's expert): the public experts (``Expert.objects.public()``) are
  the keys whose sum is not 0;
- ``('outlet', publication_id, n)``: published takes per outlet (NULL: none): the outlets are the
  keys (not NULL) whose sum is not 0.

It follows archive/db/take_dates.py: a journal of changes whose triggers only ever *insert* ``+1``
and ``-1`` rows — on ``archive_quote``, ``archive_takeauthor`` and ``archive_response`` when a row of
a published take is inserted, moved or deleted (inserts once per statement on PostgreSQL, with a
transition table), and on ``archive_take`` for the whole take (its quotes, authors, responses and
outlet) when it is published, unpublished, moves outlet, is deleted, or is inserted published with
rows already pointing at it (a fixture load). Whichever of a take and its row is deleted first takes
the row's count out. ``TRUNCATE`` of any of those tables (PostgreSQL) recounts the journal.
``compact()`` rewrites it as one row per key; the bulk paths run it (archive/db/stats.py), and
``install()`` after every ``migrate``. ``differences()`` compares the sums with a fresh count
(tests/test_totals.py).
"""

# ruff: noqa: S608 - SQL here is built from fixed fragments in this module, never from input.
from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

from archive.db import journal

TABLE = "archive_totals"
PUBLISHED = "'published'"
INDEX = "archive_totals_kind_idx"

_CREATE = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (kind varchar(6) NOT NULL, key integer, n integer NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} (kind, key, n)",
]

#: The tables whose rows make an expert public, and the column naming the expert.
CHILDREN = {"archive_quote": "speaker_id", "archive_takeauthor": "expert_id", "archive_response": "expert_id"}


def _grouped(table: str, children: str, takes: str, sign: str = "") -> list[str]:
    """INSERTs of the journal rows of ``children`` (rows of ``table``, as ``c``) joined with their
    published ``takes`` (as ``t``), one per expert and one for the quotes; ``sign`` "-" takes them out."""
    expert, join = CHILDREN[table], f"FROM {children} JOIN {takes} ON t.id = c.take_id WHERE t.status = {PUBLISHED}"
    statements = [
        f"INSERT INTO {TABLE} SELECT 'expert', c.{expert}, {sign}count(*) {join} AND c.{expert} IS NOT NULL "
        f"GROUP BY c.{expert}"
    ]
    if table == "archive_quote":
        # Grouped by the status (one value): no group, so no row, when nothing matched.
        statements.append(f"INSERT INTO {TABLE} SELECT 'quote', 0, {sign}count(*) {join} GROUP BY t.status")
    return statements


def _child(table: str, row: str, sign: str) -> list[str]:
    """Row-level: child row ``row`` (OLD or NEW) of ``table``, when its take is published."""
    expert, take = CHILDREN[table], f"FROM archive_take t WHERE t.id = {row}.take_id AND t.status = {PUBLISHED}"
    statements = [f"INSERT INTO {TABLE} SELECT 'expert', {row}.{expert}, {sign}1 {take} AND {row}.{expert} IS NOT NULL"]
    if table == "archive_quote":
        statements.append(f"INSERT INTO {TABLE} SELECT 'quote', 0, {sign}1 {take}")
    return statements


def _take(row: str, sign: str) -> list[str]:
    """Row-level: take ``row`` (OLD or NEW) and every row pointing at it, when it is published."""
    statements = [
        f"INSERT INTO {TABLE} SELECT 'outlet', {row}.publication_id, {sign}1 WHERE {row}.status = {PUBLISHED}"
    ]
    for table in CHILDREN:
        statements += _grouped(table, f"{table} c", f"(SELECT {row}.id AS id, {row}.status AS status) t", sign)
    return statements


_CHILD_UPDATE = "OLD.take_id IS DISTINCT FROM NEW.take_id OR OLD.{expert} IS DISTINCT FROM NEW.{expert}"

# name -> (table, event, condition or "", statements), as archive/db/journal.py takes them.
TRIGGERS: journal.Triggers = {}
for _table, _expert in CHILDREN.items():
    _short = _table.removeprefix("archive_")
    TRIGGERS[f"archive_totals_{_short}_ai"] = (_table, "INSERT", "", _child(_table, "NEW", ""))
    TRIGGERS[f"archive_totals_{_short}_au"] = (
        _table,
        f"UPDATE OF take_id, {_expert}",
        _CHILD_UPDATE.format(expert=_expert),
        [*_child(_table, "OLD", "-"), *_child(_table, "NEW", "")],
    )
    TRIGGERS[f"archive_totals_{_short}_ad"] = (_table, "DELETE", "", _child(_table, "OLD", "-"))
TRIGGERS["archive_totals_take_ai"] = ("archive_take", "INSERT", f"NEW.status = {PUBLISHED}", _take("NEW", ""))
TRIGGERS["archive_totals_take_au"] = (
    "archive_take",
    "UPDATE OF status, publication_id",
    f"(OLD.status = {PUBLISHED} OR NEW.status = {PUBLISHED}) AND (OLD.status IS DISTINCT FROM NEW.status "
    "OR OLD.publication_id IS DISTINCT FROM NEW.publication_id)",
    [*_take("OLD", "-"), *_take("NEW", "")],
)
TRIGGERS["archive_totals_take_ad"] = ("archive_take", "DELETE", f"OLD.status = {PUBLISHED}", _take("OLD", "-"))


def _pg_insert_statements(table: str) -> list[str]:
    """PostgreSQL: an insert trigger once per statement over its new rows (``new_rows``)."""
    if table != "archive_take":
        return _grouped(table, "new_rows c", "archive_take t")
    statements = [
        f"INSERT INTO {TABLE} SELECT 'outlet', publication_id, count(*) FROM new_rows WHERE status = {PUBLISHED} "
        "GROUP BY publication_id"
    ]
    for child in CHILDREN:
        statements += _grouped(child, f"{child} c", "new_rows t")
    return statements


def _fresh() -> str:
    experts = " UNION ALL ".join(
        f"SELECT c.{column} AS who FROM {table} c JOIN archive_take t ON t.id = c.take_id "
        f"WHERE t.status = {PUBLISHED} AND c.{column} IS NOT NULL"
        for table, column in CHILDREN.items()
    )
    return (
        f"SELECT 'expert', who, count(*) FROM ({experts}) x GROUP BY who "
        f"UNION ALL SELECT 'quote', 0, count(*) FROM archive_quote c JOIN archive_take t ON t.id = c.take_id "
        f"WHERE t.status = {PUBLISHED} GROUP BY t.status "
        f"UNION ALL SELECT 'outlet', publication_id, count(*) FROM archive_take WHERE status = {PUBLISHED} "
        "GROUP BY publication_id"
    )


_FRESH = _fresh()
_SUMS = f"SELECT kind, key, sum(n) FROM {TABLE} GROUP BY kind, key HAVING sum(n) <> 0"
#: PostgreSQL: the insert triggers' statements over their new rows, by trigger.
_PG_INSERTS = {name: _pg_insert_statements(table) for name, (table, event, *_) in TRIGGERS.items() if event == "INSERT"}
#: PostgreSQL: ``TRUNCATE`` of the takes or any child table counts the journal afresh (cheap: what is left).
_PG_TRUNCATE = {"archive_totals_truncate": ("archive_take", *CHILDREN)}


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the journal and its triggers (idempotent), and compact it: when a trigger was
    missing (SQLite lifts them around migrations) that recounts what was written meanwhile."""
    if connection.vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"The archive supports PostgreSQL and SQLite, not {connection.vendor}.")
    with connection.cursor() as cursor:
        for sql in _CREATE:
            cursor.execute(sql)
    recount = [f"DELETE FROM {TABLE}", f"INSERT INTO {TABLE} {_FRESH}"]
    journal.install_triggers(connection, TRIGGERS, _PG_INSERTS, _PG_TRUNCATE, recount)
    compact(connection)


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
    journal.rewrite(connection, TABLE, _FRESH)


def totals(connection: BaseDatabaseWrapper) -> dict[str, int]:
    """Published quotes, public experts and outlets with a published take: the journal's sums (one
    query, read from its index)."""
    kinds = {"quotes": "quote", "experts": "expert", "outlets": "outlet"}
    counted = " UNION ALL ".join(
        f"SELECT '{name}', count(*), coalesce(sum(total), 0) FROM (SELECT sum(n) AS total FROM {TABLE} "
        f"WHERE kind = '{kind}' AND key IS NOT NULL GROUP BY key HAVING sum(n) <> 0) {name}"
        for name, kind in kinds.items()
    )
    with connection.cursor() as cursor:
        cursor.execute(counted)
        found = {name: (int(keys), int(total)) for name, keys, total in cursor.fetchall()}
    return {"quotes": found["quotes"][1], "experts": found["experts"][0], "outlets": found["outlets"][0]}


def differences(connection: BaseDatabaseWrapper) -> int:
    """How many keys differ between the journal's sums and a fresh count (0 when it is exact)."""
    fresh = f"SELECT * FROM ({_FRESH}) f"  # one SELECT: EXCEPT and UNION ALL bind left to right
    return journal.differences(connection, _SUMS, fresh)
