"""The format's fields: what each section's items may hold (``Spec``), and ``ItemReader``, which
reads one item's keys into model values, checked by the model fields' own rules."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models as dj_models

from archive import models
from archive.models.text import problem
from archive.transfer.document import Problems, describe, parse_date, type_name

DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


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
APPEARANCE = (
    Spec("url", required=True),
    Spec("kind", "choice"),
    Spec("publication", "ref"),
    Spec("published", "day"),
    Spec("title"),
)
PREDICTION = (
    Spec("claim", required=True),
    Spec("quote", "index", attr="evidence"),
    Spec("question", "ref"),
    Spec("horizon", "day"),
    Spec("probability", "int"),
    Spec("confidence", "choice"),
    Spec("outcome", "choice"),
    Spec("resolved", "day"),
    Spec("source_title"),
    Spec("source_outlet"),
    Spec("source_date", "day"),
    Spec("source_url"),
    Spec("note"),
)
TAKE_LISTS = ("authors", "themes", "quotes", "positions", "responses", "appearances", "predictions")


@cache
def choices_of(model_field: dj_models.Field) -> list[str]:
    """A choice field's stored values (``flatchoices`` builds them afresh on every access)."""
    return [choice for choice, _ in model_field.flatchoices]


class ItemReader:
    """Reads the keys of one item against a spec and the model's own field rules."""

    def __init__(self, problems: Problems, checked: bool = False):
        self.problems = problems
        # ``checked``: the items were read and checked before (a streamed file's takes, read again
        # to plan and to write): the model fields' validators, a third of reading a take, are not
        # run again.
        self.checked = checked

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
        """Put ``value``, read as ``spec`` says, into ``values``; or record why it cannot be read."""
        if spec.kind == "date":
            self.read_date(value, spec, where, values)
        elif spec.kind == "day":
            self.read_day(value, spec, where, values)
        elif spec.kind == "bool":
            self.read_bool(value, spec, where, values)
        elif spec.kind == "index":
            self.read_index(value, spec, where, values)
        elif spec.kind == "ref":
            self.read_ref(value, spec, where, values)
        elif spec.kind == "int":
            self.read_int(value, spec, model._meta.get_field(spec.field_name), where, values)
        else:
            self.read_text(value, spec, model._meta.get_field(spec.field_name), where, values)

    def read_date(self, value: Any, spec: Spec, where: str, values: dict) -> None:
        if value is None:
            values["published"], values["date_precision"] = None, models.DatePrecision.DAY
        elif not isinstance(value, str):
            self.problems.add(
                where, spec.key, f"must be a date string such as 2019-03-12, 2019-03 or 2019, not {type_name(value)}"
            )
        else:
            try:
                values["published"], values["date_precision"] = parse_date(value)
            except ValueError as exc:
                self.problems.add(where, spec.key, f"{describe(value)} {exc}")

    def read_day(self, value: Any, spec: Spec, where: str, values: dict) -> None:
        """A whole date (``"2019-10-05"``) or null: appearances' and predictions' dates (a horizon
        may lie in the future)."""
        if value is None:
            values[spec.field_name] = None
            return
        if isinstance(value, str) and DAY_PATTERN.fullmatch(value):
            try:
                date = datetime.date.fromisoformat(value)
            except ValueError:
                self.problems.add(where, spec.key, f"{describe(value)} is not a real calendar date")
                return
            if date.year < 1900:
                self.problems.add(where, spec.key, f"{describe(value)} is before 1900")
                return
            values[spec.field_name] = date
            return
        self.problems.add(where, spec.key, f"must be a date such as 2019-10-05 or null, not {describe(value)}")

    def read_bool(self, value: Any, spec: Spec, where: str, values: dict) -> None:
        if not isinstance(value, bool):
            self.problems.add(where, spec.key, f"must be true or false, not {describe(value)}")
        else:
            values[spec.field_name] = value

    def read_index(self, value: Any, spec: Spec, where: str, values: dict) -> None:
        if value is None:
            values[spec.field_name] = None
        elif isinstance(value, bool) or not isinstance(value, int):
            self.problems.add(
                where, spec.key, f"must be the index of a quote of this take (0, 1, ...), not {describe(value)}"
            )
        else:
            values[spec.field_name] = value  # the range is checked by the caller, who knows the quotes

    def read_ref(self, value: Any, spec: Spec, where: str, values: dict) -> None:
        if value is None and not spec.required:
            values[spec.field_name] = None
        elif not isinstance(value, str) or not value:
            self.problems.add(where, spec.key, f"must be a slug (a non-empty string), not {describe(value)}")
        elif problem(value):
            self.problems.add(where, spec.key, f"{describe(value)} {problem(value)}")
        else:
            values[spec.field_name] = value

    def read_int(self, value: Any, spec: Spec, model_field: dj_models.Field, where: str, values: dict) -> None:
        add = self.problems.add
        if value is None and model_field.null:
            values[spec.field_name] = None
        elif isinstance(value, bool) or not isinstance(value, int):
            add(where, spec.key, f"must be a whole number, not {describe(value)}")
        elif value < 0 or value > 32767:
            add(where, spec.key, f"{value} is out of range (0 to 32767)")
        else:
            values[spec.field_name] = value

    def read_text(self, value: Any, spec: Spec, model_field: dj_models.Field, where: str, values: dict) -> None:
        """Text and choices: strings, checked by the model field's own validators."""
        add, key = self.problems.add, spec.key
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
        if spec.kind == "choice":
            allowed = choices_of(model_field)
            if value not in allowed:
                add(where, key, f"{describe(value)} is not one of: {', '.join(allowed)}")
                return
        if value and not self.checked:
            try:
                model_field.run_validators(value)
            except ValidationError as exc:
                add(where, key, f"{describe(value)}: {' '.join(exc.messages)}")
                return
        values[spec.field_name] = value
