"""Generated requests against the public pages: the strategies ``tests/test_fuzz_requests.py`` (the
CI run, FUZZ_EXAMPLES per test) and ``manage.py fuzz_requests`` (thousands, with a report) share.

Hypothesis draws the pages, the query strings (known and unknown keys, repeated keys, hostile and
random values) and the slugs; a request must never be answered with a 5xx.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LIST_PAGES = [
    "/", "/takes/", "/experts/", "/questions/", "/publications/", "/search/", "/search/help/", "/quotes/", "/about/",
    "/compare/", "/agreement/", "/alerts/follow/", "/predictions/",
]  # fmt: skip
SLUG_PREFIXES = ("/takes/", "/experts/", "/questions/", "/publications/", "/collections/", "/themes/")
DETAIL_PAGES = [
    "/takes/hanoi-summit-we-asked-soo-kim/",
    "/experts/soo-kim/",
    "/questions/why-no-deal/",
    "/publications/the-national-interest/",
    "/collections/hanoi-summit-80-experts/",
    "/themes/sanctions/",
]
KEYS = [
    "q", "expert", "speaker", "publication", "question", "stance", "theme", "theme_mode", "theme_not", "kind",
    "collection", "date_from", "date_to", "sort", "page", "letter", "organization", "tab", "per_page", "status",
    "experts", "n", "outcome", "horizon_from", "horizon_to",
]  # fmt: skip

HOSTILE = [
    '"', '""', "-", "--", "OR", "OR korea", "AND", "NOT", "NEAR", "NEAR(a b)", "*", "korea*", "(", ")", "^", ":",
    "' OR 1=1 --", "'; DROP TABLE archive_take; --", "\\", "%", "_", "%%", "\x00", "\x00korea", "\u202ekorea",
    "\u200b", "e\u0301", "김정은", "<script>alert(1)</script>", "javascript:alert(1)", "1e309", "-1", "0",
    "99999999999999999999", "2019-13-45", "2019-02-30", "0000-00-00", "9999-12-31", "nope", "a" * 10_000,
    "kim " * 2_000, '"yongbyon', "-\"a b\"",
    "a OR OR b", "title:korea", "{", "}", "[", "]", "NaN", "None", "null", "true",
]  # fmt: skip

values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=300),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(str),
)
params = st.lists(st.tuples(st.one_of(st.sampled_from(KEYS), st.text(max_size=20)), values), min_size=0, max_size=8)
slugs = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=80))


def query_dict(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """``pairs`` as the test client's query: a key given twice is sent twice (on purpose)."""
    query: dict[str, list[str]] = {}
    for key, value in pairs:
        query.setdefault(key, []).append(value)
    return query


@dataclass
class Report:
    requests: int = 0
    server_errors: list[tuple[int, str, object]] = field(default_factory=list)
    seconds: float = 0.0


def run(
    client, requests: int, progress: Callable[[Report], None] = lambda report: None, randomize: bool = False
) -> Report:
    """About ``requests`` generated requests sent with ``client`` (at least that many): seven in
    ten to a list or detail page with a generated query string, the rest to generated slugs under
    each of the six prefixes. Every 5xx is recorded; none stops the run. The same requests each
    run unless ``randomize``."""
    report = Report()
    began = time.perf_counter()

    def fuzz(examples: int):
        return settings(
            max_examples=max(1, examples),
            deadline=None,
            database=None,
            derandomize=not randomize,
            suppress_health_check=list(HealthCheck),
        )

    def send(path: str, query: dict | None = None) -> None:
        response = client.get(path, query or {})
        report.requests += 1
        if response.status_code >= 500:
            report.server_errors.append((response.status_code, path, query))
        if report.requests % 500 == 0:
            report.seconds = time.perf_counter() - began
            progress(report)

    @fuzz(-(-requests * 7 // 10))
    @given(path=st.sampled_from(LIST_PAGES + DETAIL_PAGES), pairs=params)
    def pages(path, pairs):
        send(path, query_dict(pairs))

    @fuzz(-(-requests * 3 // 10) // len(SLUG_PREFIXES) + 1)
    @given(segment=slugs)
    def unknown_slugs(segment):
        for prefix in SLUG_PREFIXES:
            send(prefix + segment.replace("/", "") + "/")

    pages()
    unknown_slugs()
    report.seconds = time.perf_counter() - began
    return report
