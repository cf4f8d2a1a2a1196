"""Recompute the who-holds-what table (archive/db/stances.py) from scratch, or check that it is exact."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from archive.db import stances


class Command(BaseCommand):
    help = (
        "Rebuild archive_expertstance (who holds which stance, from published takes) set-wise, and "
        "re-create its triggers if any is missing. With --check, only compare it with a fresh aggregate."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="report differences, change nothing")

    def handle(self, *args, check: bool = False, **options) -> None:
        began = time.perf_counter()
        if check:
            wrong = stances.differences(connection)
            if wrong:
                raise CommandError(
                    f"{wrong} row(s) of archive_expertstance differ from the takes; run rebuild_stances."
                )
            self.stdout.write(f"archive_expertstance is exact ({time.perf_counter() - began:.1f} s).")
            return
        with transaction.atomic():
            stances.install(connection)
            rows = stances.rebuild(connection)
        self.stdout.write(f"archive_expertstance rebuilt: {rows} rows in {time.perf_counter() - began:.1f} s.")
