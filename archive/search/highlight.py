"""Safe highlighting: the engines mark matches with sentinel characters; only then do we escape.

``ts_headline`` and FTS5 ``snippet()`` copy the stored text as it is, ``<script>`` and all. They are
asked to wrap matches in control characters that cannot be typed into a form, the whole string is
HTML-escaped, and only then do the sentinels become ``<mark>`` and ``</mark>``, always balanced.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from archive.db import search_text
from archive.models.text import without_forbidden

START = "\x02"
END = "\x03"
FRAGMENT = "\x04"
ELLIPSIS = " … "


SENTINELS = (START, END, FRAGMENT)


def holds_sentinels(*texts: str | None) -> bool:
    """Whether stored text itself holds a sentinel character (the ORM, imports and raw SQL can store them)."""
    return any(char in text for text in texts if text for char in SENTINELS)


_WORD = re.compile(r"\w+")


def mark_words(text: str, words: list[str]) -> SafeString:
    """Escaped ``text`` with the words that start like a query word in <mark> (a stem-like prefix),
    compared folded as the indexes fold them (``Søren`` for ``soren``)."""
    prefixes = [word[: max(3, len(word) - 2)] for word in words if word]
    out: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        if any(search_text.word(match.group(0)).startswith(prefix) for prefix in prefixes):
            out += [escape(text[last : match.start()]), "<mark>", escape(match.group(0)), "</mark>"]
            last = match.end()
    out.append(escape(text[last:]))
    return mark_safe(without_forbidden("".join(out)))  # noqa: S308 - built from escaped text and our own tags only


def render(
    marked: str | None, source: str | tuple[str | None, ...] | None = None, words: list[str] | None = None
) -> SafeString:
    """HTML for a string marked with sentinels: escaped text, matches in <mark>.

    ``source`` is the stored text the marked string was made from. When it holds a sentinel
    character itself, the engine's marks cannot be told from the text's: every sentinel is removed
    and the query's ``words`` are marked in Python instead, so stored text never fakes a highlight.
    """
    sources = source if isinstance(source, tuple) else (source,)
    if holds_sentinels(*sources):
        return mark_words("".join(char for char in (marked or "") if char not in SENTINELS), words or [])
    text = escape(marked or "")
    out: list[str] = []
    open_mark = False
    for char in text:
        if char == START:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif char == END:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        elif char == FRAGMENT:
            if open_mark:
                out.append("</mark>")
                open_mark = False
            out.append(ELLIPSIS)
        else:
            out.append(char)
    if open_mark:
        out.append("</mark>")
    # control and bidirectional override characters of rows stored before they were refused: dropped
    return mark_safe(without_forbidden("".join(out)))  # noqa: S308 - built from escaped text and our own tags only


def has_mark(marked: str | None) -> bool:
    return bool(marked) and START in marked
