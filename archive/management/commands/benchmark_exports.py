"""Time and peak memory of the CSV/JSON downloads on the database in use (docs/performance.md).

Each download runs in a child process of its own (so one's peak memory does not hide another's),
as the web process runs it: the statement timeout of the web process applied, the view called
on a request, the streamed body consumed and counted, not kept. Prints one line per download:
rows, bytes, seconds, and the child's peak resident memory (ru_maxrss) with what it was before
the download began.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test import RequestFactory
from django.urls import resolve

from archive.limits import limit_web_requests
from archive.models import Question


def default_urls() -> list[str]:
    question = Question.objects.order_by("order", "pk").first()
    urls = ["/takes/export.csv", "/takes/export.json", "/experts/export.csv"]
    if question:
        urls += [f"/experts/export.csv?question={question.slug}", f"/questions/{question.slug}/positions.csv"]
    return urls


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure(url: str) -> dict:
    """One download, in this process: what the parent prints."""
    limit_web_requests()
    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")), "localhost")
    request = RequestFactory(HTTP_HOST=host).get(url)
    match = resolve(request.path_info)
    before = peak_mib()
    started = time.perf_counter()
    response = match.func(request, *match.args, **match.kwargs)
    size = lines = 0
    for part in response.streaming_content:
        size += len(part)
        lines += part.count(b"\n")
    return {
        "url": url,
        "status": response.status_code,
        "bytes": size,
        "lines": lines,
        "seconds": round(time.perf_counter() - started, 2),
        "rss_before_mib": round(before, 1),
        "rss_peak_mib": round(peak_mib(), 1),
    }


class Command(BaseCommand):
    help = "Time and peak memory of the streamed CSV/JSON downloads (each in a child process)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("urls", nargs="*", help="download URLs (default: takes, experts, positions)")
        parser.add_argument("--one", action="store_true", help="measure the one URL given in this process")

    def handle(self, *args, urls: list[str], one: bool, **options) -> None:
        if one:
            self.stdout.write(json.dumps(measure(urls[0])))
            return
        urls = urls or default_urls()
        self.stdout.write(f"{'download':60} {'lines':>9} {'MB':>7} {'s':>7} {'RSS before':>11} {'RSS peak':>9}")
        for number, url in enumerate(urls, start=1):
            self.stderr.write(f"[{number}/{len(urls)}] {url} …")
            child = subprocess.run(
                [sys.executable, sys.argv[0], "benchmark_exports", "--one", url],
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(child.stdout.strip().splitlines()[-1])
            self.stdout.write(
                f"{url:60} {row['lines']:>9,} {row['bytes'] / 1e6:>7.1f} {row['seconds']:>7.2f}"
                f" {row['rss_before_mib']:>8.1f} MiB {row['rss_peak_mib']:>5.1f} MiB"
            )
