"""python manage.py export_takes [--status published] FILE — writes the import format."""

import os
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.models import Status
from archive.transfer import Progress
from archive.transfer.exporter import export_archive


class Command(BaseCommand):
    help = (
        "Export the archive in the import format (docs/import-format.md). The output is deterministic: "
        "the same data always gives the same bytes."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help='where to write, or "-" for standard output')
        parser.add_argument("--status", choices=Status.values, help="only takes of this status (default: every take)")
        parser.add_argument(
            "--progress-every", type=int, default=5000, metavar="N", help="report progress every N takes"
        )

    def handle(self, *args, **options) -> None:
        name = options["file"]
        progress = None
        if options["verbosity"] >= 1:
            progress = Progress(lambda m: self.stderr.write(f"export_takes: {m}"), options["progress_every"])
        if name == "-":
            count = export_archive(sys.stdout, status=options["status"], progress=progress)
            return
        target = Path(name)
        if not target.parent.is_dir():
            raise CommandError(f"cannot write {name}: the folder {target.parent} does not exist")
        # write next to the target, then rename: a failed export never leaves half a file behind
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                count = export_archive(out, status=options["status"], progress=progress)
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if options["verbosity"] >= 1:
            self.stderr.write(f"export_takes: wrote {count:,} takes to {name}")
