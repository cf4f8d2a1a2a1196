"""Streamed downloads: every row of an ordered queryset, read in chunks, written as CSV or JSON.

``in_chunks`` walks the ordered ids with the database's cursor (a server-side cursor on
PostgreSQL, ``fetchmany`` on SQLite), ``CHUNK`` at a time, and loads each chunk's rows with what
they show (one query, plus the chunk's prefetches), put back in the ids' order. Memory holds one
chunk, whatever the number of rows; the query count is fixed per chunk.

CSV is UTF-8 with a byte-order mark (so spreadsheet programs read the accents), one header row,
and every text cell that a spreadsheet would read as a formula (starting with ``= + - @``, a tab
or a carriage return) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

CHUNK = 1000
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def in_chunks(ordered: QuerySet, load: Callable[[list[int]], dict], chunk: int | None = None) -> Iterator:
    """The rows of ``ordered`` in its order: ids streamed, each chunk's rows from ``load(ids)``
    (id -> row; a row gone since the ids were read is skipped)."""
    chunk = chunk or CHUNK
    ids = ordered.values_list("pk", flat=True).iterator(chunk_size=chunk)
    batch: list[int] = []
    for pk in ids:
        batch.append(pk)
        if len(batch) == chunk:
            yield from _loaded(load, batch)
            batch = []
    if batch:
        yield from _loaded(load, batch)


def _loaded(load: Callable[[list[int]], dict], ids: list[int]) -> list:
    rows = load(ids)
    return [rows[pk] for pk in ids if pk in rows]


def safe_cell(value: object) -> object:
    """A cell a spreadsheet shows as text: formula-like text gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """A file-like object that hands back what the CSV writer writes (Django's streaming recipe)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: list[str], rows: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(columns)
    for row in rows:
        yield writer.writerow([safe_cell(flat(row.get(name))) for name in columns])


def flat(value: object) -> object:
    """A JSON row's value as one CSV cell: lists joined with "; ", nothing as empty, booleans as words."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return value


def json_chunks(head: dict, key: str, rows: Iterable[dict]) -> Iterator[str]:
    """``{**head, key: [rows…]}`` written a row at a time."""
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    yield opening + (", " if head else "") + json.dumps(key) + ": ["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]}\n"


def download(fmt: str, name: str, head: dict, key: str, columns: list[str], rows: Iterable[dict]):
    """The streamed response: ``fmt`` is ``csv`` or ``json``; ``rows`` are JSON-ready dicts whose
    CSV cells are the ``columns`` (JSON rows may carry more, nested)."""
    body = csv_lines(columns, rows) if fmt == "csv" else json_chunks(head, key, rows)
    response = StreamingHttpResponse((part.encode() for part in body), content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
