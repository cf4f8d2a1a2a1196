"""What an import keeps per take, kept in temporary files instead of memory.

``SpilledList``: the takes' plans between planning and writing. ``SpilledIndex``: the slugs and
URLs of the file's takes, for the checks that none repeats and for planning.

A plan holds no text (``TakePlan.forget``), but a list of them still grew with the number of takes
(~0.4 kB a take: 400 MB for a 1,000,000-take file). Planning and writing both walk the takes in
the file's order a chunk at a time, so the plans are written out a chunk at a time (pickled) and
read back in the same order, one chunk in memory at a time (docs/performance.md, "Hostile, second
round").
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Iterator
from typing import Any


class SpilledList:
    """An append-only list kept on disk a chunk at a time; iterating reads it back in order."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the import (or its process)
        self._chunks = 0
        self._length = 0

    def extend(self, items: list[Any]) -> None:
        if not items:
            return
        self._file.seek(0, 2)
        pickle.dump(items, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._chunks += 1
        self._length += len(items)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[Any]:
        """The items in the order they were added. Changes made to them are not kept."""
        offset = 0
        for _ in range(self._chunks):
            self._file.seek(offset)
            chunk = pickle.load(self._file)  # noqa: S301 - our own file, written just before
            offset = self._file.tell()
            yield from chunk

    def close(self) -> None:
        self._file.close()


class SpilledIndex:
    """Strings and the index of the item each was first seen in (``setdefault``, ``in``), in a
    private temporary file: an SQLite database of Python's own ``sqlite3``, whatever database the
    archive uses, deleted when closed. As a dict, the slugs and URLs of 1,000,000 takes held
    ~250 MB (docs/performance.md, "Import in bounded memory, third round"); here the memory is
    SQLite's page cache (2 MB by default), whatever the number of takes."""

    def __init__(self) -> None:
        # "": a temporary database on disk, private to this connection. The one transaction is never
        # committed: nothing else reads the file, and pages go to it only when the cache is full.
        self._db = sqlite3.connect("", isolation_level="DEFERRED", check_same_thread=False)
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("CREATE TABLE seen (value TEXT PRIMARY KEY, first INTEGER NOT NULL) WITHOUT ROWID")

    def setdefault(self, value: str, index: int) -> int:
        """The index ``value`` was first seen at; ``index`` (now recorded) if it is new."""
        if self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (value, index)).rowcount:
            return index
        return self._db.execute("SELECT first FROM seen WHERE value = ?", (value,)).fetchone()[0]

    def __contains__(self, value: object) -> bool:
        return self._db.execute("SELECT 1 FROM seen WHERE value = ?", (value,)).fetchone() is not None

    def close(self) -> None:
        self._db.close()
