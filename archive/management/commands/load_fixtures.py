import json
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from archive.db import stats

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEED = "seed.json"  # the two source documents, modelled completely (Django fixture)
COLLECTIONS = ["starter-collection.json"]  # real takes as facts and own-words summaries (import format)


class Command(BaseCommand):
    help = (
        "Load the archive's shipped collection (fixtures/): the seed documents, then the starter "
        "collection through import_takes. Safe to run again: nothing is duplicated."
    )

    def check_seed_rows_are_free(self, path: Path) -> None:
        """The seed fixture names its rows by id: refuse to overwrite other data that uses those ids."""
        clashes = []
        for item in json.loads(path.read_text(encoding="utf-8")):
            slug = item["fields"].get("slug")
            if slug is None:
                continue
            model = apps.get_model(item["model"])
            if model.objects.filter(pk=item["pk"]).exclude(slug=slug).exists():
                clashes.append(f"{model._meta.verbose_name} #{item['pk']} (the seed's {slug!r})")
        if clashes:
            raise CommandError(
                "The seed fixture would overwrite other rows with the same ids: "
                + ", ".join(clashes[:5])
                + ". Load the shipped collection into a new database, before any other data."
            )

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        self.check_seed_rows_are_free(FIXTURES / SEED)
        if verbosity:
            self.stdout.write(f"Loading {SEED}")
        call_command("loaddata", str(FIXTURES / SEED), verbosity=verbosity)
        for name in COLLECTIONS:
            if verbosity:
                self.stdout.write(f"Importing {name}")
            call_command("import_takes", str(FIXTURES / name), verbosity=verbosity)
        if verbosity:
            self.stderr.write(stats.PROGRESS)
        stats.analyze(connection)
