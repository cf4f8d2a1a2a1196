"""``dumpdata`` without derived tables: the who-holds-what summary (archive/db/stances.py) is the
database's own work, rebuilt by its triggers as the dumped rows load again, so it is never dumped."""

from django.core.management.commands import dumpdata

DERIVED = ["archive.ExpertStance"]


class Command(dumpdata.Command):
    help = dumpdata.Command.help + " Derived tables (archive.ExpertStance) are left out."

    def handle(self, *app_labels, **options):
        options["exclude"] = [*(options.get("exclude") or []), *DERIVED]
        return super().handle(*app_labels, **options)
