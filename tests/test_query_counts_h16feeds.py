"""Feeds, downloads, citations and sitemaps make a fixed number of queries: the same at 3 and 30
takes, and a download's count grows with its chunks (``streaming.CHUNK`` rows each), never its rows."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.opendata import streaming
from tests.archive_data import build_archive

pytestmark = pytest.mark.django_db


def urls(archive) -> dict[str, tuple[str, int]]:
    question = archive.questions[0]
    stance = archive.stances[question.pk][1]
    take, expert = archive.takes[-1], archive.experts[0]
    quote = take.quotes.first()
    return {
        # The form's look-ups, the takes with their authors, positions and headline quotes.
        "take feed": (f"/takes/feed/?question={question.slug}&stance={stance.slug}&expert={expert.slug}", 8),
        "expert feed": (f"/experts/{expert.slug}/feed/", 7),
        "quote feed": (f"/quotes/feed/?q=words&speaker={expert.slug}", 4),
        # The form's look-ups, the ids, then per chunk: the rows and their prefetches.
        "take download": (f"/takes/export.csv?question={question.slug}&stance={stance.slug}", 7),
        "quote download": (f"/quotes/export.json?speaker={expert.slug}", 4),
        "expert download": ("/experts/export.csv", 3),
        "experts by stance": (f"/experts/export.csv?question={question.slug}", 3),
        "positions": (f"/questions/{question.slug}/positions.json", 4),
        "take citation": (f"/takes/{take.slug}/cite.bib", 2),
        "citation page": (f"/takes/{take.slug}/cite/", 2),
        "quote citation": (f"/quotes/{quote.pk}/cite.ris", 2),
        "sitemap index": ("/sitemap.xml", 10),  # the data version, and a count per section (+ quotes)
        "take sitemap": ("/sitemap-takes.xml", 3),
    }


NAMES = [
    "take feed", "expert feed", "quote feed", "take download", "quote download", "expert download",
    "experts by stance", "positions", "take citation", "citation page", "quote citation", "sitemap index",
    "take sitemap",
]  # fmt: skip


def consumed(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("name", NAMES)
def test_each_query_count_is_fixed_whatever_the_archive_size(client, django_assert_max_num_queries, size, name):
    archive = build_archive(size)
    url, ceiling = urls(archive)[name]
    with django_assert_max_num_queries(ceiling):
        response = client.get(url)
        body = consumed(response)
    assert response.status_code == 200
    assert body


def test_a_download_s_queries_grow_with_its_chunks_not_its_rows(client, monkeypatch):
    build_archive(30)
    monkeypatch.setattr(streaming, "CHUNK", 10)
    counts = {}
    for url in ("/takes/export.json", "/takes/export.json?sort=oldest&kind=analysis"):
        with CaptureQueriesContext(connection) as queries:
            rows = json.loads(consumed(client.get(url)))["takes"]
        counts[url] = (len(rows), len(queries))
    (rows_a, queries_a), (rows_b, queries_b) = counts.values()
    assert rows_a == 30 and rows_b > 0
    # 1 id query (its cursor) + 3 chunks x (rows + 3 prefetches), and the data version: 14.
    assert queries_a <= 1 + 3 * 4 + 1
    assert queries_b <= 1 + -(-rows_b // 10) * 4 + 1
    monkeypatch.setattr(streaming, "CHUNK", 1000)
    with CaptureQueriesContext(connection) as queries:
        consumed(client.get("/takes/export.json"))
    assert len(queries) <= 1 + 4 + 1 < queries_a
