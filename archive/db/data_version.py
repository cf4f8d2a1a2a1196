"""A number the database changes whenever an archive row changes (the *data version*).

What the pages derive from the whole archive is cached against it (archive/data_version.py), and
recomputed when it has moved. The version is kept by the database, so no write can leave a cached
result stale — the admin, the ORM, bulk inserts, ``loaddata``, ``import_takes``, raw SQL:

PostgreSQL
    A one-row table ``archive_data_version`` set from a sequence by a trigger on every editorial
    table. The trigger is a deferred constraint trigger: it runs at commit, once per transaction
    (a transaction-local setting remembers that it ran), so the row is locked only for the
    instant of the commit and a long import never makes editors' saves wait. ``TRUNCATE`` has a
    statement trigger of its own.
SQLite
    The same table, given a random 63-bit number by row triggers (SQLite has one writer at a
    time, so there is nothing to contend for). A rolled-back write restores the old number with
    the old data; a random number never comes back for another state of the data.

The version is read *before* the figures are computed: a write committed in between is then
cached under the old number, which no reader will see again.

``install()`` is idempotent. Migration 0007 calls it, and so does every ``migrate`` (post_migrate,
through the registry in archive/db/__init__.py): SQLite drops a table's triggers when it rebuilds
the table.
"""

# ruff: noqa: S608 - SQL here is built from the fixed table names in TABLES, never from input.
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from archive.db import routing

#: Every table whose rows the reading pages show. Derived tables (search indexes, summaries kept
#: by triggers) change only with these. tests/test_data_version.py checks nothing is left out.
TABLES = (
    "archive_publication",
    "archive_expert",
    "archive_affiliation",
    "archive_collection",
    "archive_theme",
    "archive_take",
    "archive_take_themes",
    "archive_takeauthor",
    "archive_quote",
    "archive_question",
    "archive_stance",
    "archive_stance_opposes",
    "archive_position",
    "archive_response",
    "archive_appearance",
    "archive_prediction",
)

#: Tables kept by triggers from those above: they change only when one of ``TABLES`` does.
DERIVED_TABLES = ("archive_expertstance", "archive_take_dates")

#: Tables no page, feed, export or API shows (email alerts' subscribers, archive/models/alerts.py):
#: writing them changes nothing the cache keeps, so they do not move the version.
PRIVATE_TABLES = ("archive_subscriber", "archive_alert", "archive_alertdelivery")

_PG_FUNCTIONS = """
CREATE SEQUENCE IF NOT EXISTS archive_data_version_seq;
CREATE TABLE IF NOT EXISTS archive_data_version (version bigint NOT NULL);
INSERT INTO archive_data_version (version)
    SELECT nextval('archive_data_version_seq') WHERE NOT EXISTS (SELECT 1 FROM archive_data_version);
CREATE OR REPLACE FUNCTION archive_data_version_bump() RETURNS void LANGUAGE sql AS $$
    UPDATE archive_data_version SET version = nextval('archive_data_version_seq');
$$;
CREATE OR REPLACE FUNCTION archive_data_version_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('archive.data_version_bumped', true) IS DISTINCT FROM txid_current()::text THEN
        PERFORM set_config('archive.data_version_bumped', txid_current()::text, true);
        PERFORM archive_data_version_bump();
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION archive_data_version_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM archive_data_version_bump();
    RETURN NULL;
END $$;
"""


def _pg_table_sql(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}",
        f"CREATE CONSTRAINT TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION archive_data_version_at_commit()",
        f"DROP TRIGGER IF EXISTS {table}_data_version_truncate ON {table}",
        f"CREATE TRIGGER {table}_data_version_truncate AFTER TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION archive_data_version_truncated()",
    ]


_SQLITE_TABLE = (
    "CREATE TABLE IF NOT EXISTS archive_data_version (version integer NOT NULL)",
    "INSERT INTO archive_data_version (version) "
    "SELECT abs(random()) WHERE NOT EXISTS (SELECT 1 FROM archive_data_version)",
)


