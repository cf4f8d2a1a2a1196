"""Read an import document into checked, normalised records, without touching the database.

Every problem is collected (not just the first) with the place it was found: the section, the
item's index and slug, and the field, e.g. ``takes[12] "kim-wont-budge": published: ...``.
Checks that need the database (unknown slugs, stances of another question, ...) happen later in
``archive.transfer.importer``; the records here carry everything those checks need.

Semantics of a missing key, documented in docs/import-format.md:
- on a top-level item (a publication, expert, question, collection, theme or take), a missing key
  leaves that field as it is when the item exists, and gives the model default when it is created;
- a nested list that is present (``affiliations``, ``stances``, ``authors``, ``themes``, ``quotes``,
  ``positions``, ``responses``) replaces the item's list; a missing one leaves it as it is;
- inside a nested list item, a missing key means the default.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models as dj_models

from archive import models
from archive.transfer import FORMAT_VERSION

MAX_ERRORS_SHOWN = 200
SECTIONS = ("publications", "experts", "questions", "collections", "themes", "takes")
TOP_LEVEL_KEYS = {*SECTIONS, "version"}
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


# --------------------------------------------------------------------------- field specs


@dataclass(frozen=True)
class Spec:
    """How one key of an item is read: ``kind`` is text, choice, int, bool, date or ref."""

    key: str
    kind: str = "text"
    attr: str | None = None  # the model field, when it differs from the key
    required: bool = False

    @property
    def field_name(self) -> str:
        return self.attr or self.key


PUBLICATION = (
    Spec("slug", required=True),
    Spec("name", required=True),
    Spec("kind", "choice"),
    Spec("homepage"),
    Spec("country"),
    Spec("description"),
)
EXPERT = (
    Spec("slug", required=True),
    Spec("name", required=True),
    Spec("sort_name"),
    Spec("kind", "choice"),
    Spec("bio"),
    Spec("homepage"),
    Spec("social_handle"),
)
AFFILIATION = (
    Spec("organization", required=True),
    Spec("role"),
    Spec("start_year", "int"),
    Spec("end_year", "int"),
    Spec("current", "bool"),
)
QUESTION = (
    Spec("slug", required=True),
    Spec("text", required=True),
    Spec("short_label"),
    Spec("description"),
    Spec("order", "int"),
)
STANCE = (
    Spec("slug", required=True),
    Spec("label", required=True),
    Spec("meaning"),
    Spec("position", "int"),
)
COLLECTION = (
    Spec("slug", required=True),
    Spec("title", required=True),
    Spec("prompt"),
    Spec("publication", "ref"),
    Spec("url"),
    Spec("description"),
)
THEME = (
    Spec("slug", required=True),
    Spec("name", required=True),
    Spec("description"),
)
TAKE = (
    Spec("slug"),
    Spec("title", required=True),
    Spec("standfirst"),
    Spec("kind", "choice"),
    Spec("publication", "ref"),
    Spec("collection", "ref"),
    Spec("published", "date"),
    Spec("url"),
    Spec("archived_url"),
    Spec("summary"),
    Spec("body"),
    Spec("language"),
    Spec("status", "choice"),
)
QUOTE = (
    Spec("text", required=True),
    Spec("speaker", "ref"),
    Spec("headline", "bool", attr="is_headline"),
    Spec("source_url"),
)
POSITION = (
    Spec("question", "ref", required=True),
    Spec("stance", "ref", required=True),
    Spec("confidence", "choice"),
    Spec("quote", "index", attr="evidence"),
    Spec("note"),
)
RESPONSE = (
    Spec("expert", "ref", required=True),
    Spec("relation", "choice", required=True),
    Spec("take", "ref", attr="target_take"),
    Spec("quote", "index"),
    Spec("note"),
)
TAKE_LISTS = ("authors", "themes", "quotes", "positions", "responses")


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


@cache
def choices_of(model_field: dj_models.Field) -> list[str]:
    """A choice field's stored values (``flatchoices`` builds them afresh on every access)."""
    return [choice for choice, _ in model_field.flatchoices]


