import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from archive.benchmark import hostile
from archive.benchmark import run as bench
from archive.db import stats


class Command(BaseCommand):
    help = (
        "Time the archive's pages against the naive way on the current database (fill it with "
        "generate_corpus first) and print a table: median/p95 ms, SQL queries, speed-up."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repeat", type=int, default=30, help="timed requests per scenario")
        parser.add_argument(
            "--cold-repeat", type=int, default=10, help="timed requests per scenario with the page cache emptied first"
        )
        parser.add_argument("--baseline-repeat", type=int, default=5, help="timed runs of each naive baseline")
        parser.add_argument("--baseline-budget", type=float, default=20.0, help="seconds at most per baseline")
        parser.add_argument("--only", help="run the scenarios whose name contains this text")
        parser.add_argument("--skip", help="leave out the scenarios whose name contains this text")
        parser.add_argument("--output", help="also write the table (Markdown) to this file")
        parser.add_argument(
            "--hostile",
            action="store_true",
            help="time only the hostile searches (issue 21; on a corpus made with generate_corpus "
            "--hostile-repeats): each --repeat times, cold, under the web statement timeout; "
            "exits non-zero on a 5xx or a p99 over 1 s",
        )
        parser.add_argument(
            "--check-queries", action="store_true", help="exit non-zero on a query-count regression or a non-200 page"
        )

    def handle(self, *args, **options) -> None:
        if options["repeat"] < 1:
            raise CommandError("--repeat must be at least 1.")
        if settings.DEBUG:
            self.stderr.write("Note: DEBUG is on; templates and the query log run slower. Measure with DEBUG=0.")
        size = bench.corpus_size()
        self.stderr.write(f"Benchmarking {size}")
        if options["hostile"]:
            self._hostile(size, options)
            return
        statistics = stats.describe(connection)
        self.stderr.write(statistics)
        try:
            results = bench.run(
                repeat=options["repeat"],
                cold_repeat=options["cold_repeat"],
                baseline_repeat=options["baseline_repeat"],
                baseline_budget_s=options["baseline_budget"],
                only=options["only"],
                skip=options["skip"],
                progress=lambda message: self.stderr.write(f"  {message}"),
            )
        except bench.InvalidScenario as exc:
            raise CommandError(f"A scenario asks for what its page does not do: {exc}") from None
        report = (
            f"Corpus: {size}\n{statistics}\n\n{bench.table(results)}\n\n"
            f"Peak RSS serving the pages (a web worker, target ≤ 200 MB): {bench.WORKER_PEAK_RSS_MB:.0f} MB; "
            f"after the naive baselines too: {bench.peak_rss_mb():.0f} MB\n"
        )
        self.stdout.write(report)
        if options["output"]:
            Path(options["output"]).write_text(report, encoding="utf-8")
        problems = bench.regressions(results)
        if problems:
            for problem in problems:
                self.stderr.write(f"REGRESSION: {problem}")
            if options["check_queries"]:
                sys.exit(1)

    def _hostile(self, size: str, options: dict) -> None:
        results = hostile.run_in_process(options["repeat"], progress=lambda message: self.stderr.write(f"  {message}"))
        report = f"Corpus: {size}\n\n{hostile.table(results)}\n"
        self.stdout.write(report)
        if options["output"]:
            Path(options["output"]).write_text(report, encoding="utf-8")
        if any(r.errors or r.p99 > hostile.SEARCH_P99_MS for r in results):
            self.stderr.write("Hostile searches missed the target (a 5xx, or a p99 over 1 s).")
            sys.exit(1)
