"""Facet counts over many takes run over the newest FACET_CAP of them, and the page says so."""

import datetime

import pytest

from archive.filters import facets
from archive.filters.facets import newest_ids
from archive.models import Take, TakeKind
from tests.factories import PublicationFactory, TakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def takes():
    """Five analyses in one outlet, then two op-eds in another, the op-eds the newest."""
    one, other = PublicationFactory(name="One"), PublicationFactory(name="Other")
    for day in range(1, 6):
        TakeFactory(publication=one, kind=TakeKind.ANALYSIS, published=datetime.date(2019, 3, day))
    for day in range(10, 12):
        TakeFactory(publication=other, kind=TakeKind.OP_ED, published=datetime.date(2019, 3, day))
    return Take.objects.published()


def test_the_newest_ids_of_a_queryset_and_whether_it_holds_more(takes):
    analyses = takes.filter(kind=TakeKind.ANALYSIS).order_by("pk")  # any order: the newest are read
    newest_analyses = list(analyses.newest_first().values_list("pk", flat=True))
    for cap, expected_more in [(1, True), (4, True), (5, False), (9, False)]:
        ids, more = newest_ids(analyses, cap)
        assert ids == newest_analyses[:cap], cap
        assert more is expected_more, cap
    assert newest_ids(takes.none(), 3) == ([], False)


def test_a_facet_over_the_cap_counts_the_newest_takes_and_says_so(client, takes, monkeypatch):
    monkeypatch.setattr(facets, "FACET_CAP", 3)
    response = client.get("/takes/")
    assert response.context["page_obj"].paginator.count == 7  # the total stays exact
    outlets = next(f for f in response.context["facets"] if f.name == "publication")
    assert {c.label: c.count for g in outlets.groups for c in g.choices} == {"Other": 2, "One": 1}
    assert "Counts cover the newest 3 takes" in outlets.note

    response = client.get("/takes/?kind=op-ed")
    assert response.context["page_obj"].paginator.count == 2
    outlets = next(f for f in response.context["facets"] if f.name == "publication")
    assert {c.label: c.count for g in outlets.groups for c in g.choices} == {"Other": 2}
    assert "Counts cover" not in outlets.note
    kinds = next(f for f in response.context["facets"] if f.name == "kind")
    assert "Counts cover the newest 3 takes" in kinds.note  # its takes: every kind, 7
