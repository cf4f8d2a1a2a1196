import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from archive.benchmark import corpus
from archive.db import stats


class Command(BaseCommand):
    help = (
        "Fill the database with a synthetic corpus for benchmarks (clearly marked synthetic, "
        "deterministic for a seed). Never use it on a database with real editorial work you care about."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--takes", type=int, required=True, help="number of takes")
        parser.add_argument("--quotes-per-take", type=int, default=10, help="average quotes per take (0–2× this)")
        parser.add_argument("--experts", type=int, required=True, help="number of experts")
        parser.add_argument("--seed", type=int, default=1, help="random seed: the same seed gives the same corpus")
        parser.add_argument("--publications", type=int, default=0, help="number of outlets (default: experts / 40)")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--hostile-repeats",
            type=int,
            default=0,
            metavar="N",
            help="hostile bodies: ~1,100 words repeating each of a set of common words about N times "
            "(20–30 as in issue 21; 150 for the worst case); 0, the default, for ordinary bodies",
        )
        parser.add_argument("--replace", action="store_true", help="delete this seed's synthetic corpus first")

    def handle(self, *args, **options) -> None:
        for name in ("takes", "experts", "batch_size"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        if options["quotes_per_take"] < 0 or options["publications"] < 0 or options["hostile_repeats"] < 0:
            raise CommandError("--quotes-per-take, --publications and --hostile-repeats cannot be negative.")
        seed = options["seed"]
        if corpus.exists(seed):
            if not options["replace"]:
                raise CommandError(
                    f"A synthetic corpus with seed {seed} is already here: use --replace or another --seed."
                )
            removed = corpus.remove(seed)
            self.stderr.write(f"Removed the previous synthetic corpus of seed {seed} ({removed:,} takes).")
        spec = corpus.CorpusSpec(
            takes=options["takes"],
            quotes_per_take=options["quotes_per_take"],
            experts=options["experts"],
            seed=seed,
            publications=options["publications"],
            batch_size=options["batch_size"],
            hostile_repeats=options["hostile_repeats"],
        )
        quiet = options["verbosity"] == 0

        def progress(message: str) -> None:
            if not quiet:
                sys.stderr.write(f"\r{message}\033[K" if sys.stderr.isatty() else f"{message}\n")
                sys.stderr.flush()

        report = corpus.generate(spec, progress=progress)
        if not quiet and sys.stderr.isatty():
            sys.stderr.write("\n")
        if not quiet:
            self.stderr.write(stats.PROGRESS)
        stats.analyze(connection)
        rows = ", ".join(f"{count:,} {name}" for name, count in report.rows.items())
        self.stdout.write(
            f"Generated {rows} in {report.seconds:,.1f}s ({report.rows_per_second:,.0f} rows/s), seed {seed}."
        )
