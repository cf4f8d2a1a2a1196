"""Run the failure drill (archive/benchmark/drill.py) and print its table."""

from django.core.management.base import BaseCommand, CommandError

from archive.benchmark import drill
from archive.db.cluster import server_binaries


class Command(BaseCommand):
    help = (
        "Build a throw-away serving set-up on loopback (PostgreSQL primary + 2 streaming replicas, "
        "2 gunicorn app servers, Redis) and break its parts in turn: a replica, Redis, the primary, "
        "replica lag. Prints requests, errors and time to recover per scenario; exits non-zero on any "
        "error. About a minute; needs the PostgreSQL server binaries and redis-server."
    )

    def handle(self, *args, **options) -> None:
        if server_binaries() is None:
            raise CommandError("PostgreSQL server binaries (initdb, pg_basebackup) are not installed.")
        outcomes = drill.run(log=self.stderr.write)
        self.stdout.write(drill.table(outcomes))
        failures = [f"{o.scenario}: {failure}" for o in outcomes for failure in o.failures]
        failures += [f"{o.scenario}: {o.errors} errors" for o in outcomes if o.errors]
        if failures:
            raise CommandError("The drill failed:\n" + "\n".join(failures))
