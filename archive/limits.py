"""Limits for the web process: one expensive request cannot hold the database for long.

``gunicorn archive.wsgi`` (and ``runserver``) load archive/wsgi.py, which calls
``limit_web_requests()``: every database connection the web process opens then gets PostgreSQL's
``statement_timeout`` of ``settings.WEB_STATEMENT_TIMEOUT_MS`` (env ``WEB_STATEMENT_TIMEOUT_MS``,
default 5000; 0 turns it off). A statement that runs longer is cancelled and that one request fails,
while the rest of the site keeps answering. Management commands (imports, exports, corpus generation,
migrations) never load wsgi.py, so they are not limited. SQLite has no such setting; there each
connection of the web process reads the database file through a memory map instead
(``settings.SQLITE_MMAP_MB``, env ``SQLITE_MMAP_MB``, default 1024; 0 turns it off; archive/db/session.py),
which a management command does not need (an import's peak memory would count the mapped pages).
"""

import gc

from django.conf import settings
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created

from archive.db import session

DISPATCH_UID = "archive.limits.statement_timeout"
MMAP_UID = "archive.limits.sqlite_mmap"


def set_statement_timeout(sender, connection, **kwargs) -> None:
    session.set_statement_timeout(connection, int(settings.WEB_STATEMENT_TIMEOUT_MS))


def map_sqlite_file(sender, connection, **kwargs) -> None:
    session.map_sqlite_file(connection, int(settings.SQLITE_MMAP_MB) * 1024 * 1024)


def read_like_the_web_process() -> None:
    """Every database connection opened from now on reads as a web worker's does (the SQLite map);
    the benchmark calls it too, so that it times what a reader gets (the default database's open
    connection is mapped now)."""
    connection_created.connect(map_sqlite_file, dispatch_uid=MMAP_UID)
    default = connections[DEFAULT_DB_ALIAS]  # the pages' database; others the caller may hold are left alone
    if default.connection is not None:
        map_sqlite_file(None, default)


def read_like_a_command() -> None:
    """Undoes ``read_like_the_web_process`` for connections opened later (the benchmark, when done)."""
    connection_created.disconnect(dispatch_uid=MMAP_UID)


def limit_web_requests() -> None:
    connection_created.connect(set_statement_timeout, dispatch_uid=DISPATCH_UID)
    read_like_the_web_process()


#: The youngest generation is collected after this many new container objects (Python: 700). A
#: page allocates some 100,000; at 700 the collector ran ~150 times a request.
GC_YOUNGEST = 50_000


#: After this many requests the web process freezes again what its first requests built and kept
#: (compiled templates, URL resolvers, ORM and adapter caches): at start-up they did not exist yet.
GC_REFREEZE_AFTER = 200
REFREEZE_UID = "archive.limits.refreeze"


def refreeze(**kwargs) -> None:
    """Collect once and freeze what survives: later full collections walk only what requests
    made since. Measured at 1,000,000 quotes: a full collection during the benchmark's pages
    took 28–39 ms, set the p95 of whichever page it fell in, and walked mostly objects built by
    the first requests."""
    gc.collect()
    gc.freeze()


class _RefreezeAfter:
    """``request_finished`` receiver: ``refreeze()`` once, after ``count`` requests. The signal
    fires when the response is closed, after the WSGI server has sent it, so no reader waits."""

    def __init__(self, count: int) -> None:
        self.left = count

    def __call__(self, **kwargs) -> None:
        self.left -= 1
        if self.left == 0:
            request_finished.disconnect(dispatch_uid=REFREEZE_UID)
            refreeze()


def tune_garbage_collector() -> None:
    """Web process, after start-up: the objects loaded so far (Django, the app, compiled
    templates) are frozen out of the collector's sight, and the youngest generation is collected
    less often. A full collection then walks only what requests made, instead of every module
    object in the process: the occasional 20–60 ms pause that set the pages' p95 (docs/performance.md)."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNGEST, middle, oldest)


def tune_web_garbage_collector() -> None:
    """``tune_garbage_collector()``, and ``refreeze()`` once the first ``GC_REFREEZE_AFTER``
    requests have built what every later request reuses."""
    tune_garbage_collector()
    request_finished.connect(_RefreezeAfter(GC_REFREEZE_AFTER), dispatch_uid=REFREEZE_UID, weak=False)
