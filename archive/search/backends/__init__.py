"""The search engine of each database: the one place that looks at which database it is.

``backend(using)`` returns the ``SearchBackend`` (``base.py``) for a database alias, chosen once
from the connection's vendor and kept for the process; ``for_queryset(qs)`` the one of ``qs.db``.
"""

from __future__ import annotations

from django.db import connections
from django.db.models import QuerySet

from archive.search.backends.base import Candidates, SearchBackend
from archive.search.backends.postgresql import PostgresBackend
from archive.search.backends.sqlite import SqliteBackend

BACKENDS: dict[str, type[SearchBackend]] = {"postgresql": PostgresBackend, "sqlite": SqliteBackend}

_chosen: dict[str, SearchBackend] = {}


def backend(using: str) -> SearchBackend:
    """The search backend of the database ``using`` (an alias of ``settings.DATABASES``)."""
    try:
        return _chosen[using]
    except KeyError:
        pass
    name = connections[using].vendor
    if name not in BACKENDS:
        raise RuntimeError(f"The archive supports PostgreSQL and SQLite, not {name}.")
    _chosen[using] = chosen = BACKENDS[name](using)
    return chosen


def for_queryset(queryset: QuerySet) -> SearchBackend:
    """The search backend of the database ``queryset`` reads."""
    return backend(queryset.db)


__all__ = ["BACKENDS", "Candidates", "SearchBackend", "backend", "for_queryset"]
