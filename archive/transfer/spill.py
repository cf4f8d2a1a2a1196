"""The takes' plans between planning and writing, kept in a temporary file instead of memory.

A plan holds no text (``TakePlan.forget``), but a list of them still grew with the number of takes
(~0.4 kB a take: 400 MB for a 1,000,000-take file). Planning and writing both walk the takes in
the file's order a chunk at a time, so the plans are written out a chunk at a time (pickled) and
read back in the same order, one chunk in memory at a time (docs/performance.md, "Hostile, second
round").
"""

from __future__ import annotations

import pickle
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
