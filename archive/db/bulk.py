"""Plain multi-row inserts for the bulk paths (``import_takes``, ``generate_corpus``), and lists of
ids bound as one parameter.

``QuerySet.bulk_create`` builds a model instance per row and prepares every value through the
field (``pre_save``, ``get_db_prep_save``): for 1,000,000 small rows that Python costs more than
the database's work. Here the caller passes values already in database form (ids, strings,
booleans, dates, ``None``). Database triggers and constraints apply exactly as for any insert.

On SQLite rows go in as ``INSERT … VALUES (…), (…)`` statements of a few fixed sizes (``shaped``):
Python's ``sqlite3`` keeps the last 128 statements of a connection prepared, keyed by their text,
and a multi-row ``VALUES`` compiles to about 1 kB of program per row. Sized to whatever rows a
chunk had, nearly every chunk of an import prepared new statements of thousands of rows each, and
the cache of them grew with the import (2 kB a take, 128 statements of up to 5,000 rows before
it stopped; docs/performance.md, "Import in bounded memory, third round"). Batches of 256 rows,
the rest in powers of two, give each table at most nine statements, prepared once. On
PostgreSQL each column is one array parameter, ``INSERT … SELECT * FROM unnest(%s::type[], …)``
(as Django's own ``bulk_create`` does): psycopg rewrites every ``%s`` of a statement into ``$n``
with a regular expression in Python, which for a ``VALUES`` list of 20,000 placeholders cost
more than a third of the import's Python time; a handful of placeholders costs nothing.

The arrays go as bound parameters in binary (``%b``) through a server-side-binding cursor on the
same connection, in the same transaction. Django's own cursor binds on the client: it writes each
array as a quoted text literal, element by element in Python, about 25 times slower. Errors are
Django's (``IntegrityError``, ...) as through any cursor; the statements do not appear in
``connection.queries``.
"""

# ruff: noqa: S608 - identifiers come from model metadata; values are bound parameters.
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.expressions import RawSQL

#: PostgreSQL (psycopg) binds at most 65,535 parameters a statement.
POSTGRES_MAX_PARAMS = 65_535

#: SQLite: the most rows in one multi-row ``INSERT`` (a power of two: see ``shaped``).
SQLITE_ROWS = 256


def shaped(items: Sequence, most: int) -> Iterator[Sequence]:
    """Successive slices of ``items``: of ``most`` items each, then the rest as slices whose sizes
    are decreasing powers of two (1,000 by 256: 256, 256, 256, 128, 64, 32, 8). A statement whose
    text grows with its rows then has only a few texts, whatever the number of rows: a statement
    cache (``sqlite3``'s) keeps them prepared instead of filling with a new one per batch."""
    start, count = 0, len(items)
    while count - start >= most:
        yield items[start : start + most]
        start += most
    size = 1 << max(0, (count - start).bit_length() - 1)
    while start < count:
        if count - start >= size:
            yield items[start : start + size]
            start += size
        size >>= 1


def _batch_size(using: str, width: int) -> int:
    limit = connections[using].features.max_query_params or POSTGRES_MAX_PARAMS
    return max(1, min(limit, POSTGRES_MAX_PARAMS) // width)


@contextmanager
def _cursor(connection: BaseDatabaseWrapper) -> Iterator:
    """PostgreSQL: a psycopg cursor binding on the server, on Django's connection. SQLite: Django's."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg  # only with PostgreSQL

    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    with psycopg.Cursor(connection.connection) as cursor:
        yield cursor


def insert_rows(
    model: type[Model], fields: Sequence[str], rows: Sequence[tuple], *, returning: bool = False
) -> list[int]:
    """Insert ``rows`` (tuples of database values for ``fields``, attribute names like
    ``take_id``) into ``model``'s table. With ``returning``, the new primary keys in row order
    (``RETURNING``, as ``bulk_create`` relies on for both databases)."""
    if not rows:
        return []
    using = router.db_for_write(model)
    connection = connections[using]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    table = quote(model._meta.db_table)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    unnest = None
    if connection.vendor == "postgresql":
        # varchar rather than varchar(500): the column itself checks the length, as for any insert
        types = [model._meta.get_field(name).db_type(connection).split("(")[0] for name in fields]
        unnest = "SELECT * FROM unnest(" + ", ".join(f"%b::{db_type}[]" for db_type in types) + ")"
    tail = f" RETURNING {quote(model._meta.pk.column)}" if returning else ""
    size = _batch_size(using, len(fields))
    # PostgreSQL's statement is the same text whatever its rows; SQLite's grows with them (``shaped``)
    batches = (rows[start : start + size] for start in range(0, len(rows), size)) if unnest else None
    ids: list[int] = []
    with _cursor(connection) as cursor:
        for batch in batches or shaped(rows, min(size, SQLITE_ROWS)):
            if unnest:
                arrays = [list(column) for column in zip(*batch, strict=True)]
                with connection.wrap_database_errors:
                    cursor.execute(f"INSERT INTO {table} ({columns}) {unnest}{tail}", arrays)
            else:
                params = [value for row in batch for value in row]
                values = ", ".join([row_sql] * len(batch))
                cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values}{tail}", params)
            if returning:
                ids += [row[0] for row in cursor.fetchall()]
    return ids


def int_array(values: Sequence[int]) -> str:
    """PostgreSQL: integers as an array literal (``'{1,2,3}'``), for ``%s::bigint[]``. Django's
    cursor binds on the client and quotes a Python list element by element (~2.5 ms for 1,000
    ids); one string is quoted at once."""
    return "{" + ",".join(str(int(value)) for value in values) + "}"


def id_list(ids: Sequence[int], using: str) -> RawSQL:
    """``ids`` as the right-hand side of ``__in``, bound as one parameter: a PostgreSQL array, a
    JSON array on SQLite. A list of 1,000 ids as 1,000 placeholders cost ~15 ms of Python per
    query in Django's per-value preparation and psycopg's placeholder rewriting."""
    if connections[using].vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (int_array(ids),))
    return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(list(ids)),))


def copy_rows(model: type[Model], fields: Sequence[str], rows: Sequence[tuple]) -> None:
    """Insert ``rows`` (database values for ``fields``) into ``model``'s table the fastest way the
    database offers when no ids are needed back: ``COPY`` on PostgreSQL, ``executemany`` on SQLite
    (the corpus generator: the ORM's per-object work costs more than the database's there)."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
