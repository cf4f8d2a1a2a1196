"""The API fuzzed from its own OpenAPI schema (Schemathesis): no server error, every response
valid against the schema (status code, content type, headers, body), for generated requests
(positive: values the schema allows; negative: values it forbids, which must be refused) and for
requests naming the archive's real ids and slugs.

Every built-in check runs but ``positive_data_acceptance``: a request the schema allows may still
name a slug the archive does not hold (``?expert=nobody``), which the API refuses with a 400 (the
schema cannot list the archive's slugs). ``negative_data_rejection`` holds: what the schema forbids
is refused.

Bounded for CI: ``EXAMPLES`` generated requests per operation and mode, derandomized so a run is
repeatable. The figures (operations, requests, failures) are printed (``pytest -s``).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.archive_data import build_archive

pytestmark = pytest.mark.django_db

EXAMPLES = 20


@pytest.fixture
def api_schema(db, settings):
    """The schema, read from the app, which Schemathesis then calls in-process through WSGI. As
    Django's test client does, the requests leave the test's database connection open (its
    transaction holds the test data)."""
    settings.API_THROTTLE_RATE = ""  # the fuzzer sends hundreds of requests from one address
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def run_generated(operation, mode: GenerationMode, figures: dict) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        figures["requests"] += 1
        try:
            response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        except (AssertionError, FailureGroup) as failure:
            figures["failures"].append(f"{operation.label} [{mode.value}]: {str(failure)[:400]}")
            return
        figures["statuses"][response.status_code] = figures["statuses"].get(response.status_code, 0) + 1

    try:
        check()
    except Unsatisfiable:
        figures["no negative cases"].append(operation.label)


def real_cases(operation, archive) -> list:
    """Requests for real rows: each detail with an id or slug that exists, each list with filters that match."""
    take, quote = archive.takes[0], archive.takes[0].quotes.first()
    question = archive.questions[0]
    by_path = {
        "/api/v1/takes/{slug}/": {"slug": take.slug},
        "/api/v1/quotes/{id}/": {"id": quote.pk},
        "/api/v1/experts/{slug}/": {"slug": archive.experts[0].slug},
        "/api/v1/publications/{slug}/": {"slug": archive.publications[0].slug},
        "/api/v1/collections/{slug}/": {"slug": archive.collection.slug},
        "/api/v1/themes/{slug}/": {"slug": archive.themes[0].slug},
        "/api/v1/questions/{slug}/": {"slug": question.slug},
        "/api/v1/positions/{id}/": {"id": take.positions.first().pk},
        "/api/v1/responses/{id}/": {"id": take.responses.first().pk},
    }
    if operation.path in by_path:
        return [operation.Case(path_parameters=by_path[operation.path])]
    queries = {
        "/api/v1/takes/": {"q": "take", "question": question.slug, "expert": archive.experts[1].slug},
        "/api/v1/quotes/": {"q": "words", "sort": "newest"},
        "/api/v1/experts/": {"question": question.slug},
        "/api/v1/positions/": {"question": question.slug},
    }
    return [operation.Case(), operation.Case(query={**queries.get(operation.path, {}), "page_size": 2})]


def test_the_api_conforms_to_its_schema_under_fuzzing(api_schema):
    archive = build_archive(4)
    figures = {"operations": 0, "requests": 0, "failures": [], "statuses": {}, "no negative cases": []}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        figures["operations"] += 1
        for case in real_cases(operation, archive):
            figures["requests"] += 1
            response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
            assert response.status_code == 200, (operation.label, response.text[:300])
            figures["statuses"][200] = figures["statuses"].get(200, 0) + 1
        run_generated(operation, GenerationMode.POSITIVE, figures)
        if "{" in operation.path:
            # A detail's one parameter is its path's id or slug: Schemathesis finds no value to send
            # there that breaks the schema (it gives up after hundreds of tries), so none is tried.
            figures["no negative cases"].append(operation.label)
        else:
            run_generated(operation, GenerationMode.NEGATIVE, figures)
    print(
        f"\nSchemathesis: {figures['operations']} operations, {figures['requests']} requests, "
        f"{len(figures['failures'])} failures; statuses {dict(sorted(figures['statuses'].items()))}; "
        f"no negative cases for {figures['no negative cases']}"
    )
    assert figures["operations"] == 18
    assert not figures["failures"], "\n".join(figures["failures"][:10])
    assert 500 not in figures["statuses"]
