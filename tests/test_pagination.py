"""One paginator family (archive/pagination.py): every list reads ``?page=`` the same way, and says
so when it had to correct it."""

import pytest

from archive.pagination import PER_PAGE, Paginator, page_number
from archive.search import results as search_results
from tests.factories import ExpertFactory, PublicationFactory, QuoteFactory, TakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    """Two pages of everything: 25 takes by one expert in one outlet, a quote each."""
    outlet, ann = PublicationFactory(slug="p"), ExpertFactory(slug="ann")
    for n in range(PER_PAGE + 5):
        take = TakeFactory(title=f"Korea take {n}", publication=outlet, authors=[ann])
        QuoteFactory(take=take, text=f"Korea quote {n}")


#: path -> the context name of the page shown
LISTS = {  # noqa: RUF012
    "/takes/": "page_obj",
    "/experts/ann/": "page_obj",
    "/publications/p/": "page_obj",
    "/search/?type=takes&q=korea": "take_page",
    "/search/?type=quotes&q=korea": "quote_page",
    "/quotes/?q=korea": "page",
    "/quotes/": "page",
}


def get(client, path: str, page: str):
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}page={page}")
    assert response.status_code == 200, (path, page)
    return response.context[LISTS[path]].number, " ".join(response.context["notices"])


@pytest.mark.parametrize("path", LISTS)
def test_every_list_reads_the_page_number_the_same_way(client, archive, path):
    assert get(client, path, "2") == (2, "")
    assert get(client, path, "") == (1, "")
    assert get(client, path, "abc") == (1, "“abc” is not a page number; this is the first page.")
    assert get(client, path, "0") == (1, "Pages are numbered from 1; this is the first page.")
    assert get(client, path, "-3") == (1, "Pages are numbered from 1; this is the first page.")
    assert get(client, path, "7") == (2, "There are only 2 pages; this is the last.")
    assert get(client, path, "99999999999999999999") == (2, "There are only 2 pages; this is the last.")


def test_a_page_past_the_end_of_an_open_ended_list_is_its_last(client, archive, monkeypatch):
    """Past the capped count, date order walks on ("Page 3 of many"); asked for a page past the
    real end, the list counts its rows and shows the last page, as every list does."""
    monkeypatch.setattr(search_results, "COUNT_CAP", 5)
    for path, name in (("/quotes/", "page"), ("/search/?type=takes&q=korea&sort=date", "take_page")):
        separator = "&" if "?" in path else "?"

        def shown(number, path=path, name=name, separator=separator):
            response = client.get(f"{path}{separator}page={number}")
            return response.context[name], response.context["notices"], response.content.decode()

        page, notices, html = shown(1)
        assert page.capped and page.open_ended and page.has_next() and "of many" in html
        page, notices, html = shown(2)
        assert page.number == 2 and len(page) == 5 and not page.has_next() and not notices
        page, notices, html = shown(9)
        assert page.number == 2 and len(page) == 5
        assert notices == ["There are only 2 pages; this is the last."]


def test_one_page_says_so():
    assert page_number("3", Paginator(count=4)) == (1, "There is only one page of results.")
    assert page_number("3", Paginator(count=0)) == (1, "There is only one page of results.")


def test_a_capped_count_reads_with_a_plus():
    page = Paginator(count=1000, capped=True).page_of([], 1)
    assert page.count_display == "1,000+" and page.num_pages == 50
    assert Paginator(count=1234).page_of([], 1).count_display == "1,234"
