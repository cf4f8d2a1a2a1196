"""What an import document becomes once read: records per section, the problems found, and the
value helpers the reader and the exporter share (dates at their precision, quoted values in messages).

``reader`` reads a file into a ``Document``; ``importer`` checks it against the database and writes it.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from typing import Any

from archive import models
from archive.transfer import FORMAT_VERSION

MAX_ERRORS_SHOWN = 200
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class ImportFailed(Exception):
    """The document cannot be imported; ``errors`` says every reason found, nothing was written."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(errors[0] if errors else "import failed")

    def report(self, limit: int = MAX_ERRORS_SHOWN) -> str:
        lines = [f"The import was refused ({len(self.errors)} problem(s)); nothing was written."]
        lines += [f"  - {message}" for message in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"  ... and {len(self.errors) - limit} more.")
        return "\n".join(lines)


@dataclass
class Problems:
    """The errors found so far, and unknown keys (reported once per place, as warnings)."""

    errors: list[str] = field(default_factory=list)
    unknown_keys: Counter = field(default_factory=Counter)

    def add(self, where: str, key: str | None, message: str) -> None:
        self.errors.append(f"{where}: {key}: {message}" if key else f"{where}: {message}")

    def warnings(self) -> list[str]:
        return [
            f'ignored the unknown field "{key}" in {place} ({count} time{"s" if count != 1 else ""})'
            for (place, key), count in sorted(self.unknown_keys.items())
        ]


@dataclass
class Record:
    """One top-level item as read: where it is, its slug, its present fields and nested lists."""

    where: str
    slug: str | None
    fields: dict
    lists: dict = field(default_factory=dict)
    index: int = 0


@dataclass
class Document:
    version: int = FORMAT_VERSION
    publications: list[Record] = field(default_factory=list)
    experts: list[Record] = field(default_factory=list)
    questions: list[Record] = field(default_factory=list)
    collections: list[Record] = field(default_factory=list)
    themes: list[Record] = field(default_factory=list)
    takes: list[Record] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: A streamed document (archive/transfer/stream.py) keeps no takes in ``takes``: this reads them
    #: from the file again, in order, each time it is called, and ``slugs_of_takes`` holds their slugs.
    take_source: Callable[[], Iterator[Record]] | None = None
    slugs_of_takes: Container[str] | None = None
    take_count: int | None = None
    #: A streamed document keeps its reference sections' records on disk (``spill.SpilledList``) and
    #: their slugs in an on-disk index: section -> the index (theme names in it as "name:…").
    slugs_of: dict[str, Container[str]] = field(default_factory=dict)

    def number_of_takes(self) -> int:
        return self.take_count if self.take_count is not None else len(self.takes)

    def iter_takes(self) -> Iterator[Record]:
        return self.take_source() if self.take_source is not None else iter(self.takes)

    def take_chunks(self, size: int) -> Iterator[list[Record]]:
        """The takes, ``size`` at a time: never more of them in memory than that."""
        chunk: list[Record] = []
        for record in self.iter_takes():
            chunk.append(record)
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def close(self) -> None:
        """Let go of the temporary files a streamed document keeps (its records, slugs and URLs)."""
        sections = (self.publications, self.experts, self.questions, self.collections, self.themes)
        for held in (self.slugs_of_takes, *self.slugs_of.values(), *sections):
            close = getattr(held, "close", None)
            if close is not None:
                close()

    def defined_slugs(self, section: str) -> Container[str]:
        """The slugs the document gives the items of a reference section (publications ... themes)."""
        if section in self.slugs_of:
            return self.slugs_of[section]
        return {r.slug for r in getattr(self, section) if r.slug}

    def take_slugs(self) -> Container[str]:
        """The slugs the document gives its takes."""
        if self.slugs_of_takes is not None:
            return self.slugs_of_takes
        return {r.slug for r in self.takes if r.slug}


def describe(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )


def parse_date(value: str) -> tuple[datetime.date, str]:
    """``"2019-03-12"``, ``"2019-03"`` or ``"2019"`` to (first day, precision); ValueError otherwise."""
    match = DATE_PATTERN.match(value)
    if not match:
        raise ValueError("is not a date: use YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = match.groups()
    try:
        date = datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValueError("is not a real calendar date") from None
    if date.year < 1900:
        raise ValueError("is before 1900")
    if date > datetime.date.today() + datetime.timedelta(days=1):
        raise ValueError("is in the future")
    precision = models.DatePrecision.DAY if day else models.DatePrecision.MONTH if month else models.DatePrecision.YEAR
    return date, precision


def format_date(date: datetime.date | None, precision: str) -> str | None:
    """The inverse of ``parse_date``: the date at its precision, or None."""
    if date is None:
        return None
    if precision == models.DatePrecision.YEAR:
        return f"{date.year:04d}"
    if precision == models.DatePrecision.MONTH:
        return f"{date.year:04d}-{date.month:02d}"
    return date.isoformat()
