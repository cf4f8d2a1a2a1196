"""Who holds what: the summary table ``archive_expertstance``, kept exact by the database.

One row per (expert, question, stance) an expert holds in at least one *published* take they wrote
or co-wrote: ``takes`` counts those takes, ``newest`` is the latest of their dates (NULL when all are
undated). The experts-by-stance page, the question page and the expert page read it instead of
joining every authorship with every position (docs/performance.md, group 2).

Triggers keep it in step whatever writes the rows (admin, ORM, bulk_create, loaddata, raw SQL,
import_takes); the SQL bodies are the same on both databases, but for the insert triggers on
PostgreSQL:

- an INSERT into ``archive_position`` or ``archive_takeauthor`` adds one take to the rows it
  touches (an upsert: ``takes + 1``, ``newest`` the later date), so bulk imports stay fast; on
  PostgreSQL once per statement over all its new rows (``POSTGRES_STATEMENT_TRIGGERS``);
- an UPDATE or DELETE of those, an UPDATE of a take's ``status`` or ``published`` (publishing,
  unpublishing, redating) and a DELETE of a take recompute the affected (expert, question) pairs
  from the base tables: every author of the take × every question its positions answer.

``install()`` is idempotent. Migrations 0006 and 0009 call it; so does every ``migrate`` (post_migrate,
through the registry in archive/db/__init__.py): SQLite drops a table's triggers when Django
rebuilds the table, and the lifted triggers must come back, with the table rebuilt when any was
missing. ``rebuild()`` recomputes the table from scratch; ``differences()`` compares it with a
fresh aggregate (``manage.py rebuild_stances``).
"""

# ruff: noqa: S608 - SQL here is built from fixed fragments in this module, never from input.
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "archive_expertstance"
PUBLISHED = "'published'"

#: The exact content of the table for the (expert, question) pairs ``where`` selects (columns of
#: ``ta``: archive_takeauthor, ``p``: archive_position, ``t``: archive_take).
_AGGREGATE = f"""
    SELECT ta.expert_id, p.question_id, p.stance_id, count(*), max(t.published)
    FROM archive_takeauthor ta
    JOIN archive_position p ON p.take_id = ta.take_id
    JOIN archive_take t ON t.id = ta.take_id
    WHERE t.status = {PUBLISHED} AND {{where}}
    GROUP BY ta.expert_id, p.question_id, p.stance_id
"""

_COLUMNS = "(expert_id, question_id, stance_id, takes, newest)"

# ``newest``, the later of two dates where NULL means "undated" (SQLite's max(a, NULL) is NULL).
_UPSERT = f"""
    ON CONFLICT (expert_id, question_id, stance_id) DO UPDATE SET
        takes = {TABLE}.takes + 1,
        newest = CASE WHEN {TABLE}.newest IS NULL OR excluded.newest > {TABLE}.newest
                      THEN excluded.newest ELSE {TABLE}.newest END
"""


def _authors(take: str) -> str:
    return f"SELECT expert_id FROM archive_takeauthor WHERE take_id = {take}"


def _questions(take: str) -> str:
    return f"SELECT question_id FROM archive_position WHERE take_id = {take}"


def _recompute(experts: str, questions: str) -> list[str]:
    """Statements that make the rows of every pair in ``experts`` × ``questions`` exact again."""
    return [
        f"DELETE FROM {TABLE} WHERE expert_id IN ({experts}) AND question_id IN ({questions})",
        f"INSERT INTO {TABLE} {_COLUMNS} "
        + _AGGREGATE.format(where=f"ta.expert_id IN ({experts}) AND p.question_id IN ({questions})"),
    ]


