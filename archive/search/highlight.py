"""Safe highlighting: the engines mark matches with sentinel characters; only then do we escape.

``ts_headline`` and FTS5 ``snippet()`` copy the stored text as it is, ``<script>`` and all. They are
asked to wrap matches in control characters that cannot be typed into a form, the whole string is
HTML-escaped, and only then do the sentinels become ``<mark>`` and ``</mark>``, always balanced.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

START = "\x02"
END = "\x03"
FRAGMENT = "\x04"
ELLIPSIS = " … "


def render(marked: str | None) -> SafeString:
    """HTML for a string marked with sentinels: escaped text, matches in <mark>."""
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
    return mark_safe("".join(out))  # noqa: S308 - built from escaped text and our own tags only


def has_mark(marked: str | None) -> bool:
    return bool(marked) and START in marked