class ItemReader:
    """Reads the keys of one item against a spec and the model's own field rules."""

    def __init__(self, problems: Problems):
        self.problems = problems

    def read(
        self, item: Any, specs: tuple[Spec, ...], model: type[dj_models.Model], where: str, place: str, extra=()
    ) -> dict | None:
        """The item's present keys, normalised to model values; None when the item is not an object."""
        if not isinstance(item, dict):
            self.problems.add(where, None, f"must be an object, not {type_name(item)}")
            return None
        known = {spec.key for spec in specs} | set(extra)
        for key in item:
            if key not in known:
                self.problems.unknown_keys[(place, key)] += 1
        values = {}
        for spec in specs:
            if spec.key not in item:
                if spec.required:
                    self.problems.add(where, spec.key, "is required")
                continue
            self.read_value(item[spec.key], spec, model, where, values)
        return values

    def read_value(self, value: Any, spec: Spec, model, where: str, values: dict) -> None:
        add = self.problems.add
        kind, key = spec.kind, spec.key
        if kind == "date":
            if value is None:
                values["published"], values["date_precision"] = None, models.DatePrecision.DAY
            elif not isinstance(value, str):
                add(where, key, f"must be a date string such as 2019-03-12, 2019-03 or 2019, not {type_name(value)}")
            else:
                try:
                    values["published"], values["date_precision"] = parse_date(value)
                except ValueError as exc:
                    add(where, key, f"{describe(value)} {exc}")
            return
        if kind == "bool":
            if not isinstance(value, bool):
                add(where, key, f"must be true or false, not {describe(value)}")
            else:
                values[spec.field_name] = value
            return
        if kind == "index":
            if value is None:
                values[spec.field_name] = None
            elif isinstance(value, bool) or not isinstance(value, int):
                add(where, key, f"must be the index of a quote of this take (0, 1, ...), not {describe(value)}")
            else:
                values[spec.field_name] = value  # the range is checked by the caller, who knows the quotes
            return
        if kind == "ref":
            if value is None and not spec.required:
                values[spec.field_name] = None
            elif not isinstance(value, str) or not value:
                add(where, key, f"must be a slug (a non-empty string), not {describe(value)}")
            else:
                values[spec.field_name] = value
            return
        model_field = model._meta.get_field(spec.field_name)
        if kind == "int":
            if value is None and model_field.null:
                values[spec.field_name] = None
            elif isinstance(value, bool) or not isinstance(value, int):
                add(where, key, f"must be a whole number, not {describe(value)}")
            elif value < 0 or value > 32767:
                add(where, key, f"{value} is out of range (0 to 32767)")
            else:
                values[spec.field_name] = value
            return
        # text and choice: strings, checked by the model field's own validators
        if value is None:
            if spec.required or not model_field.blank:
                add(where, key, "is required and cannot be null")
                return
            value = ""
        if not isinstance(value, str):
            add(where, key, f"must be a string, not {type_name(value)}")
            return
        if value == "" and not model_field.blank:
            add(where, key, "cannot be empty")
            return
        if kind == "choice":
            allowed = choices_of(model_field)
            if value not in allowed:
                add(where, key, f"{describe(value)} is not one of: {', '.join(allowed)}")
                return
        if value:
            try:
                model_field.run_validators(value)
            except ValidationError as exc:
                add(where, key, f"{describe(value)}: {' '.join(exc.messages)}")
                return
        values[spec.field_name] = value


# --------------------------------------------------------------------------- records


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


def item_label(section: str, index: int, item: Any) -> str:
    slug = item.get("slug") if isinstance(item, dict) else None
    if isinstance(slug, str) and slug:
        return f'{section}[{index}] "{slug}"'
    url = item.get("url") if isinstance(item, dict) and section == "takes" else None
    if isinstance(url, str) and url:
        return f"{section}[{index}] <{url}>"
    return f"{section}[{index}]"


