"""gunicorn's settings for the archive, passed with ``--config deploy/gunicorn.conf.py`` by `make
serve`, `manage.py loadtest` and the benchmark's app servers (archive/benchmark/stack.py); a
deployment starts gunicorn the same way. The command line overrides any of them (`--workers 2`).

Threaded workers (gthread): a worker serves up to ``threads`` requests at once, so searches waiting
for their turn (archive/search/gate.py) or for the database never leave a cheap page (a cached
``/about/``) queued behind them; a sync worker would be held for the whole search. How many
searches compute at once is the search gate's business (``SEARCH_CONCURRENCY``), not the number of
threads (docs/performance.md, "Hostile, second round").
"""

import os

wsgi_app = "archive.wsgi"
# WEB_CONCURRENCY is gunicorn's own variable for the number of worker processes.
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
# A worker takes no more connections than it has threads: the rest wait for a worker with a free
# thread instead of queueing behind four searches inside a busy one.
worker_connections = threads
# The application is imported once, before the workers fork: a worker (re)starts in a fraction of a
# second instead of importing Django and the archive again. No connection is opened at import.
preload_app = True
