"""A number the database changes whenever an archive row changes, and results cached against it.

Some pages show figures computed from the whole archive: the home page's totals and stance split,
the question list's split, the outlet list's take counts. At 100,000 takes each is a pass over
hundreds of thousands of rows (~0.2 s apiece on PostgreSQL). They change only when an editor or an
import writes, so each web process keeps them (``cached()``) together with the *data version*
they were computed at, and recomputes them when the version has moved.

The version is kept by the database, so no write can leave a cached figure stale — the admin,
the ORM, bulk inserts, ``loaddata``, ``import_takes``, raw SQL:

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

``install()`` is idempotent. Migration 0007 calls it, and so does every ``migrate``
(post_migrate, archive/apps.py): SQLite drops a table's triggers when it rebuilds the table.
"""

# ruff: noqa: S608 - SQL here is built from the fixed table names in TABLES, never from input.
from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

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
    "archive_position",
    "archive_response",
)

#: Tables kept by triggers from those above: they change only when one of ``TABLES`` does.
DERIVED_TABLES = ("archive_expertstance",)

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


def for_request(request, using: str = "default") -> int | None:
    """``reading_version()``, read once per request (kept on the request)."""
    versions = request.__dict__.setdefault("_archive_data_versions", {})
    if using not in versions:
        versions[using] = reading_version(using)
    return versions[using]


def _size(value: object, depth: int = 0) -> int:
    """Roughly the bytes ``value`` holds: strings by length, containers and dataclasses by their
    items (a few levels deep), anything else by ``sys.getsizeof``."""
    if isinstance(value, str | bytes):
        return 50 + len(value)
    if depth > 4:
        return 64
    if isinstance(value, dict):
        return 64 + sum(_size(k, depth + 1) + _size(v, depth + 1) for k, v in value.items())
    if isinstance(value, tuple | list | frozenset | set):
        return 56 + sum(_size(item, depth + 1) for item in value)
    if dataclasses.is_dataclass(value):
        return 56 + sum(_size(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    if hasattr(value, "__dict__"):  # a model instance: its field values
        return 100 + sum(_size(v, depth + 1) for k, v in vars(value).items() if not k.startswith("_"))
    return sys.getsizeof(value)


class _Store:
    """Results by (database, name, key), each with the version it was computed at: a
    least-recently-used dict bounded by ``DATA_CACHE_ENTRIES`` entries and ``DATA_CACHE_MB``
    megabytes. When a database's version moves, the results of older versions (never read again)
    are dropped at the next store. Thread-safe (a threaded server shares it)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple, tuple[int, object, int]] = OrderedDict()
        self.versions: dict[str, int] = {}
        self.size = 0
        self.lock = threading.Lock()

    @staticmethod
    def limits() -> tuple[int, int]:
        entries = getattr(settings, "DATA_CACHE_ENTRIES", 10_000)
        megabytes = getattr(settings, "DATA_CACHE_MB", 64)
        return entries, megabytes * 1024 * 1024

    def get(self, key: tuple, version: int) -> tuple[bool, object]:
        with self.lock:
            hit = self.entries.get(key)
            if hit is None or hit[0] != version:
                return False, None
            self.entries.move_to_end(key)
            return True, hit[1]

    def put(self, key: tuple, version: int, value: object) -> None:
        most, budget = self.limits()
        size = _size(value)
        if most < 1 or size > budget:
            return
        using = key[0]
        with self.lock:
            if self.versions.get(using) != version:
                self.versions[using] = version
                for old in [k for k, entry in self.entries.items() if k[0] == using and entry[0] != version]:
                    self.size -= self.entries.pop(old)[2]
            previous = self.entries.pop(key, None)
            if previous is not None:
                self.size -= previous[2]
            self.entries[key] = (version, value, size)
            self.size += size
            while len(self.entries) > most or self.size > budget:
                self.size -= self.entries.popitem(last=False)[1][2]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.versions.clear()
            self.size = 0


_store = _Store()


def cached[T](name: str, compute: Callable[[], T], using: str = "default") -> T:
    """``compute()``'s result, reused while the data version is unchanged (one query when it is).

    Results are kept per process and database; ``name`` must identify what ``compute`` returns.
    A PostgreSQL transaction that has written computes afresh and keeps nothing.
    """
    return remember(name, None, compute, version=reading_version(using), using=using)


def remember[T](
    name: str, key: Hashable, compute: Callable[[], T], *, version: int | None, using: str = "default"
) -> T:
    """``compute()``'s result for ``(name, key)`` at data version ``version`` (from
    ``reading_version()``, read once per request), computed once per version and process.
    ``version=None`` computes afresh and keeps nothing. The value is shared between requests:
    keep it immutable (tuples, strings, SafeStrings)."""
    if version is None:
        return compute()
    found, value = _store.get((using, name, key), version)
    if found:
        return value  # type: ignore[return-value]
    value = compute()
    _store.put((using, name, key), version, value)
    return value


def remember_many[K: Hashable, T](
    name: str,
    keys: Iterable[K],
    compute: Callable[[list[K]], dict[K, T]],
    *,
    version: int | None,
    using: str = "default",
) -> dict[K, T]:
    """Like ``remember`` for many keys at once: ``compute(missing_keys)`` returns the values of the
    keys not kept at this version, in one go (one set of queries for a page of cards)."""
    keys = list(keys)
    if version is None:
        return compute(keys)
    found: dict[K, T] = {}
    missing: list[K] = []
    for key in keys:
        hit, value = _store.get((using, name, key), version)
        if hit:
            found[key] = value  # type: ignore[assignment]
        else:
            missing.append(key)
    if missing:
        computed = compute(missing)
        for key, value in computed.items():
            _store.put((using, name, key), version, value)
        found.update(computed)
    return found


def clear() -> None:
    """Forget every cached result (tests, and the benchmark's cold requests)."""
    _store.clear()
