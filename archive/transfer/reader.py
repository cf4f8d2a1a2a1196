"""Read a decoded import document into checked, normalised records, without touching the database.

Every problem is collected (not just the first) with the place it was found: the section, the
item's index and slug, and the field, e.g. ``takes[12] "kim-wont-budge": published: ...``.
Checks that need the database (unknown slugs, stances of another question, ...) happen later in
``archive.transfer.importer``; the records here carry everything those checks need.

Semantics of a missing key, documented in docs/import-format.md:
- on a top-level item (a publication, expert, question, collection, theme or take), a missing key
  leaves that field as it is when the item exists, and gives the model default when it is created;
- a nested list that is present (``affiliations``, ``stances``, ``authors``, ``themes``, ``quotes``,
  ``positions``, ``responses``, ``appearances``, ``predictions``) replaces the item's list; a missing
  one leaves it as it is;
- inside a nested list item, a missing key means the default.
"""

from __future__ import annotations

import json
from typing import Any

from archive import models
from archive.models.text import problem
from archive.transfer import FORMAT_VERSION
from archive.transfer.document import Document, ImportFailed, Problems, Record, describe, type_name
from archive.transfer.fields import (
    AFFILIATION,
    APPEARANCE,
    COLLECTION,
    EXPERT,
    POSITION,
    PREDICTION,
    PUBLICATION,
    QUESTION,
    QUOTE,
    RESPONSE,
    STANCE,
    TAKE,
    TAKE_LISTS,
    THEME,
    ItemReader,
)
from archive.transfer.spill import SpilledIndex

SECTIONS = ("publications", "experts", "questions", "collections", "themes", "takes")
TOP_LEVEL_KEYS = {*SECTIONS, "version"}


def item_label(section: str, index: int, item: Any) -> str:
    slug = item.get("slug") if isinstance(item, dict) else None
    if isinstance(slug, str) and slug:
        return f"{section}[{index}] {describe(slug)}"
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


class Reading:
    """Reads a document item by item (whole, or as a stream: archive/transfer/stream.py) into a
    ``Document``, collecting every problem with its place."""

    def __init__(self, progress=None):
        self.problems = Problems()
        self.reader = ItemReader(self.problems)
        self.document = Document()
        # value -> the index of the item it was first seen in; the takes' (a slug and a URL or more
        # each) in a temporary file, so that a file of any number of takes fits in memory
        self.seen: dict[str, dict[str, int] | SpilledIndex] = {section: {} for section in SECTIONS}
        self.seen["takes"] = SpilledIndex()
        self.progress = progress

    def top_level(self, keys, version: Any = FORMAT_VERSION) -> None:
        for key in keys:
            if key not in TOP_LEVEL_KEYS:
                self.problems.unknown_keys[("the file", key)] += 1
        if version != FORMAT_VERSION:
            self.problems.add(
                "the file", "version", f"{describe(version)} is not a version this archive reads ({FORMAT_VERSION})"
            )

    def not_a_list(self, section: str, value: Any) -> None:
        self.problems.add(section, None, f"must be a list, not {type_name(value)}")

    def item(self, section: str, index: int, item: Any) -> Record | None:
        """One item of a section, read and checked (its slug and URL unique in the section)."""
        where = item_label(section, index, item)
        record = SECTION_READERS[section](self.reader, item, where)
        if record is None:
            return None
        record.index = index
        seen = self.seen[section]
        for key, value in unique_keys(section, record):
            first = seen.setdefault(value, index)  # not the label: the index (takes: on disk)
            if first != index:
                also = f"{section}[{first}]"
                self.problems.add(where, key, f"{describe(value)} is used twice in {section} (also {also})")
        return record

    def finish(self) -> Document:
        if self.problems.errors:
            raise ImportFailed(self.problems.errors)
        self.document.warnings = self.problems.warnings()
        return self.document


def read_document(data: Any, progress=None) -> Document:
    """Check a decoded document's shape and values; ImportFailed listing every problem found."""
    if not isinstance(data, dict):
        raise ImportFailed([f"the file must hold a JSON object with the sections {', '.join(SECTIONS)}"])
    reading = Reading(progress)
    reading.top_level(data, data.get("version", FORMAT_VERSION))
    for section in SECTIONS:
        items = data.get(section)
        if items is None:
            continue
        if not isinstance(items, list):
            reading.not_a_list(section, items)
            continue
        records = getattr(reading.document, section)
        for index, item in enumerate(items):
            record = reading.item(section, index, item)
            if record is not None:
                records.append(record)
            if progress and section == "takes" and (index + 1) % progress.every == 0:
                progress(f"checked {index + 1:,} of {len(items):,} takes")
    return reading.finish()


def unique_keys(section: str, record: Record):
    """The values that must not repeat within a section: slugs, and take URLs."""
    if record.slug:
        yield "slug", record.slug
    if section == "themes":
        yield "name", "name:" + record.fields.get("name", "").casefold()
    if section == "takes" and record.fields.get("url"):
        yield "url", "url:" + record.fields["url"]
    if section == "takes":
        for n, appearance in enumerate(record.lists.get("appearances") or ()):
            if appearance["url"] and appearance["url"] != record.fields.get("url"):
                yield f"appearances[{n}].url", "url:" + appearance["url"]


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
        record.lists["quotes"] = read_quotes(reader, quotes, where)
    quote_count = None if quotes is None else len(quotes)

    positions = read_list(reader, item, "positions", where)
    if positions is not None:
        record.lists["positions"] = read_positions(reader, positions, where, quote_count)

    responses = read_list(reader, item, "responses", where)
    if responses is not None:
        record.lists["responses"] = read_responses(reader, responses, where, quote_count, values.get("slug"))

    appearances = read_list(reader, item, "appearances", where)
    if appearances is not None:
        record.lists["appearances"] = read_appearances(reader, appearances, where, values.get("url"))

    predictions = read_list(reader, item, "predictions", where)
    if predictions is not None:
        record.lists["predictions"] = read_predictions(reader, predictions, where, quote_count)
    return record


