"""Take cards, facet counts and page sections ({% versioned %}) are kept against the data version:
a repeated request reads them from the cache, and any write to the archive (ORM, bulk, raw SQL)
shows on the next request."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive import data_version
from archive.models import Quote, Status, Take
from tests.archive_data import build_archive

# Writes are committed (transaction=True): inside a PostgreSQL transaction that has written,
# nothing is cached, since its version moves only at commit.
pytestmark = pytest.mark.django_db(transaction=True)

NONCE = re.compile(r'nonce="[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')


def fetch(client, url: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return NONCE.sub("", response.content.decode()), len(queries)


@pytest.fixture
def archive():
    data_version.clear()
    yield build_archive(30)
    data_version.clear()


def card_pages(archive) -> dict[str, int]:
    """url -> the most queries a repeated request may make."""
    return {
        # The version, and the page's ids; the cards and every facet count come from the cache.
        "/takes/": 2,
        "/takes/?page=2": 2,
        # ... plus one query per filter, to look its slug up.
        f"/takes/?kind=analysis&publication={archive.publications[1].slug}&theme={archive.themes[0].slug}": 4,
        f"/takes/?question={archive.questions[0].slug}&stance={archive.stances[archive.questions[0].pk][1].slug}": 4,
        # Home: the version, the six newest ids, the questions and their stances.
        "/": 4,
        f"/publications/{archive.publications[0].slug}/": 5,
        f"/collections/{archive.collection.slug}/": 4,
        f"/themes/{archive.themes[0].slug}/": 4,
        # The expert, their affiliations, the version, the page's ids: the sections are kept.
        f"/experts/{archive.experts[0].slug}/": 4,
        # The version, the filters' look-ups, the initials: the form and the groups are kept.
        "/experts/": 1,
        # The question and its stances, the version: the split and the groups are kept.
        f"/questions/{archive.questions[0].slug}/": 3,
        f"/experts/?question={archive.questions[0].slug}": 2,
        f"/experts/?question={archive.questions[0].slug}&stance={archive.stances[archive.questions[0].pk][1].slug}"
        f"&publication={archive.publications[0].slug}": 4,
        # The take and the version: its sections, the opposing takes and their cards are kept.
        f"/takes/{archive.takes[0].slug}/": 2,
        # Quote searches: the version, the candidates, their ranks, the page's texts and their
        # highlighted passages; each card's tail (speaker, take, stances) is kept, and the menus.
        "/quotes/?q=quoted": 5,
        '/quotes/?q="words number"&sort=date': 4,  # by date: no ranks
        # Without a search: the version, the count and the page's texts.
        "/quotes/": 3,
        # Both tabs: quotes as above, the takes that match (none here), expert names.
        "/search/?q=quoted": 7,
        # Takes found: the version, the quotes' count, the candidates, their ranks, the page's
        # texts and highlighted passages, expert names; each result's meta line and chips are kept.
        "/search/?q=take&type=takes": 7,
    }


def test_a_repeated_request_reads_cards_and_facet_counts_from_the_cache(client, archive):
    for url, ceiling in card_pages(archive).items():
        data_version.clear()  # pages share cards: start each page cold
        first, first_queries = fetch(client, url)
        again, again_queries = fetch(client, url)
        assert again == first, url  # the same page, byte for byte
        assert again_queries < first_queries, url
        assert again_queries <= ceiling, (url, again_queries)


def test_a_page_of_cards_is_the_same_when_built_afresh(client, archive, settings):
    warm_pages = {}
    for url in card_pages(archive):
        fetch(client, url)
        warm_pages[url] = fetch(client, url)[0]
    settings.DATA_CACHE_ENTRIES = 0  # keep nothing: every request builds every card and count
    data_version.clear()
    for url, warm in warm_pages.items():
        assert fetch(client, url)[0] == warm, url


def test_cards_and_counts_follow_writes_that_bypass_django(client, archive):
    take = archive.takes[-1]  # the newest: first on /takes/
    expert = archive.experts[0]
    html, _ = fetch(client, "/takes/")
    assert take.title in html and "30</strong> takes" in html

    Take.objects.filter(pk=take.pk).update(title="Retitled without signals")
    html, _ = fetch(client, "/takes/")
    assert "Retitled without signals" in html and take.title not in html

    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_expert SET name = %s WHERE id = %s", ["Renamed Byraw", expert.pk])
        cursor.execute("UPDATE archive_stance SET label = %s", ["Relabelled"])
    html, _ = fetch(client, "/takes/")
    assert "Renamed Byraw" in html
    assert "<strong>Relabelled</strong>" in html  # the stance chips on the cards

    Take.objects.filter(pk=archive.draft.pk).update(status=Status.PUBLISHED)
    html, _ = fetch(client, "/takes/")
    assert "31</strong> takes" in html
    kind_html, _ = fetch(client, f"/takes/?collection={archive.collection.slug}")  # 16 takes: one page
    assert archive.draft.title in kind_html
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM archive_take_themes")
    after, _ = fetch(client, f"/takes/?collection={archive.collection.slug}")
    assert kind_html != after
    assert archive.themes[0].name in kind_html and archive.themes[0].name not in after.split('id="filters"')[1]


def test_cards_of_a_paginated_list_keep_their_order(client, archive):
    html, _ = fetch(client, "/takes/?sort=oldest")
    again, _ = fetch(client, "/takes/?sort=oldest")
    newest, _ = fetch(client, "/takes/")
    titles = re.findall(r'class="take-title"><a href="[^"]+">([^<]+)</a>', html)
    assert titles == re.findall(r'class="take-title"><a href="[^"]+">([^<]+)</a>', again)
    assert len(titles) == 20
    assert titles != re.findall(r'class="take-title"><a href="[^"]+">([^<]+)</a>', newest)
    expected = list(Take.objects.published().oldest_first().values_list("title", flat=True)[:20])
    assert [t.replace("&#x27;", "'").replace("&amp;", "&") for t in titles] == expected


def test_the_cache_keeps_at_most_the_configured_number_of_results(settings):
    data_version.clear()
    settings.DATA_CACHE_ENTRIES = 3
    calls = []

    def compute(key):
        calls.append(key)
        return key * 2

    for key in range(5):
        assert data_version.remember("test", key, lambda key=key: compute(key), version=1) == key * 2
    assert len(data_version._store.entries) == 3
    assert data_version.remember("test", 4, lambda: compute(99), version=1) == 8  # kept
    assert data_version.remember("test", 0, lambda: compute(0), version=1) == 0  # pushed out: computed again
    assert calls == [0, 1, 2, 3, 4, 0]
    assert data_version.remember("test", 4, lambda: compute(4), version=2) == 8  # another version: afresh
    assert calls[-1] == 4
    found = data_version.remember_many("many", [1, 2], lambda keys: {k: -k for k in keys}, version=2)
    assert found == {1: -1, 2: -2}
    assert data_version.remember_many("many", [2, 7], lambda keys: {k: 0 for k in keys}, version=2) == {2: -2, 7: 0}
    assert data_version.remember("test", 5, lambda: "fresh", version=None) == "fresh"
    data_version.clear()


def test_the_cache_keeps_at_most_the_configured_megabytes_and_drops_old_versions(settings):
    data_version.clear()
    settings.DATA_CACHE_MB = 1
    big = "x" * 300_000
    for key in range(5):
        data_version.remember("big", key, lambda: big, version=7)
    assert len(data_version._store.entries) == 3  # 3 × 300 KB fit in 1 MB, 4 do not
    assert data_version._store.size <= 1024 * 1024
    data_version.remember("huge", 0, lambda: "y" * 2_000_000, version=7)  # larger than the budget: not kept
    assert ("default", "huge", 0) not in data_version._store.entries
    data_version.remember("small", 0, lambda: "new", version=8)  # the version moved: version 7 is dropped
    assert list(data_version._store.entries) == [("default", "small", 0)]
    data_version.clear()


def test_kept_page_sections_follow_writes_that_bypass_django(client, archive):
    expert = archive.experts[0]
    question = archive.questions[0]
    quote = Quote.objects.filter(speaker=expert, take__status=Status.PUBLISHED).order_by("-take__published").first()
    expert_url = f"/experts/{expert.slug}/"
    by_stance = f"/experts/?question={question.slug}"
    html, _ = fetch(client, expert_url)
    assert quote.text in html
    groups, _ = fetch(client, by_stance)
    assert expert.name in groups
    question_page, _ = fetch(client, f"/questions/{question.slug}/")
    assert expert.name in question_page

    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_quote SET text = %s WHERE id = %s", ["Words changed by raw SQL", quote.pk])
        cursor.execute("UPDATE archive_stance SET label = %s WHERE question_id = %s", ["Relabelled", question.pk])
    html, _ = fetch(client, expert_url)
    assert "Words changed by raw SQL" in html and quote.text not in html
    assert "<strong>Relabelled</strong>" in html  # the stances over time
    groups, _ = fetch(client, by_stance)
    assert "Relabelled" in groups

    with connection.cursor() as cursor:  # unpublish every take: nobody holds a stance any more
        cursor.execute("UPDATE archive_take SET status = 'draft'")
    groups, _ = fetch(client, by_stance)
    assert expert.name not in groups
    assert "0</strong> experts" in groups
    question_page, _ = fetch(client, f"/questions/{question.slug}/")
    assert expert.name not in question_page and "0 experts" in question_page
