"""The simple case as CSV: one take per row, turned into a document the JSON path then checks.

Columns (a header row names them; order does not matter; only ``title`` and one of ``slug`` or
``url`` are needed): slug, title, url, publication, authors, published, kind, status, collection,
summary, language, themes, headline_quote, headline_speaker. ``authors`` and ``themes`` hold
several values separated by ``;``. An empty cell leaves the field as it is (or the default, for a
new take). The headline quote's speaker defaults to the first author.
"""

from __future__ import annotations

import csv
import io

from archive.transfer.document import ImportFailed

LIST_COLUMNS = ("authors", "themes")
QUOTE_COLUMNS = ("headline_quote", "headline_speaker")


def split_list(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def read_csv(raw: bytes) -> dict:
    """A document ``{"takes": [...]}`` from CSV bytes; ImportFailed when the CSV cannot be read."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed([f"the file is not UTF-8 text (byte {exc.start} cannot be decoded)"]) from None
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportFailed([f"the file is not valid CSV: {exc}"]) from None
    if not rows:
        raise ImportFailed(["the CSV file has no rows (the first row must name the columns)"])
    takes = []
    for number, row in enumerate(rows, start=2):
        if None in row:
            raise ImportFailed([f"CSV row {number}: has more cells than the header has columns"])
        take: dict = {}
        for column, cell in row.items():
            column = (column or "").strip()
            cell = (cell or "").strip()
            if not column or not cell or column in QUOTE_COLUMNS:
                continue
            take[column] = split_list(cell) if column in LIST_COLUMNS else cell
        quote = (row.get("headline_quote") or "").strip()
        if quote:
            speaker = (row.get("headline_speaker") or "").strip() or next(iter(take.get("authors", [])), None)
            take["quotes"] = [{"text": quote, "speaker": speaker, "headline": True}]
        takes.append(take)
    return {"takes": takes}
