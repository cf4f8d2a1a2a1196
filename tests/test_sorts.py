"""One set of sort orders (archive.filters.base.SORTS): every list accepts every name, ``date`` is
another name for ``newest``, and each page's own sort links keep the names they always had."""

import datetime

import pytest
from django.urls import reverse

from archive.filters.base import SORTS, sort_named
from archive.models import Quote, Take
from archive.search import results as search_results
from archive.search import search_page
from tests.factories import QuoteFactory, TakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dated():
    """Three takes matching "korea", one quote each, and an undated one, which comes last both ways."""
    takes = {}
    for title, day in (
        ("Middle", datetime.date(2019, 3, 1)),
        ("Old", datetime.date(2019, 1, 1)),
        ("New", datetime.date(2019, 6, 1)),
        ("Undated", None),
    ):
        takes[title] = TakeFactory(title=f"{title} Korea take", published=day)
        QuoteFactory(take=takes[title], text=f"{title} Korea quote")
    return takes


NEWEST = ["New", "Middle", "Old", "Undated"]
OLDEST = ["Old", "Middle", "New", "Undated"]


def first_words(rows) -> list[str]:
    return [(getattr(row, "title", None) or row.text).split()[0] for row in rows]


def test_every_name_names_one_order():
    assert set(SORTS) == {"relevance", "newest", "oldest"}
    assert sort_named("date") == "newest"
    assert [sort_named(name) for name in SORTS] == list(SORTS)
    assert sort_named("random") == sort_named("") == sort_named(None) == ""


@pytest.mark.parametrize(("sort", "expected"), [("newest", NEWEST), ("date", NEWEST), ("oldest", OLDEST)])
def test_every_list_accepts_every_name(client, dated, sort, expected):
    takes = client.get("/takes/", {"sort": sort})
    assert first_words(takes.context["page_obj"]) == expected
    assert not takes.context["notices"]
    found = client.get("/search/", {"q": "korea", "type": "takes", "sort": sort})
    assert first_words(found.context["take_page"]) == expected
    quotes = client.get("/quotes/", {"q": "korea", "sort": sort})
    assert first_words(quotes.context["page"]) == expected
    browsed = client.get("/quotes/", {"sort": sort})
    assert first_words(browsed.context["page"]) == expected


def test_the_take_list_says_date_as_newest_in_its_canonical_url(client, dated):
    response = client.get("/takes/", {"sort": "date"})
    assert response.context["filter"].sort_order == "newest"
    assert response.context["canonical_query"] == "sort=newest"


def test_the_search_pages_keep_their_sort_links(client, dated):
    for path in ("/search/", "/quotes/"):
        for sort, current in (("newest", "date"), ("date", "date"), ("relevance", "relevance"), ("oldest", "oldest")):
            response = client.get(path, {"q": "korea", "sort": sort})
            assert list(response.context["sort_urls"]) == ["relevance", "date"], path
            assert response.context["sort"] == current, (path, sort)
        body = client.get(path, {"q": "korea", "sort": "newest"}).content.decode()
        assert '<strong aria-current="true">newest first</strong>' in body, path


def test_the_quote_form_keeps_an_order_other_than_relevance(client, dated):
    body = client.get("/quotes/", {"q": "korea", "sort": "oldest"}).content.decode()
    assert '<input type="hidden" name="sort" value="oldest">' in body


def test_oldest_first_walks_every_match_past_the_cap(monkeypatch, dated):
    monkeypatch.setattr(search_results, "COUNT_CAP", 2)
    for queryset in (Take.objects.published(), Quote.objects.published()):
        page = search_page(queryset, "korea", sort="oldest", per_page=3)
        assert page.capped and page.open_ended
        assert first_words(page) == OLDEST[:3]
        assert first_words(search_page(queryset, "korea", sort="oldest", per_page=3, page=2)) == OLDEST[3:]
        assert first_words(search_page(queryset, "korea", sort="newest", per_page=3)) == NEWEST[:3]


def test_an_unknown_order_on_the_search_page_ranks_as_before(client, dated):
    response = client.get(reverse("search"), {"q": "korea", "sort": "random"})
    assert response.status_code == 200
    assert response.context["sort"] == "relevance"
