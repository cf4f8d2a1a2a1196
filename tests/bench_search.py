"""A small search benchmark on synthetic data (not a test: pytest does not collect it).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch .venv/bin/python tests/bench_search.py --quotes 100000
    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python tests/bench_search.py --quotes 100000

It migrates the database it is given and fills it with takes and quotes whose words follow a Zipf
law ("korea" in 90% of quotes, "yongbyon" in 0.05%), then times a search page for each scenario
and prints the plan of the matching query. Use a scratch database: it adds rows.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from archive.models import Expert, Publication, Quote, Status, Take  # noqa: E402
from archive.search import search_page  # noqa: E402

SCENARIOS = [
    ("rare word, relevance", "yongbyon", "relevance"),
    ("rare word, date", "yongbyon", "date"),
    ("word in 90% of quotes, relevance", "korea", "relevance"),
    ("word in 90% of quotes, date", "korea", "date"),
    ("phrase of common words", '"korea summit"', "relevance"),
    ("no match", "zzyzx", "date"),
    ("common AND rare", "korea yongbyon -sanctions", "relevance"),
]


def fill(quotes: int, batch: int = 5000) -> None:
    rng = random.Random(2019)
    vocabulary = [f"w{i}" for i in range(5000)]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]
    publication, _ = Publication.objects.get_or_create(slug="bench", defaults={"name": "Bench outlet"})
    expert, _ = Expert.objects.get_or_create(slug="bench", defaults={"name": "Bench Expert", "sort_name": "Expert"})
    takes_wanted = max(1, quotes // 10)
    start = Take.objects.count()
    for offset in range(start, takes_wanted, batch):
        Take.objects.bulk_create(
            Take(
                title=" ".join(rng.choices(vocabulary, weights, k=6)),
                slug=f"bench-{n}",
                summary=" ".join(rng.choices(vocabulary, weights, k=30)),
                body=" ".join(rng.choices(vocabulary, weights, k=300)),
                publication=publication,
                published=f"2019-{1 + n % 12:02d}-{1 + n % 28:02d}",
                status=Status.PUBLISHED,
            )
            for n in range(offset, min(offset + batch, takes_wanted))
        )
        print(f"takes {min(offset + batch, takes_wanted):,}/{takes_wanted:,}", file=sys.stderr)
    take_ids = list(Take.objects.values_list("pk", flat=True))
    done = Quote.objects.count()
    while done < quotes:
        rows = []
        for _ in range(min(batch, quotes - done)):
            words = rng.choices(vocabulary, weights, k=25)
            if rng.random() < 0.9:
                words.append("korea")
            if rng.random() < 0.0005:
                words.append("yongbyon")
            if rng.random() < 0.3:
                words += ["summit", "korea"]
            rng.shuffle(words)
            rows.append(Quote(take_id=rng.choice(take_ids), speaker=expert, text=" ".join(words)))
        Quote.objects.bulk_create(rows)
        done += len(rows)
        print(f"quotes {done:,}/{quotes:,}", file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE archive_quote; ANALYZE archive_take")


def explain(q: str) -> str:
    queryset = Quote.objects.published().search(q).order_by().values("pk")[:1001]
    sql, params = queryset.query.sql_with_params()
    prefix = "EXPLAIN (ANALYZE, COSTS OFF) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return "\n".join("    " + str(row[-1]) for row in cursor.fetchall())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quotes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    fill(args.quotes)
    print(f"{connection.vendor}: {Quote.objects.count():,} quotes, {Take.objects.count():,} takes")
    for label, q, sort in SCENARIOS:
        timings = []
        for _ in range(args.runs):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                page = search_page(
                    Quote.objects.published(), q, sort=sort, prepare=lambda qs: qs.select_related("take")
                )
                timings.append((time.perf_counter() - started) * 1000)
        print(
            f"{label:36} q={q!r:28} {page.count_display:>7} results  median {statistics.median(timings):7.1f} ms"
            f"  max {max(timings):7.1f} ms  {len(queries)} queries"
        )
    print("plan of the matching query for 'yongbyon':")
    print(explain("yongbyon"))


if __name__ == "__main__":
    main()
