"""The database refuses forbidden characters in every text column (archive/models/text.py says
which and why): control characters but tab, newline and carriage return, and bidirectional
overrides and isolates. The models' validators refuse them with a message first; this is what stops
raw SQL, ``loaddata`` and any path that skips the models.

- PostgreSQL: one ``CHECK (col !~ '[...]' AND ...)`` per table, added ``NOT VALID``: new and changed
  rows are checked, rows stored before migration 0014 are not rewritten (the public pages drop the
  characters from them on display). PostgreSQL cannot hold NUL in text at all.
- SQLite: a ``BEFORE INSERT`` and a ``BEFORE UPDATE OF <text columns>`` trigger per table (a CHECK
  would need the table rebuilt), with ``GLOB`` over the same code point ranges and ``instr`` for NUL.

Every violation is an integrity error whose message names ``text_forbidden_character``. The columns
are every character and text column of the archive's models; each table's constraint or triggers
carry a hash of its column list, so ``install()`` (idempotent, run after every ``migrate``) replaces
them when a column is added.
"""

from __future__ import annotations

import hashlib

from django.apps import apps
from django.db.backends.base.base import BaseDatabaseWrapper

TEXT_TYPES = {"CharField", "TextField", "SlugField", "URLField"}
NAME = "text_forbidden_character"


def text_columns(connection: BaseDatabaseWrapper | None = None) -> dict[str, list[str]]:
    """Each archive table's character and text columns; with ``connection``, only the tables and
    columns its database has now (a migration run from an empty database reaches 0014 before the
    later migrations have made the tables of the models that follow it)."""
    tables = {}
    for model in apps.get_app_config("archive").get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        columns = [f.column for f in model._meta.concrete_fields if f.get_internal_type() in TEXT_TYPES]
        if columns:
            tables[model._meta.db_table] = columns
    if connection is None:
        return tables
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
        kept = {}
        for table, columns in tables.items():
            if table not in present:
                continue
            have = {column.name for column in connection.introspection.get_table_description(cursor, table)}
            if have_columns := [column for column in columns if column in have]:
                kept[table] = have_columns
    return kept


def _suffix(columns: list[str]) -> str:
    return hashlib.blake2s(",".join(columns).encode(), digest_size=4).hexdigest()


def _ranges() -> tuple:
    from archive.models.text import FORBIDDEN_RANGES  # the models' package loads after the app registry

    return FORBIDDEN_RANGES


def _char_class(start_at_one: bool) -> str:
    parts = []
    for low, high in _ranges():
        low = max(low, 1) if start_at_one else low
        parts.append(chr(low) if low == high else f"{chr(low)}-{chr(high)}")
    return "[" + "".join(parts) + "]"


def _pg_class() -> str:
    """The class as a PostgreSQL regular expression, written with escapes (no NUL: PostgreSQL has none)."""
    parts = []
    for low, high in _ranges():
        low = max(low, 1)
        parts.append(f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}")
    return "[" + "".join(parts) + "]"


def _postgres_install(cursor, tables: dict[str, list[str]]) -> None:
    pattern = _pg_class()
    for table, columns in tables.items():
        wanted = f"{table}_clean_text_{_suffix(columns)}"
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND conname LIKE %s",
            [table, f"{table}_clean_text_%"],
        )
        present = [row[0] for row in cursor.fetchall()]
        if present == [wanted]:
            continue
        for name in present:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        condition = " AND ".join(f"{column} !~ '{pattern}'" for column in columns)
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{wanted}" CHECK ({condition}) NOT VALID')


def _sqlite_triggers(tables: dict[str, list[str]]) -> dict[str, str]:
    glob = "*" + _char_class(start_at_one=True) + "*"
    triggers = {}
    for table, columns in tables.items():
        suffix = _suffix(columns)
        found = " OR ".join(f"NEW.{c} GLOB '{glob}' OR instr(NEW.{c}, char(0)) > 0" for c in columns)
        body = f"WHEN {found} BEGIN SELECT RAISE(ABORT, '{NAME}: a text holds a forbidden character'); END"
        listed = ", ".join(columns)
        triggers[f"{table}_clean_text_{suffix}_ins"] = f"BEFORE INSERT ON {table} {body}"
        triggers[f"{table}_clean_text_{suffix}_upd"] = f"BEFORE UPDATE OF {listed} ON {table} {body}"
    return triggers


def _sqlite_present(cursor) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%\\_clean\\_text\\_%' ESCAPE '\\'"
    )
    return [row[0] for row in cursor.fetchall()]


def install(connection: BaseDatabaseWrapper) -> None:
    tables = text_columns(connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _postgres_install(cursor, tables)
            return
        wanted = _sqlite_triggers(tables)
        for name in _sqlite_present(cursor):
            if name not in wanted:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        for name, definition in wanted.items():
            cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{name}" {definition}')


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in text_columns(connection):
                cursor.execute(
                    "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND conname LIKE %s",
                    [table, f"{table}_clean_text_%"],
                )
                for (name,) in cursor.fetchall():
                    cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            return
        uninstall_sqlite_triggers_with(cursor)


def uninstall_sqlite_triggers_with(cursor) -> None:
    for name in _sqlite_present(cursor):
        cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def uninstall_sqlite_triggers(connection: BaseDatabaseWrapper) -> None:
    """SQLite, before table rebuilds: drop the triggers (``install`` puts them back after ``migrate``)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            uninstall_sqlite_triggers_with(cursor)
