from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Exit 0 when the configured database answers, 1 (with the reason) when it does not."

    def handle(self, *args, **options) -> None:
        try:
            connection.ensure_connection()
        except Exception as exc:
            raise CommandError(f"{connection.display_name} database is unreachable: {exc}") from None
        self.stdout.write(f"{connection.display_name} database is reachable.")