def read_appearances(reader: ItemReader, appearances: list, where: str, take_url: str | None) -> list[dict]:
    """Other places the take was published: each URL once, and not the take's own URL."""
    problems, rows, urls = reader.problems, [], set()
    for n, appearance in enumerate(appearances):
        here = f"{where}: appearances[{n}]"
        row = reader.read(appearance, APPEARANCE, models.Appearance, here, "takes[].appearances[]")
        if row is None:
            continue
        url = row.get("url")
        if url and (url in urls or url == take_url):
            problems.add(here, "url", f"{describe(url)} is listed twice for this take")
        urls.add(url)
        rows.append(
            {
                "url": url or "",
                "kind": row.get("kind", models.AppearanceKind.REPUBLISHED),
                "publication": row.get("publication"),
                "published": row.get("published"),
                "title": row.get("title", ""),
            }
        )
    return rows


PREDICTION_DEFAULTS = {
    "evidence": None,
    "question": None,
    "horizon": None,
    "probability": None,
    "confidence": "",
    "outcome": "not-yet",
    "resolved": None,
    "source_title": "",
    "source_outlet": "",
    "source_date": None,
    "source_url": "",
    "note": "",
}


def read_predictions(reader: ItemReader, predictions: list, where: str, quote_count: int | None) -> list[dict]:
    """A take's predictions; a resolved one names the day and the dated report that shows it."""
    problems, rows = reader.problems, []
    for n, prediction in enumerate(predictions):
        here = f"{where}: predictions[{n}]"
        row = reader.read(prediction, PREDICTION, models.Prediction, here, "takes[].predictions[]")
        if row is None:
            continue
        check_quote_index(problems, here, "quote", row.get("evidence"), quote_count)
        if "claim" in row and not row["claim"].strip():
            problems.add(here, "claim", "cannot be blank")
        row = {**PREDICTION_DEFAULTS, **row}
        if row["probability"] is not None and row["probability"] > 100:
            problems.add(here, "probability", f"{row['probability']} is not a percentage (0 to 100)")
        if row["outcome"] != "not-yet":
            missing = [k for k in ("resolved", "source_title", "source_date", "source_url") if not row[k]]
            if missing:
                problems.add(
                    here, "outcome", f"a resolved prediction needs {', '.join(missing)} (the report that shows it)"
                )
        rows.append(row)
    return rows


def read_quotes(reader: ItemReader, quotes: list, where: str) -> list[dict]:
    problems, rows = reader.problems, []
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
    return rows


def check_quote_index(problems: Problems, here: str, key: str, index: int | None, quote_count: int | None) -> None:
    """A position's evidence or a response's quote names a quote of the take by its index."""
    if index is None:
        return
    if quote_count is None:
        problems.add(here, key, 'refers to a quote by index, so the take must list its "quotes"')
    elif not 0 <= index < quote_count:
        problems.add(here, key, f"{index} is not the index of a quote of this take (it has {quote_count})")


def read_positions(reader: ItemReader, positions: list, where: str, quote_count: int | None) -> list[dict]:
    problems, rows, questions = reader.problems, [], set()
    for n, position in enumerate(positions):
        here = f"{where}: positions[{n}]"
        row = reader.read(position, POSITION, models.Position, here, "takes[].positions[]")
        if row is None:
            continue
        check_quote_index(problems, here, "quote", row.get("evidence"), quote_count)
        if row.get("question") in questions:
            problems.add(here, "question", f"{describe(row['question'])} has two positions in this take")
        questions.add(row.get("question"))
        row.setdefault("confidence", models.Confidence.MEDIUM)
        row.setdefault("evidence", None)
        row.setdefault("note", "")
        rows.append(row)
    return rows


def read_responses(
    reader: ItemReader, responses: list, where: str, quote_count: int | None, take_slug: str | None
) -> list[dict]:
    problems, rows, pairs = reader.problems, [], set()
    for n, response in enumerate(responses):
        here = f"{where}: responses[{n}]"
        row = reader.read(response, RESPONSE, models.Response, here, "takes[].responses[]")
        if row is None:
            continue
        check_quote_index(problems, here, "quote", row.get("quote"), quote_count)
        pair = (row.get("expert"), row.get("relation"))
        if pair in pairs:
            problems.add(here, "relation", f"the take already {pair[1]} with {describe(pair[0])}")
        pairs.add(pair)
        if take_slug and row.get("target_take") == take_slug:
            problems.add(here, "take", "a take cannot respond to itself")
        row.setdefault("target_take", None)
        row.setdefault("quote", None)
        row.setdefault("note", "")
        rows.append(row)
    return rows


def read_slug_list(problems: Problems, values: list, where: str, key: str, what: str) -> list[str]:
    out, seen = [], set()
    for n, value in enumerate(values):
        if not isinstance(value, str) or not value:
            problems.add(where, f"{key}[{n}]", f"must be {what} (a non-empty string), not {describe(value)}")
        elif problem(value):
            problems.add(where, f"{key}[{n}]", f"{describe(value)} {problem(value)}")
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
