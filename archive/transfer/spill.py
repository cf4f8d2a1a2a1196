"""What an import keeps per take, kept in temporary files instead of memory.

``SpilledList``: the takes' plans between planning and writing; a streamed file's reference
sections (publications ... themes) as read, and their plans. ``SpilledIndex``: the slugs and URLs of
the file's takes, and the slugs (and theme names) of its reference sections, for the checks that
none repeats and for planning.

A plan holds no text (``TakePlan.forget``), but a list of them still grew with the number of takes
(~0.4 kB a take: 400 MB for a 1,000,000-take file). Planning and writing both walk the takes in
the file's order a chunk at a time, so the plans are written out a chunk at a time (pickled) and
read back in the same order, one chunk in memory at a time (docs/performance.md, "Hostile, second
round"). ``SpilledMap``: a dict on disk (ids by slug, a question's stances as JSON, ...);
``SpilledPairs``: a dict of sets on disk (the questions that have a stance slug).
"""

from __future__ import annotations

import pickle
import sqlite3
import tempfile
from collections.abc import Iterator
from typing import Any

#: Items ``SpilledList.append`` gathers before writing them out as one chunk.
APPEND_CHUNK = 1000


class SpilledList:
    """An append-only list kept on disk a chunk at a time; iterating reads it back in order."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the import (or its process)
        self._chunks = 0
        self._length = 0
        self._pending: list[Any] = []

    def append(self, item: Any) -> None:
        """One item; they go to disk ``APPEND_CHUNK`` at a time."""
        self._pending.append(item)
        if len(self._pending) >= APPEND_CHUNK:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        self.extend(pending)

    def extend(self, items: list[Any]) -> None:
        if self._pending:  # (empty when called by _flush)
            self._flush()
        if not items:
            return
        self._file.seek(0, 2)
        pickle.dump(items, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._chunks += 1
        self._length += len(items)

    def __len__(self) -> int:
        return self._length + len(self._pending)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[Any]:
        """The items in the order they were added. Changes made to them are not kept."""
        self._flush()
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
        self._db = _private_database("CREATE TABLE seen (value TEXT PRIMARY KEY, first INTEGER NOT NULL) WITHOUT ROWID")

    def setdefault(self, value: str, index: int) -> int:
        """The index ``value`` was first seen at; ``index`` (now recorded) if it is new."""
        if self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (value, index)).rowcount:
            return index
        return self._db.execute("SELECT first FROM seen WHERE value = ?", (value,)).fetchone()[0]

    def __contains__(self, value: object) -> bool:
        return self._db.execute("SELECT 1 FROM seen WHERE value = ?", (value,)).fetchone() is not None

    def close(self) -> None:
        self._db.close()


class SpilledMap:
    """A dict kept on disk like ``SpilledIndex`` (keys: strings or integers, never mixed; values:
    integers, strings or None); ``add``, ``add_all`` and ``in`` make it a set as well. For what an
    import keeps per take or per reference-section item until its end: the ids of the experts,
    publications ... by slug, the existing takes matched, the response targets."""

    def __init__(self) -> None:
        self._db = _private_database("CREATE TABLE map (key PRIMARY KEY, value) WITHOUT ROWID")

    def __setitem__(self, key: str | int, value: Any) -> None:
        self._db.execute("INSERT OR REPLACE INTO map VALUES (?, ?)", (key, value))

    def update(self, pairs) -> None:
        """Like ``dict.update``: a mapping or (key, value) pairs."""
        pairs = pairs.items() if hasattr(pairs, "items") else pairs
        self._db.executemany("INSERT OR REPLACE INTO map VALUES (?, ?)", pairs)

    def add(self, key: str | int) -> None:
        self._db.execute("INSERT OR IGNORE INTO map VALUES (?, NULL)", (key,))

    def add_all(self, keys) -> None:
        self._db.executemany("INSERT OR IGNORE INTO map VALUES (?, NULL)", ((key,) for key in keys))

    def add_missing(self, pairs) -> None:
        """(key, value) pairs, each kept only where the key is not there yet (``dict.setdefault``)."""
        self._db.executemany("INSERT OR IGNORE INTO map VALUES (?, ?)", pairs)

    def _row(self, key: object) -> tuple | None:
        return self._db.execute("SELECT value FROM map WHERE key = ?", (key,)).fetchone()

    def __getitem__(self, key: str | int) -> Any:
        row = self._row(key)
        if row is None:
            raise KeyError(key)
        return row[0]

    def get(self, key: str | int, default: Any = None) -> Any:
        row = self._row(key)
        return default if row is None else row[0]

    def __contains__(self, key: object) -> bool:
        return self._row(key) is not None

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM map").fetchone()[0]

    def close(self) -> None:
        self._db.close()


class SpilledPairs:
    """Pairs of strings on disk, each kept once, looked up by their first (a dict of sets): for
    the import's "which questions have this stance" (stance slug -> question slugs)."""

    def __init__(self) -> None:
        self._db = _private_database(
            "CREATE TABLE pairs (key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (key, value)) WITHOUT ROWID"
        )

    def add_all(self, pairs) -> None:
        self._db.executemany("INSERT OR IGNORE INTO pairs VALUES (?, ?)", pairs)

    def values_of(self, key: str) -> list[str]:
        """The values paired with ``key`` (in no particular order)."""
        return [row[0] for row in self._db.execute("SELECT value FROM pairs WHERE key = ?", (key,))]

    def close(self) -> None:
        self._db.close()


def _private_database(schema: str) -> sqlite3.Connection:
    """A temporary SQLite database on disk ("": private to this connection, deleted when closed).
    The one transaction is never committed: nothing else reads the file, and pages go to it only
    when the page cache (2 MB) is full."""
    db = sqlite3.connect("", isolation_level="DEFERRED", check_same_thread=False)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute(schema)
    return db
