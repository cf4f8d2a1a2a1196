"""The search engines behind one interface: both backends implement it, nothing above them asks
which database it is on, and takes rank the same on /takes/?q= and /search/ (on either database)."""

import datetime
import inspect
import re
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from archive.models import Take
from archive.search import backends, ranked_ids
from archive.search import results as search_results
from archive.search.backends import sqlite as sqlite_backend
from archive.search.backends.base import SearchBackend
from archive.search.backends.postgresql import PostgresBackend
from archive.search.backends.sqlite import SqliteBackend
from tests.factories import PublicationFactory, TakeFactory

SEARCH = Path(__file__).resolve().parent.parent / "archive" / "search"


def operations() -> list[str]:
    return sorted(SearchBackend.__abstractmethods__)


def test_the_interface_has_the_operations_callers_need():
    assert set(operations()) >= {
        "filter_matches",
        "newest_window",
        "score_expression",
        "scores",
        "snippets",
        "suggest_words",
        "similar_experts",
    }


@pytest.mark.parametrize("implementation", [PostgresBackend, SqliteBackend])
def test_each_backend_implements_every_operation(implementation):
    assert not implementation.__abstractmethods__  # instantiable: nothing left abstract
    for name in operations():
        own = getattr(implementation, name)
        assert own is not getattr(SearchBackend, name), name
        wanted = list(inspect.signature(getattr(SearchBackend, name)).parameters)
        assert list(inspect.signature(own).parameters) == wanted, name
    assert implementation("default").using == "default"


def test_nothing_in_the_search_package_outside_the_backends_asks_for_the_vendor():
    offenders = []
    for path in sorted(SEARCH.rglob("*.py")):
        relative = path.relative_to(SEARCH)
        if relative.parts[0] == "backends":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.vendor\b|\bvendor\(", line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def test_the_backend_is_chosen_once_per_database_alias():
    chosen = backends.backend("default")
    assert chosen is backends.backend("default")
    assert chosen.vendor == connection.vendor
    assert isinstance(chosen, backends.BACKENDS[connection.vendor])
    assert backends.for_queryset(Take.objects.all()) is chosen


def test_the_search_package_does_not_import_the_models():
    """archive.models imports the search at module level: the search must not import it back."""
    for path in [*SEARCH.glob("backends/*.py"), SEARCH / "__init__.py", SEARCH / "results.py", SEARCH / "query.py"]:
        assert "archive.models" not in path.read_text(), path


# --------------------------------------------------------------------------- one ranking


@pytest.fixture
def ranked_takes(db):
    """Takes that match "sanctions" more or less strongly, in title, summary or full text."""
    outlet = PublicationFactory()
    texts = [
        {"title": "Sanctions, sanctions", "summary": "Sanctions relief was the price."},
        {"title": "A long essay", "body": "sanctions " + "other words " * 60},
        {"title": "On the summit", "summary": "Nothing was said of sanctions."},
        {"title": "Sanctions", "body": "more words " * 5},
        {"title": "Relief", "summary": "Sanctions relief, sanctions relief and sanctions again."},
        {"title": "A note", "body": "sanctions and sanctions " + "filler " * 10},
        {"title": "Unrelated", "summary": "Talks in Hanoi."},
    ]
    takes = [
        TakeFactory(publication=outlet, published=datetime.date(2019, 3, 1 + n), **fields)
        for n, fields in enumerate(texts)
    ]
    TakeFactory(title="Sanctions in a draft", status="draft")
    return takes


def take_list_order(client, q: str, **params) -> list[int]:
    response = client.get(reverse("take_list"), {"q": q, **params})
    assert response.status_code == 200
    return [take.pk for take in response.context["page_obj"].object_list]


def search_order(client, q: str) -> list[int]:
    response = client.get(reverse("search"), {"q": q, "type": "takes"})
    assert response.status_code == 200
    return [take.pk for take in response.context["take_page"].object_list]


@pytest.mark.parametrize("q", ["sanctions", "sanctions relief", "sanctions OR hanoi", "sanctions -essay"])
def test_takes_rank_the_same_on_the_take_list_and_the_search_page(client, ranked_takes, q):
    on_search = search_order(client, q)
    assert len(on_search) > 1
    if q == "sanctions":
        assert on_search != sorted(on_search, reverse=True)  # ranked, not merely newest first
    assert take_list_order(client, q) == on_search
    assert [take.pk for take in Take.objects.published().by_relevance(q)] == on_search


def test_takes_rank_the_same_when_only_the_newest_matches_are_ranked(client, ranked_takes, monkeypatch):
    monkeypatch.setattr(search_results, "COUNT_CAP", 3)
    on_search = search_order(client, "sanctions")
    assert len(on_search) == 3
    assert take_list_order(client, "sanctions") == on_search


def test_by_relevance_on_searched_rows_ranks_as_on_the_unsearched_ones(ranked_takes, monkeypatch):
    """/takes/?q= hands by_relevance a queryset already searched: the ranking is the same, also on
    SQLite's path for a common word under selective filters (runs of ids, newest first)."""
    filtered = Take.objects.published().filter(publication=ranked_takes[0].publication)
    for window, spread in ((sqlite_backend.WINDOW, sqlite_backend.SPREAD), (2, sqlite_backend.SPREAD), (2, 0)):
        monkeypatch.setattr(sqlite_backend, "WINDOW", window)
        monkeypatch.setattr(sqlite_backend, "SPREAD", spread)  # 0: the runs' candidates come newest first
        ids, _, _ = ranked_ids(filtered, "sanctions")
        assert [take.pk for take in filtered.search("sanctions").by_relevance("sanctions")] == ids
        assert [take.pk for take in filtered.by_relevance("sanctions")] == ids


def test_a_take_card_shows_its_summarys_passage_else_its_full_texts(db):
    """The full text's passage is shown only when the summary's has no match, so SQLite reads it
    only then (``SNIPPET_FALLBACKS``: snippet() of a long full text is the costly part of a page)."""
    from archive.search.backends.base import SNIPPET_FALLBACKS
    from archive.search.query import parse
    from archive.search.results import attach_snippets

    in_summary = TakeFactory(title="One", summary="Talks on Yongbyon stalled.", body="Yongbyon again, in the text.")
    in_body = TakeFactory(title="Two", summary="Nothing to mark here.", body="The text names Yongbyon once.")
    takes = list(Take.objects.filter(pk__in=[in_summary.pk, in_body.pk]).order_by("pk"))
    attach_snippets(takes, "yongbyon")
    assert "<mark>Yongbyon</mark> stalled" in str(takes[0].snippet) and "again" not in str(takes[0].snippet)
    assert "names <mark>Yongbyon</mark> once" in str(takes[1].snippet)
    marked = backends.backend("default").snippets("archive_take", parse("yongbyon"), [in_summary.pk, in_body.pk])
    assert SNIPPET_FALLBACKS["archive_take"] == ("body", "summary")
    assert "\x02" in marked[in_body.pk]["body"]
    if connection.vendor == "sqlite":
        assert marked[in_summary.pk]["body"] is None  # not read: the summary's passage is shown
