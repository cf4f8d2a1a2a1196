"""Thousands of generated requests with random and hostile query strings: never a server error.

The number of examples per test is FUZZ_EXAMPLES (default 250); each example of the list and detail
tests sends one request, each of the slug test one per kind of page (six), so the default sends
250 + 250 + 6 x 250 = 2,000 requests on each database. Set it higher to fuzz longer, e.g.
FUZZ_EXAMPLES=5000 make test. A test below checks that every public URL in archive/urls.py is fuzzed.
"""

import os

import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "250"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

LIST_PAGES = [
    "/", "/takes/", "/experts/", "/questions/", "/publications/", "/search/", "/search/help/", "/quotes/", "/about/",
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


def test_every_public_url_pattern_is_fuzzed():
    """A page added to archive/urls.py without joining the fuzzing fails here."""
    fuzzed = {path.strip("/") for path in LIST_PAGES} | {prefix.strip("/") + "/<slug:slug>" for prefix in SLUG_PREFIXES}
    fuzzed |= {prefix.strip("/") + "/<int:pk>" for prefix in ID_PREFIXES}
    public = {
        str(pattern.pattern).strip("/")
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLPattern)  # the admin is an include(), tested in test_security.py
    }
    assert public - fuzzed == set()
    for detail in DETAIL_PAGES:
        assert detail.startswith(SLUG_PREFIXES)
