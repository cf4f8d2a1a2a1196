"""Thousands of generated requests with random and hostile query strings: never a server error.

The number of examples per test is FUZZ_EXAMPLES (default 250); each example of the list and detail
tests sends one request, each of the slug test one per kind of page (six), each of the alert-link
test four (two pages, GET and POST), so the default sends 250 + 250 + 6 x 250 + 4 x 250 = 3,000
requests on each database. Set it higher to fuzz longer, e.g.
FUZZ_EXAMPLES=5000 make test; ``manage.py fuzz_requests`` sends 10,000 and reports them (the
generators are archive/fuzzing.py's). A test below checks that every public URL in archive/urls.py
is fuzzed.
"""

import os

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.fuzzing import DETAIL_PAGES, HOSTILE, LIST_PAGES, SLUG_PREFIXES, params

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "250"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Pages of a signed link (archive/alerts/): a forged or mangled token is a 400, GET or POST.
TOKEN_PREFIXES = ("/alerts/confirm/", "/alerts/unsubscribe/")


@pytest.fixture
def quiet_client(seed_collection):
    return Client(raise_request_exception=False)


def fetch(client: Client, path: str, pairs: list[tuple[str, str]]):
    query: dict[str, list[str]] = {}
    for key, value in pairs:
        query.setdefault(key, []).append(value)  # repeated keys on purpose
    return client.get(path, query)


@pytest.mark.django_db
@FUZZ
@given(path=st.sampled_from(LIST_PAGES), pairs=params)
def test_list_and_search_pages_never_fail(quiet_client, path, pairs):
    response = fetch(quiet_client, path, pairs)
    assert response.status_code < 500, (path, pairs)


@pytest.mark.django_db
@FUZZ
@given(path=st.sampled_from(DETAIL_PAGES), pairs=params)
def test_detail_pages_never_fail(quiet_client, path, pairs):
    response = fetch(quiet_client, path, pairs)
    assert response.status_code < 500, (path, pairs)


#: Pages addressed by a number (issue 15: a quote's page).
ID_PREFIXES = ("/quotes/",)


@pytest.mark.django_db
@FUZZ
@given(number=st.integers(min_value=0, max_value=2**63), pairs=params)
def test_pages_by_number_never_fail(quiet_client, number, pairs):
    for prefix in ID_PREFIXES:
        response = fetch(quiet_client, f"{prefix}{number}/", pairs)
        assert response.status_code < 500, (prefix, number, pairs)


@pytest.mark.django_db
@FUZZ
@given(segment=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=80)))
def test_unknown_slugs_are_404_not_errors(quiet_client, segment):
    for prefix in SLUG_PREFIXES:
        response = quiet_client.get(prefix + segment.replace("/", "") + "/")
        assert response.status_code < 500, (prefix, segment)


@pytest.mark.django_db
@FUZZ
@given(segment=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=80)))
def test_forged_alert_links_are_400_not_errors(quiet_client, segment):
    for prefix in TOKEN_PREFIXES:
        for method in (quiet_client.get, quiet_client.post):
            response = method(prefix + segment.replace("/", "") + "/")
            assert response.status_code < 500, (prefix, segment)


def test_every_public_url_pattern_is_fuzzed():
    """A page added to archive/urls.py without joining the fuzzing fails here."""
    from tests.test_fuzz_open_data import FUZZED_NAMES

    fuzzed = {path.strip("/") for path in LIST_PAGES} | {prefix.strip("/") + "/<slug:slug>" for prefix in SLUG_PREFIXES}
    fuzzed |= {prefix.strip("/") + "/<str:token>" for prefix in TOKEN_PREFIXES}
    fuzzed |= {prefix.strip("/") + "/<int:pk>" for prefix in ID_PREFIXES}
    public = {
        str(pattern.pattern).strip("/")
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLPattern)  # the admin is an include(), tested in test_security.py
        and pattern.name not in FUZZED_NAMES  # feeds, downloads, citations: test_fuzz_open_data.py
    }
    assert public - fuzzed == set()
    for detail in DETAIL_PAGES:
        assert detail.startswith(SLUG_PREFIXES)
