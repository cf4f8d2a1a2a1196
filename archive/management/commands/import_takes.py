"""python manage.py import_takes FILE [--dry-run] — the format is in docs/import-format.md."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.transfer import Progress
from archive.transfer.csv_rows import read_csv
from archive.transfer.document import ImportFailed
from archive.transfer.importer import import_document
from archive.transfer.reader import read_document
from archive.transfer.stream import read_file, seekable


class Command(BaseCommand):
    help = (
        "Import publications, experts, questions, collections, themes and takes from a UTF-8 JSON file "
        "(or a CSV file of one take per row). All or nothing: any problem aborts with every reason "
        "and nothing is written. Importing the same file again changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help='the file to import, or "-" for standard input')
        parser.add_argument("--dry-run", action="store_true", help="check the file and report what would change")
        parser.add_argument(
            "--format",
            choices=["auto", "json", "csv"],
            default="auto",
            help="the file's format (default: from its extension; JSON unless it ends in .csv)",
        )
        parser.add_argument(
            "--progress-every", type=int, default=5000, metavar="N", help="report progress every N takes"
        )

    def handle(self, *args, **options) -> None:
        name = options["file"]
        verbosity = options["verbosity"]
        progress = Progress(lambda message: self.stderr.write(f"import_takes: {message}"), options["progress_every"])
        if verbosity < 1:
            progress = None
        kind = options["format"]
        if kind == "auto":
            kind = "csv" if name.lower().endswith(".csv") else "json"
        try:
            file = sys.stdin.buffer if name == "-" else Path(name).open("rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"cannot read {name}: {exc.strerror or exc}") from None
        document = None
        try:
            if progress:
                progress("checking the file")
            if kind == "csv":
                document = read_document(read_csv(file.read()), progress)
            else:
                file = seekable(file)  # read as a stream, several times: standard input is copied first
                document = read_file(file, progress)
            for warning in document.warnings:
                self.stderr.write(f"warning: {warning}")
            summary = import_document(document, dry_run=options["dry_run"], progress=progress)
        except ImportFailed as exc:
            raise CommandError(exc.report()) from None
        finally:
            if file is not sys.stdin.buffer:
                file.close()
            if document is not None:
                document.close()
        heading = "Dry run: nothing was written. The import would give" if summary.dry_run else "Imported"
        self.stdout.write(f"{heading} ({name}):")
        for line in summary.lines():
            self.stdout.write(f"  {line}")