def load_json(raw: bytes | str) -> Any:
    """Decode a UTF-8 JSON document; ImportFailed with the line and column when it is malformed."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFailed([f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)"]) from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            [f"the file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"]
        ) from None
    except RecursionError:
        raise ImportFailed(["the file is not valid JSON: it is nested too deeply"]) from None


def read_document(data: Any, progress=None) -> Document:
    """Check a decoded document's shape and values; ImportFailed listing every problem found."""
    problems = Problems()
    if not isinstance(data, dict):
        raise ImportFailed([f"the file must hold a JSON object with the sections {', '.join(SECTIONS)}"])
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            problems.unknown_keys[("the file", key)] += 1
    version = data.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        problems.add(
            "the file", "version", f"{describe(version)} is not a version this archive reads ({FORMAT_VERSION})"
        )
    document = Document()
    reader = ItemReader(problems)
    for section in SECTIONS:
        items = data.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            problems.add(section, None, f"must be a list, not {type_name(items)}")
            continue
        read_section = SECTION_READERS[section]
        records = getattr(document, section)
        seen: dict[str, str] = {}
        for index, item in enumerate(items):
            where = item_label(section, index, item)
            record = read_section(reader, item, where)
            if record is None:
                continue
            record.index = index
            for key, value in unique_keys(section, record):
                if value in seen:
                    problems.add(where, key, f"{describe(value)} is used twice in {section} (also {seen[value]})")
                else:
                    seen[value] = where
            records.append(record)
            if progress and section == "takes" and (index + 1) % progress.every == 0:
                progress(f"checked {index + 1:,} of {len(items):,} takes")
    if problems.errors:
        raise ImportFailed(problems.errors)
    document.warnings = problems.warnings()
    return document


def unique_keys(section: str, record: Record):
    """The values that must not repeat within a section: slugs, and take URLs."""
    if record.slug:
        yield "slug", record.slug
    if section == "themes":
        yield "name", "name:" + record.fields.get("name", "").casefold()
    if section == "takes" and record.fields.get("url"):
        yield "url", "url:" + record.fields["url"]


def read_list(reader: ItemReader, item: dict, key: str, where: str) -> list | None:
    if key not in item:
        return None
    value = item[key]
    if value is None:
        return []
    if not isinstance(value, list):
        reader.problems.add(where, key, f"must be a list, not {type_name(value)}")
        return None
    return value


def read_simple(specs, model):
    def read(reader: ItemReader, item: Any, where: str) -> Record | None:
        values = reader.read(item, specs, model, where, where.split("[")[0] + "[]")
        if values is None:
            return None
        return Record(where=where, slug=values.get("slug"), fields=values)

    return read


def read_expert(reader: ItemReader, item: Any, where: str) -> Record | None:
    values = reader.read(item, EXPERT, models.Expert, where, "experts[]", extra=["affiliations"])
    if values is None:
        return None
    record = Record(where=where, slug=values.get("slug"), fields=values)
    affiliations = read_list(reader, item, "affiliations", where)
    if affiliations is not None:
        rows = []
        for n, affiliation in enumerate(affiliations):
            here = f"{where}: affiliations[{n}]"
            row = reader.read(affiliation, AFFILIATION, models.Affiliation, here, "experts[].affiliations[]")
            if row is None:
                continue
            start, end = row.get("start_year"), row.get("end_year")
            for key in ("start_year", "end_year"):
                year = row.get(key)
                if year is not None and not 1900 <= year <= 2200:
                    reader.problems.add(here, key, f"{year} is not a plausible year (1900 to 2200)")
            if start is not None and end is not None and end < start:
                reader.problems.add(here, "end_year", f"{end} is before the start year {start}")
            rows.append(
                {
                    "organization": row.get("organization", ""),
                    "role": row.get("role", ""),
                    "start_year": start,
                    "end_year": end,
                    "current": row.get("current", False),
                }
            )
        record.lists["affiliations"] = rows
    return record


def read_question(reader: ItemReader, item: Any, where: str) -> Record | None:
    values = reader.read(item, QUESTION, models.Question, where, "questions[]", extra=["stances"])
    if values is None:
        return None
    record = Record(where=where, slug=values.get("slug"), fields=values)
    stances = read_list(reader, item, "stances", where)
    if stances is not None:
        rows, slugs, positions = [], set(), set()
        for n, stance in enumerate(stances):
            here = f"{where}: stances[{n}]"
            row = reader.read(stance, STANCE, models.Stance, here, "questions[].stances[]")
            if row is None:
                continue
            row.setdefault("position", n)
            row.setdefault("meaning", "")
            if row.get("slug") in slugs:
                reader.problems.add(here, "slug", f"{describe(row['slug'])} is used twice in this question")
            if row["position"] in positions:
                reader.problems.add(here, "position", f"{row['position']} is used twice in this question")
            slugs.add(row.get("slug"))
            positions.add(row["position"])
            rows.append(row)
        record.lists["stances"] = rows
    return record