def _sqlite_triggers(tables) -> dict[str, str]:
    triggers = {}
    for table in tables:
        for event, suffix in (("INSERT", "ai"), ("UPDATE", "au"), ("DELETE", "ad")):
            name = f"{table}_data_version_{suffix}"
            triggers[name] = (
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} "
                "BEGIN UPDATE archive_data_version SET version = abs(random()); END"
            )
    return triggers


def install(connection: BaseDatabaseWrapper) -> None:
    """Create the version and its triggers on whichever of ``TABLES`` exist (idempotent)."""
    present = set(connection.introspection.table_names())
    tables = [table for table in TABLES if table in present]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_FUNCTIONS)
            for table in tables:
                for sql in _pg_table_sql(table):
                    cursor.execute(sql)
        elif connection.vendor == "sqlite":
            for sql in _SQLITE_TABLE:
                cursor.execute(sql)
            for sql in _sqlite_triggers(tables).values():
                cursor.execute(sql)
        else:
            raise RuntimeError(f"The archive supports PostgreSQL and SQLite, not {connection.vendor}.")


def uninstall_sqlite_triggers(connection: BaseDatabaseWrapper) -> None:
    """SQLite, before table rebuilds: drop the triggers (``install`` puts them back)."""
    with connection.cursor() as cursor:
        for name in _sqlite_triggers(TABLES):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in TABLES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_data_version_truncate ON {table}")
            for function in ("archive_data_version_at_commit", "archive_data_version_truncated"):
                cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")
            cursor.execute("DROP FUNCTION IF EXISTS archive_data_version_bump()")
            cursor.execute("DROP TABLE IF EXISTS archive_data_version")
            cursor.execute("DROP SEQUENCE IF EXISTS archive_data_version_seq")
        else:
            uninstall_sqlite_triggers(connection)
            cursor.execute("DROP TABLE IF EXISTS archive_data_version")


@contextmanager
def lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """For a bulk load inside a transaction: no per-row trigger work, one move of the version at
    the end. The triggers come back in the same transaction (a failure rolls everything back)."""
    if not connection.in_atomic_block:
        raise RuntimeError("data_version.lifted() must run inside transaction.atomic().")
    present = set(connection.introspection.table_names())
    tables = [table for table in TABLES if table in present]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending trigger events
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_data_version")
        else:
            uninstall_sqlite_triggers(connection)
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_data_version")
        else:
            for sql in _sqlite_triggers(tables).values():
                cursor.execute(sql)
    bump(connection)


def bump(connection: BaseDatabaseWrapper) -> None:
    """Move the version on by hand (after writes made with the triggers lifted)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT archive_data_version_bump()")
        else:
            cursor.execute("UPDATE archive_data_version SET version = abs(random())")


def current(using: str = "default") -> tuple[int, bool]:
    """The data version now, and whether this transaction has written (PostgreSQL only: its
    version moves at commit, so until then it would describe data without those writes). SQLite
    moves the version with each write, so a transaction always reads its own."""
    with connections[using].cursor() as cursor:
        if connections[using].vendor == "postgresql":
            cursor.execute("SELECT version, txid_current_if_assigned() IS NOT NULL FROM archive_data_version")
        else:
            cursor.execute("SELECT version, 0 FROM archive_data_version")
        row = cursor.fetchone()
    return (int(row[0]), bool(row[1])) if row else (0, True)


def reading_version(using: str = "default") -> int | None:
    """The version to cache results against, or ``None`` when nothing may be cached (this
    PostgreSQL transaction has written: its version moves only at commit)."""
    version, own_writes = current(using)
    return None if own_writes else version


def for_request(request, using: str | None = None) -> int | None:
    """``reading_version()``, read once per request (kept on the request), from the database the
    request reads its data from (a replica's version describes that replica's rows:
    archive/db/routing.py)."""
    if using is None:
        using = routing.read_alias()
    versions = request.__dict__.setdefault("_archive_data_versions", {})
    if using not in versions:
        versions[using] = reading_version(using)
    return versions[using]
