import logging
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from archive import fuzzing
from archive.db import session


class Command(BaseCommand):
    help = (
        "Send thousands of generated requests (hypothesis: random and hostile query strings and slugs) "
        "to the public pages and search of the current database, in-process, under the web process's "
        "statement timeout; print the requests sent, the 5xx count and the time. Exits non-zero on any 5xx. "
        "Read-only: GET requests only. Load the shipped fixtures first (load_fixtures) so detail pages exist."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--requests", type=int, default=10_000, help="at least this many requests (default 10,000)")
        parser.add_argument("--random", action="store_true", help="new requests each run (default: the same ones)")

    def handle(self, *args, **options) -> None:
        if options["requests"] < 1:
            raise CommandError("--requests must be at least 1.")
        setup_test_environment()  # the test client's host name is allowed
        connection.ensure_connection()
        session.set_statement_timeout(connection, int(settings.WEB_STATEMENT_TIMEOUT_MS))
        client = Client(raise_request_exception=False)
        # A 404 for a generated slug is the expected answer: only server errors are logged.
        logging.getLogger("django.request").setLevel(logging.ERROR)
        logging.getLogger("django.security").setLevel(logging.CRITICAL)
        wanted = options["requests"]
        self.stderr.write(f"Fuzzing the public pages on {connection.display_name}: at least {wanted:,} requests…")

        def progress(report: fuzzing.Report) -> None:
            errors = len(report.server_errors)
            self.stderr.write(f"  {report.requests:,} requests, {errors} × 5xx, {report.seconds:,.0f}s")

        began = time.perf_counter()
        report = fuzzing.run(client, options["requests"], progress=progress, randomize=options["random"])
        seconds = time.perf_counter() - began
        for status, path, query in report.server_errors[:20]:
            self.stderr.write(f"  {status} {path} {query!r:.300}")
        self.stdout.write(
            f"{connection.display_name}: {report.requests:,} requests, {len(report.server_errors)} × 5xx, "
            f"{seconds:,.0f}s ({report.requests / seconds:,.0f} requests/s)"
        )
        if report.server_errors:
            sys.exit(1)