def read_take(reader: ItemReader, item: Any, where: str) -> Record | None:
    problems = reader.problems
    values = reader.read(item, TAKE, models.Take, where, "takes[]", extra=TAKE_LISTS)
    if values is None:
        return None
    record = Record(where=where, slug=values.get("slug"), fields=values)
    if not values.get("slug") and not values.get("url") and "slug" not in item:
        problems.add(where, None, 'needs a "slug" or a "url", so that importing it again updates it')

    authors = read_list(reader, item, "authors", where)
    if authors is not None:
        record.lists["authors"] = read_slug_list(problems, authors, where, "authors", "an expert")

    themes = read_list(reader, item, "themes", where)
    if themes is not None:
        record.lists["themes"] = read_slug_list(problems, themes, where, "themes", "a theme name or slug")
        limit = models.Theme._meta.get_field("name").max_length
        for n, name in enumerate(record.lists["themes"]):
            if len(name) > limit:
                problems.add(where, f"themes[{n}]", f"{describe(name)} is longer than a theme name may be ({limit})")

    quotes = read_list(reader, item, "quotes", where)
    if quotes is not None:
        rows = []
        for n, quote in enumerate(quotes):
            here = f"{where}: quotes[{n}]"
            row = reader.read(quote, QUOTE, models.Quote, here, "takes[].quotes[]")
            if row is None:
                continue
            if "text" in row and not row["text"].strip():
                problems.add(here, "text", "cannot be blank")
            rows.append(
                {
                    "text": row.get("text", ""),
                    "speaker": row.get("speaker"),
                    "is_headline": row.get("is_headline", False),
                    "source_url": row.get("source_url", ""),
                }
            )
        if sum(1 for row in rows if row["is_headline"]) > 1:
            problems.add(where, "quotes", "more than one quote is marked as the headline")
        record.lists["quotes"] = rows

    quote_count = None if quotes is None else len(quotes)

    def check_index(here: str, key: str, index: int | None) -> None:
        if index is None:
            return
        if quote_count is None:
            problems.add(here, key, 'refers to a quote by index, so the take must list its "quotes"')
        elif not 0 <= index < quote_count:
            problems.add(here, key, f"{index} is not the index of a quote of this take (it has {quote_count})")

    positions = read_list(reader, item, "positions", where)
    if positions is not None:
        rows, questions = [], set()
        for n, position in enumerate(positions):
            here = f"{where}: positions[{n}]"
            row = reader.read(position, POSITION, models.Position, here, "takes[].positions[]")
            if row is None:
                continue
            check_index(here, "quote", row.get("evidence"))
            if row.get("question") in questions:
                problems.add(here, "question", f"{describe(row['question'])} has two positions in this take")
            questions.add(row.get("question"))
            row.setdefault("confidence", models.Confidence.MEDIUM)
            row.setdefault("evidence", None)
            row.setdefault("note", "")
            rows.append(row)
        record.lists["positions"] = rows

    responses = read_list(reader, item, "responses", where)
    if responses is not None:
        rows, pairs = [], set()
        for n, response in enumerate(responses):
            here = f"{where}: responses[{n}]"
            row = reader.read(response, RESPONSE, models.Response, here, "takes[].responses[]")
            if row is None:
                continue
            check_index(here, "quote", row.get("quote"))
            pair = (row.get("expert"), row.get("relation"))
            if pair in pairs:
                problems.add(here, "relation", f"the take already {pair[1]} with {describe(pair[0])}")
            pairs.add(pair)
            if values.get("slug") and row.get("target_take") == values["slug"]:
                problems.add(here, "take", "a take cannot respond to itself")
            row.setdefault("target_take", None)
            row.setdefault("quote", None)
            row.setdefault("note", "")
            rows.append(row)
        record.lists["responses"] = rows
    return record


def read_slug_list(problems: Problems, values: list, where: str, key: str, what: str) -> list[str]:
    out, seen = [], set()
    for n, value in enumerate(values):
        if not isinstance(value, str) or not value:
            problems.add(where, f"{key}[{n}]", f"must be {what} (a non-empty string), not {describe(value)}")
        elif value in seen:
            problems.add(where, f"{key}[{n}]", f"{describe(value)} is listed twice")
        else:
            seen.add(value)
            out.append(value)
    return out


SECTION_READERS = {
    "publications": read_simple(PUBLICATION, models.Publication),
    "experts": read_expert,
    "questions": read_question,
    "collections": read_simple(COLLECTION, models.Collection),
    "themes": read_simple(THEME, models.Theme),
    "takes": read_take,
}
