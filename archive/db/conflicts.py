"""Which database errors are a clash with another write at the same moment, worth trying again.

PostgreSQL names them by SQLSTATE: a deadlock (40P01: two transactions each waiting for rows the
other holds, e.g. two imports updating the same takes in opposite orders; PostgreSQL aborts one),
a serialization failure (40001), and a unique key another transaction has just committed (23505:
two imports creating the same new slug). SQLite reports "database is locked" when another
process's write outlasts the busy timeout. Anything else is not a clash and is not retried.
"""

from __future__ import annotations

from django.db import DatabaseError

RETRYABLE_SQLSTATES = {
    "40P01": "a deadlock with another write",
    "40001": "a serialization failure against another write",
    "23505": "a key another write had just taken",
}


def clash(error: DatabaseError) -> str | None:
    """What the clash was, when ``error`` is one; None otherwise."""
    state = getattr(error.__cause__, "sqlstate", None)
    if state in RETRYABLE_SQLSTATES:
        return RETRYABLE_SQLSTATES[state]
    if "database is locked" in str(error):
        return "the database locked by another write"
    return None
