"""Moving takes in and out of the archive: the JSON import/export format (docs/import-format.md).

- ``reader`` reads a file into a checked, normalised ``document`` (no database), item by item with
  ``fields`` (what each section's items may hold);
- ``importer`` resolves the records against the database, plans and writes them in one transaction
  (``section_plans``, ``take_plans`` and ``writing`` hold its three parts);
- ``exporter`` writes the same format, deterministically;
- ``csv_rows`` turns the simple one-take-per-row CSV into the same document.
"""

FORMAT_VERSION = 1
#: Values per ``IN (...)`` look-up: no query holds too many parameters.
QUERY_CHUNK = 500


class Progress:
    """Reports a long run's progress every ``every`` items through ``write`` (the terminal's stderr)."""

    def __init__(self, write, every: int = 5000):
        self.write = write
        self.every = max(1, every)

    def __call__(self, message: str) -> None:
        self.write(message)


def chunked(items, size: int):
    """Successive slices of ``items`` of at most ``size``."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fetch(queryset, lookup: str, values, size: int = QUERY_CHUNK) -> list:
    """``queryset.filter(<lookup>__in=values)``, chunked so no query holds too many parameters."""
    rows = []
    for chunk in chunked(sorted(set(values), key=str), size):
        rows.extend(queryset.filter(**{f"{lookup}__in": chunk}))
    return rows
