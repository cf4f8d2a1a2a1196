"""PostgreSQL: a row written under a take locks that take first, so the journals of counts and the
who-holds-what table see the take and its other rows as they are when two writers meet.

Every journal (take_dates.py, stance_dates.py, totals.py, expert_records.py) and the who-holds-what
table (stances.py) counts a take's rows only while the take is published. Its triggers read the take
from the rows' side (a position inserted: is its take published?) and the rows from the take's side
(a take published: which positions does it have?). Under READ COMMITTED two writers can miss each
other: one inserts a position of an unpublished take and has not committed; another publishes the
take and its trigger does not see the uncommitted position; both commit, and the position is
published but counted nowhere (deletes can count twice the same way). Pairs of rows meet the same
way: a prediction and an author of one take added at once by two writers, neither seeing the other's
row, leave the author's record without that prediction (expert_records.py); a position and an
author likewise the who-holds-what table. Inserting a child row takes only a ``FOR KEY SHARE`` lock
on its take, which neither an ``UPDATE`` of the take's status nor another child row waits for.

So before the journals' triggers run, a trigger here locks the rows' takes ``FOR NO KEY UPDATE``,
the lock a take's ``UPDATE`` takes itself: writers of one take's rows, and of the take, wait for
one another (foreign-key checks, which take ``FOR KEY SHARE``, and readers do not wait):

- INSERT: once per statement over its new rows (a transition table, like the journals' insert
  triggers), named to fire before them (PostgreSQL fires a table's triggers of one kind in name
  order; ``archive_0_`` sorts before every other trigger of the archive's);
- UPDATE and DELETE: a ``BEFORE`` row trigger (before any ``AFTER`` trigger), for the row's take
  and, when it moves, the new one (a journal counts a change of stance or outcome, too).

Whichever comes second then sees the first committed: a writer whose lock waited reads the take and
its rows as the first writer left them (each statement of a trigger function takes a new snapshot
under READ COMMITTED), and a take's ``UPDATE`` that waited for the lock reads the rows committed
meanwhile. The locks are held to the end of the transaction; takes are locked in id
order within a statement. tests/test_take_locks.py runs each meeting with two connections.

SQLite has one writer at a time: nothing to do there.
"""

# ruff: noqa: S608 - SQL here is built from fixed fragments in this module, never from input.
from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

#: The tables whose rows the journals count by their take's status.
TABLES = ("archive_position", "archive_prediction", "archive_quote", "archive_response", "archive_takeauthor")

_LOCK = "SELECT 1 FROM archive_take WHERE id IN ({ids}) ORDER BY id FOR NO KEY UPDATE"


def _names(table: str) -> tuple[str, str]:
    short = table.removeprefix("archive_")
    return f"archive_0_take_lock_{short}_i", f"archive_0_take_lock_{short}_ud"


def _statements(table: str) -> list[str]:
    inserted, changed = _names(table)
    # Planned afresh each time (EXECUTE), as the journals' insert triggers: a plan cached while the
    # takes were few (the start of an import) would scan them whole.
    on_insert = _LOCK.format(ids="SELECT take_id FROM new_rows")
    on_change = (
        f"IF TG_OP = 'DELETE' THEN PERFORM 1 FROM ({_LOCK.format(ids='OLD.take_id')}) locked; RETURN OLD; END IF; "
        f"PERFORM 1 FROM ({_LOCK.format(ids='OLD.take_id, NEW.take_id')}) locked; RETURN NEW;"
    )
    return [
        f"CREATE OR REPLACE FUNCTION {inserted}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"EXECUTE $sql${on_insert}$sql$; RETURN NULL; END $$",
        f"DROP TRIGGER IF EXISTS {inserted} ON {table}",
        f"CREATE TRIGGER {inserted} AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {inserted}()",
        f"CREATE OR REPLACE FUNCTION {changed}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {on_change} END $$",
        f"DROP TRIGGER IF EXISTS {changed} ON {table}",
        f"CREATE TRIGGER {changed} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {changed}()",
    ]


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the locking triggers (idempotent; PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in TABLES:
            for sql in _statements(table):
                cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in TABLES:
            for name in _names(table):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")


def uninstall_sqlite_triggers(connection: BaseDatabaseWrapper) -> None:
    """SQLite has none (one writer at a time)."""