# name -> (table, event, condition or "", statements). Conditions use IS DISTINCT FROM (SQLite: IS NOT).
TRIGGERS: dict[str, tuple[str, str, str, list[str]]] = {
    "archive_stance_position_ai": (
        "archive_position",
        "INSERT",
        "",
        [
            f"INSERT INTO {TABLE} {_COLUMNS} "
            "SELECT ta.expert_id, NEW.question_id, NEW.stance_id, 1, t.published "
            "FROM archive_takeauthor ta JOIN archive_take t ON t.id = ta.take_id "
            f"WHERE ta.take_id = NEW.take_id AND t.status = {PUBLISHED} {_UPSERT}"
        ],
    ),
    "archive_stance_position_au": (
        "archive_position",
        "UPDATE OF take_id, question_id, stance_id",
        "OLD.take_id IS DISTINCT FROM NEW.take_id OR OLD.question_id IS DISTINCT FROM NEW.question_id "
        "OR OLD.stance_id IS DISTINCT FROM NEW.stance_id",
        [
            *_recompute(_authors("OLD.take_id"), "SELECT OLD.question_id"),
            *_recompute(_authors("NEW.take_id"), "SELECT NEW.question_id"),
        ],
    ),
    "archive_stance_position_ad": (
        "archive_position",
        "DELETE",
        "",
        _recompute(_authors("OLD.take_id"), "SELECT OLD.question_id"),
    ),
    "archive_stance_takeauthor_ai": (
        "archive_takeauthor",
        "INSERT",
        "",
        [
            f"INSERT INTO {TABLE} {_COLUMNS} "
            "SELECT NEW.expert_id, p.question_id, p.stance_id, 1, t.published "
            "FROM archive_position p JOIN archive_take t ON t.id = p.take_id "
            f"WHERE p.take_id = NEW.take_id AND t.status = {PUBLISHED} {_UPSERT}"
        ],
    ),
    "archive_stance_takeauthor_au": (
        "archive_takeauthor",
        "UPDATE OF take_id, expert_id",
        "OLD.take_id IS DISTINCT FROM NEW.take_id OR OLD.expert_id IS DISTINCT FROM NEW.expert_id",
        [
            *_recompute("SELECT OLD.expert_id", _questions("OLD.take_id")),
            *_recompute("SELECT NEW.expert_id", _questions("NEW.take_id")),
        ],
    ),
    "archive_stance_takeauthor_ad": (
        "archive_takeauthor",
        "DELETE",
        "",
        _recompute("SELECT OLD.expert_id", _questions("OLD.take_id")),
    ),
    "archive_stance_take_au": (
        "archive_take",
        "UPDATE OF status, published",
        f"(OLD.status = {PUBLISHED} OR NEW.status = {PUBLISHED}) AND (OLD.status IS DISTINCT FROM NEW.status "
        "OR OLD.published IS DISTINCT FROM NEW.published)",
        _recompute(_authors("NEW.id"), _questions("NEW.id")),
    ),
    # The ORM deletes a take's positions and authorships first (nothing left to do here); raw SQL
    # may delete the take first while the foreign keys are deferred.
    "archive_stance_take_ad": (
        "archive_take",
        "DELETE",
        f"OLD.status = {PUBLISHED}",
        _recompute(_authors("OLD.id"), _questions("OLD.id")),
    ),
}

#: Lifted by ``bulk_load()``: the rows inserted in the block are summed set-wise at its end.
INSERT_TRIGGERS = ("archive_stance_position_ai", "archive_stance_takeauthor_ai")

# ``takes`` summed over the rows of one statement; ``newest`` the later date, as in ``_UPSERT``.
_UPSERT_MANY = f"""
    ON CONFLICT (expert_id, question_id, stance_id) DO UPDATE SET
        takes = {TABLE}.takes + excluded.takes,
        newest = CASE WHEN {TABLE}.newest IS NULL OR excluded.newest > {TABLE}.newest
                      THEN excluded.newest ELSE {TABLE}.newest END
"""

#: PostgreSQL: the two insert triggers run once per statement over its new rows (a transition
#: table), not once per row. Row triggers fire at the end of the statement anyway, each seeing all
#: its rows, so summing the statement's rows per (expert, question, stance) adds exactly what the
#: row-by-row upserts added; an import's 30,000-row inserts make one grouped upsert, not 30,000.
#: SQLite has no statement triggers and keeps the row bodies in ``TRIGGERS``.
POSTGRES_STATEMENT_TRIGGERS: dict[str, str] = {
    "archive_stance_position_ai": (
        f"INSERT INTO {TABLE} {_COLUMNS} "
        "SELECT ta.expert_id, n.question_id, n.stance_id, count(*), max(t.published) "
        "FROM new_rows n JOIN archive_takeauthor ta ON ta.take_id = n.take_id JOIN archive_take t ON t.id = n.take_id "
        f"WHERE t.status = {PUBLISHED} GROUP BY ta.expert_id, n.question_id, n.stance_id {_UPSERT_MANY}"
    ),
    "archive_stance_takeauthor_ai": (
        f"INSERT INTO {TABLE} {_COLUMNS} "
        "SELECT n.expert_id, p.question_id, p.stance_id, count(*), max(t.published) "
        "FROM new_rows n JOIN archive_position p ON p.take_id = n.take_id JOIN archive_take t ON t.id = n.take_id "
        f"WHERE t.status = {PUBLISHED} GROUP BY n.expert_id, p.question_id, p.stance_id {_UPSERT_MANY}"
    ),
}


