"""Limits for the web process: one expensive request cannot hold the database for long.

``gunicorn archive.wsgi`` (and ``runserver``) load archive/wsgi.py, which calls
``limit_web_requests()``: every database connection the web process opens then gets PostgreSQL's
``statement_timeout`` of ``settings.WEB_STATEMENT_TIMEOUT_MS`` (env ``WEB_STATEMENT_TIMEOUT_MS``,
default 5000; 0 turns it off). A statement that runs longer is cancelled and that one request fails,
while the rest of the site keeps answering. Management commands (imports, exports, corpus generation,
migrations) never load wsgi.py, so they are not limited. SQLite has no such setting.
"""

import gc

from django.conf import settings
from django.db.backends.signals import connection_created

DISPATCH_UID = "archive.limits.statement_timeout"


def set_statement_timeout(sender, connection, **kwargs) -> None:
    milliseconds = int(settings.WEB_STATEMENT_TIMEOUT_MS)
    if connection.vendor == "postgresql" and milliseconds > 0:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{milliseconds}ms"])


def limit_web_requests() -> None:
    connection_created.connect(set_statement_timeout, dispatch_uid=DISPATCH_UID)


#: The youngest generation is collected after this many new container objects (Python: 700). A
#: page allocates some 100,000; at 700 the collector ran ~150 times a request.
GC_YOUNGEST = 50_000


def tune_garbage_collector() -> None:
    """Web process, after start-up: the objects loaded so far (Django, the app, compiled
    templates) are frozen out of the collector's sight, and the youngest generation is collected
    less often. A full collection then walks only what requests made, instead of every module
    object in the process: the occasional 20–60 ms pause that set the pages' p95 (docs/performance.md)."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNGEST, middle, oldest)
