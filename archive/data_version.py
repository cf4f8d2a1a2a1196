"""Results cached in each web process against the data version the database keeps.

Some pages show figures computed from the whole archive: the home page's totals and stance split,
the question list's split, the outlet list's take counts. At 100,000 takes each is a pass over
hundreds of thousands of rows (~0.2 s apiece on PostgreSQL). They change only when an editor or an
import writes, so each web process keeps them (``cached()``) together with the *data version*
they were computed at, and recomputes them when the version has moved.

The version itself (its table, triggers and readers: ``install``, ``lifted``, ``bump``,
``current``, ``reading_version``, ``for_request``) is in archive/db/data_version.py; its names are
re-exported here for the callers that import them from this module.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

from django.conf import settings

from archive.db.data_version import (  # noqa: F401 - re-exported: the version lives with the database code
    DERIVED_TABLES,
    TABLES,
    bump,
    current,
    for_request,
    install,
    lifted,
    reading_version,
    uninstall,
    uninstall_sqlite_triggers,
)


def _size(value: object, depth: int = 0) -> int:
    """Roughly the bytes ``value`` holds: strings by length, containers and dataclasses by their
    items (a few levels deep), anything else by ``sys.getsizeof``."""
    if isinstance(value, str | bytes):
        return 50 + len(value)
    if depth > 4:
        return 64
    if isinstance(value, dict):
        return 64 + sum(_size(k, depth + 1) + _size(v, depth + 1) for k, v in value.items())
    if isinstance(value, tuple | list | frozenset | set):
        return 56 + sum(_size(item, depth + 1) for item in value)
    if dataclasses.is_dataclass(value):
        return 56 + sum(_size(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    if hasattr(value, "__dict__"):  # a model instance: its field values
        return 100 + sum(_size(v, depth + 1) for k, v in vars(value).items() if not k.startswith("_"))
    return sys.getsizeof(value)


class _Store:
    """Results by (database, name, key), each with the version it was computed at: a
    least-recently-used dict bounded by ``DATA_CACHE_ENTRIES`` entries and ``DATA_CACHE_MB``
    megabytes. When a database's version moves, the results of older versions (never read again)
    are dropped at the next store. Thread-safe (a threaded server shares it)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[tuple, tuple[int, object, int]] = OrderedDict()
        self.versions: dict[str, int] = {}
        self.size = 0
        self.lock = threading.Lock()

    @staticmethod
    def limits() -> tuple[int, int]:
        entries = getattr(settings, "DATA_CACHE_ENTRIES", 10_000)
        megabytes = getattr(settings, "DATA_CACHE_MB", 64)
        return entries, megabytes * 1024 * 1024

    def get(self, key: tuple, version: int) -> tuple[bool, object]:
        with self.lock:
            hit = self.entries.get(key)
            if hit is None or hit[0] != version:
                return False, None
            self.entries.move_to_end(key)
            return True, hit[1]

    def put(self, key: tuple, version: int, value: object) -> None:
        most, budget = self.limits()
        size = _size(value)
        if most < 1 or size > budget:
            return
        using = key[0]
        with self.lock:
            if self.versions.get(using) != version:
                self.versions[using] = version
                for old in [k for k, entry in self.entries.items() if k[0] == using and entry[0] != version]:
                    self.size -= self.entries.pop(old)[2]
            previous = self.entries.pop(key, None)
            if previous is not None:
                self.size -= previous[2]
            self.entries[key] = (version, value, size)
            self.size += size
            while len(self.entries) > most or self.size > budget:
                self.size -= self.entries.popitem(last=False)[1][2]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.versions.clear()
            self.size = 0


_store = _Store()


def cached[T](name: str, compute: Callable[[], T], using: str = "default") -> T:
    """``compute()``'s result, reused while the data version is unchanged (one query when it is).

    Results are kept per process and database; ``name`` must identify what ``compute`` returns.
    A PostgreSQL transaction that has written computes afresh and keeps nothing.
    """
    return remember(name, None, compute, version=reading_version(using), using=using)


def remember[T](
    name: str, key: Hashable, compute: Callable[[], T], *, version: int | None, using: str = "default"
) -> T:
    """``compute()``'s result for ``(name, key)`` at data version ``version`` (from
    ``reading_version()``, read once per request), computed once per version and process.
    ``version=None`` computes afresh and keeps nothing. The value is shared between requests:
    keep it immutable (tuples, strings, SafeStrings)."""
    if version is None:
        return compute()
    found, value = _store.get((using, name, key), version)
    if found:
        return value  # type: ignore[return-value]
    value = compute()
    _store.put((using, name, key), version, value)
    return value


def remember_many[K: Hashable, T](
    name: str,
    keys: Iterable[K],
    compute: Callable[[list[K]], dict[K, T]],
    *,
    version: int | None,
    using: str = "default",
) -> dict[K, T]:
    """Like ``remember`` for many keys at once: ``compute(missing_keys)`` returns the values of the
    keys not kept at this version, in one go (one set of queries for a page of cards)."""
    keys = list(keys)
    if version is None:
        return compute(keys)
    found: dict[K, T] = {}
    missing: list[K] = []
    for key in keys:
        hit, value = _store.get((using, name, key), version)
        if hit:
            found[key] = value  # type: ignore[assignment]
        else:
            missing.append(key)
    if missing:
        computed = compute(missing)
        for key, value in computed.items():
            _store.put((using, name, key), version, value)
        found.update(computed)
    return found


def clear() -> None:
    """Forget every cached result (tests, and the benchmark's cold requests)."""
    _store.clear()
