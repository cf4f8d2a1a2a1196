"""WSGI entry point: ``gunicorn archive.wsgi`` (see ``make serve``).

Only the web process loads this module, so the limits meant for web requests (PostgreSQL's
statement_timeout, archive/limits.py) are switched on here and never in management commands; so is
the garbage collector's tuning for serving requests.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

application = get_wsgi_application()

from archive.limits import limit_web_requests, tune_web_garbage_collector  # noqa: E402 - needs the settings loaded above

limit_web_requests()
tune_web_garbage_collector()