def _sqlite_trigger(name: str) -> str:
    table, event, condition, statements = TRIGGERS[name]
    when = f" WHEN {condition.replace('IS DISTINCT FROM', 'IS NOT')}" if condition else ""
    body = " ".join(f"{sql.strip()};" for sql in statements)
    return f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} FOR EACH ROW{when} BEGIN {body} END"


def _postgres_trigger(name: str) -> list[str]:
    table, event, condition, statements = TRIGGERS[name]
    when = f" WHEN ({condition})" if condition else ""
    level = "FOR EACH ROW"
    if name in POSTGRES_STATEMENT_TRIGGERS:
        statements, level = [POSTGRES_STATEMENT_TRIGGERS[name]], "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    body = " ".join(f"{sql.strip()};" for sql in statements)
    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$",
        f"DROP TRIGGER IF EXISTS {name} ON {table}",
        f"CREATE TRIGGER {name} AFTER {event} ON {table} {level}{when} EXECUTE FUNCTION {name}()",
    ]


def _present(connection: BaseDatabaseWrapper) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'archive_stance_%%' AND NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'archive_stance_%'")
        return {row[0] for row in cursor.fetchall()}


def _check_vendor(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"The archive supports PostgreSQL and SQLite, not {connection.vendor}.")


def install(connection: BaseDatabaseWrapper) -> bool:
    """Create the triggers that are missing; rebuild the table when any was. True when it rebuilt."""
    _check_vendor(connection)
    missing = set(TRIGGERS) - _present(connection)
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            if connection.vendor == "postgresql":
                for sql in _postgres_trigger(name):
                    cursor.execute(sql)
            else:
                cursor.execute(_sqlite_trigger(name))
    if missing:
        rebuild(connection)
    return bool(missing)


def uninstall_triggers(connection: BaseDatabaseWrapper, names=None) -> None:
    with connection.cursor() as cursor:
        for name in names or TRIGGERS:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {TRIGGERS[name][0]}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def rebuild(connection: BaseDatabaseWrapper) -> int:
    """Recompute the whole table from the base tables, set-wise. Returns the number of rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        cursor.execute(f"INSERT INTO {TABLE} {_COLUMNS} " + _AGGREGATE.format(where="1 = 1"))
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        return cursor.fetchone()[0]


def differences(connection: BaseDatabaseWrapper) -> int:
    """How many rows differ between the table and a fresh aggregate (0 when it is exact)."""
    stored = f"SELECT expert_id, question_id, stance_id, takes, newest FROM {TABLE}"
    fresh = _AGGREGATE.format(where="1 = 1")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM ({stored} EXCEPT {fresh}) a) "
            f"+ (SELECT count(*) FROM ({fresh} EXCEPT {stored}) b)"
        )
        return cursor.fetchone()[0]


@contextmanager
def bulk_load(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Lift the insert triggers for the block and rebuild the table set-wise at its end.

    Must run inside a transaction (``archive.db.search_index.bulk_load`` uses it). Update and delete
    triggers stay in force; the final rebuild makes every row exact whatever the block wrote.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_load() must run inside transaction.atomic().")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks pending from earlier writes make ALTER TABLE refuse to run.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for name in INSERT_TRIGGERS:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {TRIGGERS[name][0]} DISABLE TRIGGER {name}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        rebuild(connection)
        for name in INSERT_TRIGGERS:
            if connection.vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {TRIGGERS[name][0]} ENABLE TRIGGER {name}")
            else:
                cursor.execute(_sqlite_trigger(name))
