"""python manage.py import_takes FILE [--dry-run] — the format is in docs/import-format.md."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from archive.transfer import Progress
from archive.transfer.csv_rows import read_csv
from archive.transfer.document import ImportFailed
from archive.transfer.importer import import_document
from archive.transfer.reader import load_json, read_document


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
            raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {name}: {exc.strerror or exc}") from None
        try:
            data = read_csv(raw) if kind == "csv" else load_json(raw)
            del raw  # a large file's bytes, its parsed form and its records need not all stay in memory
            if progress:
                progress("checking the file")
            document = read_document(data, progress)
            del data
            for warning in document.warnings:
                self.stderr.write(f"warning: {warning}")
            summary = import_document(document, dry_run=options["dry_run"], progress=progress)
        except ImportFailed as exc:
            raise CommandError(exc.report()) from None
        heading = "Dry run: nothing was written. The import would give" if summary.dry_run else "Imported"
        self.stdout.write(f"{heading} ({name}):")
        for line in summary.lines():
            self.stdout.write(f"  {line}")
