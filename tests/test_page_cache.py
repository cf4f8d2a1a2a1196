"""Public pages are kept whole in Django's cache against the data version (archive/cache.py): a
repeated request reads the page from the cache, and any write to the archive (ORM, bulk, raw SQL)
shows on the next request."""

import html as html_module
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive import cache
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
    cache.clear()
    yield build_archive(30)
    cache.clear()


def card_pages(archive) -> list[str]:
    """Every kind of public page, with and without filters and searches."""
    q0 = archive.questions[0]
    return [
        "/takes/",
        "/takes/?page=2",
        f"/takes/?kind=analysis&publication={archive.publications[1].slug}&theme={archive.themes[0].slug}",
        f"/takes/?question={q0.slug}&stance={archive.stances[q0.pk][1].slug}",
        "/",
        f"/publications/{archive.publications[0].slug}/",
        f"/collections/{archive.collection.slug}/",
        f"/themes/{archive.themes[0].slug}/",
        f"/experts/{archive.experts[0].slug}/",
        "/experts/",
        f"/questions/{q0.slug}/",
        f"/experts/?question={q0.slug}",
        f"/experts/?question={q0.slug}&stance={archive.stances[q0.pk][1].slug}&publication={archive.publications[0].slug}",
        f"/takes/{archive.takes[0].slug}/",
        "/quotes/?q=quoted",
        '/quotes/?q="words number"&sort=date',
        "/quotes/",
        "/search/?q=quoted",
        "/search/?q=take&type=takes",
        "/questions/",
        "/publications/",
        "/about/",
    ]


def test_a_repeated_request_is_served_whole_from_the_cache_in_one_query(client, archive):
    for url in card_pages(archive):
        first_response = client.get(url)
        assert first_response.status_code == 200, url
        assert "X-Page-Cache" not in first_response
        first = NONCE.sub("", first_response.content.decode())
        with CaptureQueriesContext(connection) as queries:
            again_response = client.get(url)
        assert again_response["X-Page-Cache"] == "hit", url
        assert NONCE.sub("", again_response.content.decode()) == first, url  # byte for byte
        assert len(queries) == 1, (url, [q["sql"] for q in queries])  # the data version, nothing else
        assert "no-cache" in again_response["Cache-Control"]  # browsers revalidate: never stale after a write


def test_a_page_is_the_same_when_built_afresh(client, archive, settings):
    warm_pages = {}
    for url in card_pages(archive):
        fetch(client, url)
        warm_pages[url] = fetch(client, url)[0]
    settings.PAGE_CACHE = False  # every request builds its page
    cache.clear()
    for url, warm in warm_pages.items():
        assert fetch(client, url)[0] == warm, url


def test_signed_in_editors_admin_pages_and_errors_are_not_kept(client, archive, django_user_model):
    assert client.get("/takes/no-such-take/").status_code == 404
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/takes/no-such-take/").status_code == 404
    assert len(queries) > 1  # a 404 is not kept: built again
    editor = django_user_model.objects.create_superuser("editor", "editor@example.com", "pw-for-tests-only")
    client.force_login(editor)
    client.get("/takes/")
    response = client.get("/takes/")
    assert "X-Page-Cache" not in response  # an editor's request is served fresh and not stored
    assert client.get("/admin/").status_code == 200
    assert "X-Page-Cache" not in client.get("/admin/")
    client.logout()
    assert "X-Page-Cache" not in client.get("/takes/")  # nothing the editor saw was stored


def test_figures_kept_through_the_cache_follow_the_version():
    calls = []

    def compute(key):
        calls.append(key)
        return key * 2

    assert cache.kept("test", 4, lambda: compute(4), version=1) == 8
    assert cache.kept("test", 4, lambda: compute(99), version=1) == 8  # kept
    assert calls == [4]
    assert cache.kept("test", 4, lambda: compute(4), version=2) == 8  # another version: afresh
    assert calls == [4, 4]
    found = cache.kept_many("many", [1, 2], lambda keys: {k: -k for k in keys}, version=2)
    assert found == {1: -1, 2: -2}
    assert cache.kept_many("many", [2, 7], lambda keys: {k: 0 for k in keys}, version=2) == {2: -2, 7: 0}
    assert cache.kept("test", 5, lambda: "fresh", version=None) == "fresh"  # a writing transaction: not kept
    assert cache.kept("test", 5, lambda: "again", version=None) == "again"


def test_an_unreachable_cache_serves_pages_uncached_without_errors(client, archive, monkeypatch):
    from django.core.cache import cache as django_cache

    def broken(*args, **kwargs):
        raise ConnectionError("cache server went away")

    monkeypatch.setattr(django_cache, "get_many", broken)
    monkeypatch.setattr(django_cache, "set_many", broken)
    for url in card_pages(archive)[:6]:
        assert client.get(url).status_code == 200, url
        response = client.get(url)
        assert response.status_code == 200 and "X-Page-Cache" not in response, url


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
    assert [html_module.unescape(t) for t in titles] == expected


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
