"""Generated and hostile query strings and path segments on the feeds, downloads, citations and
sitemaps: never a server error. (The pages' own fuzzing: test_fuzz_requests.py, which counts the
URL names below as fuzzed here.)"""

import pytest
from django.test import Client
from django.urls import resolve
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from archive.models import Quote
from tests.test_fuzz_requests import EXAMPLES, FUZZ, HOSTILE, fetch, params

FEWER = hypothesis_settings(FUZZ, max_examples=max(25, EXAMPLES // 2))

PATHS = [
    "/takes/feed/", "/takes/feed/rss/", "/quotes/feed/", "/quotes/feed/rss/",
    "/takes/export.csv", "/takes/export.json", "/quotes/export.csv", "/quotes/export.json",
    "/experts/export.csv", "/experts/export.json", "/questions/why-no-deal/positions.csv",
    "/questions/why-no-deal/positions.json", "/experts/soo-kim/feed/", "/experts/soo-kim/feed/rss/",
    "/questions/why-no-deal/feed/", "/questions/why-no-deal/feed/rss/", "/publications/the-national-interest/feed/",
    "/publications/the-national-interest/feed/rss/", "/collections/hanoi-summit-80-experts/feed/",
    "/collections/hanoi-summit-80-experts/feed/rss/", "/themes/sanctions/feed/", "/themes/sanctions/feed/rss/",
    "/takes/hanoi-summit-we-asked-soo-kim/cite/", "/takes/hanoi-summit-we-asked-soo-kim/cite.bib",
    "/takes/hanoi-summit-we-asked-soo-kim/cite.ris", "/takes/hanoi-summit-we-asked-soo-kim/cite.json",
    "/sitemap.xml", "/sitemap-takes.xml", "/robots.txt",
]  # fmt: skip
#: Paths with one segment to replace by a hostile one (``{}``).
SEGMENTS = [
    "/experts/{}/feed/", "/questions/{}/feed/rss/", "/publications/{}/feed/", "/collections/{}/feed/",
    "/themes/{}/feed/", "/takes/{}/cite/", "/takes/{}/cite.bib", "/questions/{}/positions.csv", "/quotes/{}/cite/",
    "/quotes/{}/cite.ris", "/sitemap-{}.xml",
]  # fmt: skip
#: The URL names these tests request: test_fuzz_requests.py leaves them to this file.
FUZZED_NAMES = {
    "take_feed", "take_feed_rss", "quote_feed", "quote_feed_rss", "take_export", "quote_export", "expert_export",
    "position_export", "take_cite", "take_cite_file", "quote_cite", "quote_cite_file", "sitemap_index",
    "sitemap_section", "robots",
    *(f"{thing}_feed{rss}" for thing in ("expert", "question", "publication", "collection", "theme")
      for rss in ("", "_rss")),
}  # fmt: skip


@pytest.fixture
def quiet_client(seed_collection):
    return Client(raise_request_exception=False)


def consumed(response) -> None:
    if response.streaming:
        b"".join(response.streaming_content)


@pytest.mark.django_db
@FEWER
@given(path=st.sampled_from(PATHS), pairs=params)
def test_open_data_never_fails_whatever_the_query(quiet_client, path, pairs):
    response = fetch(quiet_client, path, pairs)
    consumed(response)
    assert response.status_code < 500, (path, pairs)


@pytest.mark.django_db
@FEWER
@given(segment=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=80)))
def test_unknown_things_are_404_not_errors(quiet_client, segment):
    for pattern in SEGMENTS:
        response = quiet_client.get(pattern.format(segment.replace("/", "")))
        consumed(response)
        assert response.status_code < 500, (pattern, segment)


@pytest.mark.django_db
def test_every_open_data_url_is_fuzzed(seed_collection):
    quote = Quote.objects.published().first()
    requested = {resolve(path).url_name for path in PATHS}
    requested |= {resolve(pattern.format(quote.pk)).url_name for pattern in SEGMENTS if "quotes" in pattern}
    assert requested == FUZZED_NAMES
