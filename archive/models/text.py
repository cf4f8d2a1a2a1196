"""What stored text may hold: one rule for every write (the admin's forms through the models'
``full_clean()``, the models' ``clean()``, the importer's dry run and real run alike).

- No control characters but tab, newline and carriage return (C0 U+0000–U+001F, DEL U+007F, C1
  U+0080–U+009F): they are invalid in HTML, and PostgreSQL cannot store NUL at all.
- No bidirectional embedding, override or isolate characters (U+202A–U+202E, U+2066–U+2069): they
  let a name or a title display as something else (right-to-left spoofing). Text in a right-to-left
  script needs none of them; the browser orders it by itself. They are refused on write; the
  public pages also drop any that older rows hold (archive/jinja2.py, ``finalize``).
- The texts that feed the search index are capped (``SEARCH_TEXT_LIMITS``), so a take's search
  vector stays well under PostgreSQL's 1 MB limit for a tsvector: even text made only of distinct
  short words costs at most ~5 bytes of vector a character, and a take's capped texts together
  hold ~126,000 characters (~630 kB).

The database refuses the same characters in every text column (archive/db/clean_text.py, migration
0014), so raw SQL cannot add them either.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.deconstruct import deconstructible

#: The characters no stored text may hold (a regular expression character class, the same in
#: Python's ``re`` and PostgreSQL's; archive/db/clean_text.py builds the database's check from it).
FORBIDDEN_CLASS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
FORBIDDEN = re.compile(FORBIDDEN_CLASS)
#: Inclusive code point ranges of FORBIDDEN_CLASS, for engines without regular expressions.
FORBIDDEN_RANGES = ((0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F), (0x202A, 0x202E), (0x2066, 0x2069))

#: The most characters each searchable text may hold (see the module's note).
SEARCH_TEXT_LIMITS = {"standfirst": 5_000, "summary": 20_000, "body": 100_000, "quote": 20_000}


#: Lone surrogates (a JSON file may hold the escape for U+D800): no database can store them as UTF-8.
SURROGATE = re.compile(r"[\ud800-\udfff]")


def problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None."""
    found = FORBIDDEN.search(value)
    if found is None:
        lone = SURROGATE.search(value)
        return (
            f"contains a lone surrogate (U+{ord(lone.group()):04X}) at character {lone.start() + 1}" if lone else None
        )
    code = ord(found.group())
    kind = "a bidirectional control character" if code >= 0x202A else "a control character"
    return f"contains {kind} (U+{code:04X}) at character {found.start() + 1}; remove it"


@deconstructible
class PrintableText:
    """A field validator: refuses the characters of ``FORBIDDEN``."""

    code = "forbidden_character"

    def __call__(self, value) -> None:
        if isinstance(value, str):
            message = problem(value)
            if message:
                raise ValidationError(message[0].upper() + message[1:] + ".", code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, PrintableText)

    def __hash__(self) -> int:
        return hash(self.code)


printable = PrintableText()
#: ``validators=`` of every free-text field.
TEXT = [printable]


def capped(name: str) -> list:
    """``validators=`` of a searchable text: printable, and at most its ``SEARCH_TEXT_LIMITS``."""
    return [printable, MaxLengthValidator(SEARCH_TEXT_LIMITS[name])]


def without_forbidden(value: str) -> str:
    """``value`` with the forbidden characters dropped (for display of rows stored before the rule)."""
    return FORBIDDEN.sub("", value)
