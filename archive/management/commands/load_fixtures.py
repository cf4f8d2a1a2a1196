from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

FIXTURES = ["seed.json"]


class Command(BaseCommand):
    help = "Load the archive's shipped collection (fixtures/). Safe to run again: nothing is duplicated."

    def handle(self, *args, **options) -> None:
        fixtures_dir = Path(settings.BASE_DIR) / "fixtures"
        for name in FIXTURES:
            self.stdout.write(f"Loading {name}")
            call_command("loaddata", str(fixtures_dir / name), verbosity=options["verbosity"])
