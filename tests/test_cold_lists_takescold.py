"""The cold take lists' cheaper queries give the pages exactly what the longer way gave.

- The outlet, collection and kind facets count the columns of the same takes: when their takes
  are one set, the statement reads those takes once (a common table expression, ``facets.
  shared_windows``), and every facet's rows equal those of its own query and of a count in Python.
- A facet cut at its biggest choices breaks ties at the cut by id, whichever way it is counted.
- A list under a question takes its total from its chart (one position per take and question):
  no ``COUNT`` of its own, the same number.
"""

import datetime
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive import cache, timeline
from archive.filters import TakeFilter, facets
from archive.filters import together as statement
from archive.filters.facets import FacetCounter, newest_ids, run_together
from archive.models import Position, Take, TakeKind
from tests.factories import (
    CollectionFactory,
    PositionFactory,
    PublicationFactory,
    QuestionFactory,
    StanceFactory,
    TakeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    """30 takes over five outlets, three kinds, two collections, one question; a few undated."""
    w = type("Archive", (), {})()
    w.outlets = [PublicationFactory(name=f"Outlet {i}") for i in range(5)]
    w.collections = [CollectionFactory(), CollectionFactory()]
    w.question = QuestionFactory(text="Walk away?", short_label="Walk")
    w.stances = [StanceFactory(question=w.question, label=f"s{j}") for j in range(3)]
    kinds = [TakeKind.ANALYSIS, TakeKind.OP_ED, TakeKind.INTERVIEW]
    for i in range(30):
        take = TakeFactory(
            publication=w.outlets[i % 5] if i % 9 else None,
            kind=kinds[i % 3],
            collection=w.collections[i % 2] if i % 4 == 0 else None,
            published=None if i % 13 == 0 else datetime.date(2019, 2, 1) + datetime.timedelta(days=i % 11),
        )
        if i % 3:
            PositionFactory(take=take, stance=w.stances[i % 3])
    return w


def counter_for(rf, params: dict) -> FacetCounter:
    filterset = TakeFilter(rf.get("/takes/", params).GET, queryset=Take.objects.published())
    filterset.is_valid()
    return FacetCounter(filterset.facet_bases(), filterset.filtered(), filterset.data_cleaned)


def statements(branches) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run_together(branches, "default")
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("shared", [{}, {"question": "q"}, {"question": "q", "stance": "s"}])
def test_facets_counted_from_one_read_of_the_takes_equal_each_facet_counted_apart(rf, archive, monkeypatch, shared):
    params = dict(shared)
    if "question" in params:
        params["question"] = archive.question.slug
    if "stance" in params:
        params["stance"] = archive.stances[1].slug
    counter = counter_for(rf, params)
    branches = counter.branches()
    [sql] = statements(branches)
    assert sql.startswith("WITH ") and sql.count('FROM "archive_take"') == 1  # the takes read once
    together = run_together(branches, "default")
    monkeypatch.setattr(statement, "shared_windows", lambda branches, using: ({}, []))
    [apart_sql] = statements(branches)
    assert not apart_sql.startswith("WITH ")
    assert together == run_together(branches, "default")
    # …and what a count in Python of the same takes gives.
    ids = newest_ids(counter.bases["publication"], facets.FACET_CAP)[0]
    takes = Take.objects.filter(pk__in=ids)
    outlets = Counter(takes.exclude(publication=None).values_list("publication__slug", flat=True))
    kinds = Counter(takes.values_list("kind", flat=True))
    collections = Counter(takes.exclude(collection=None).values_list("collection__slug", flat=True))
    assert {slug: n for slug, _, n in together["publication"]} == outlets
    assert dict(together["kind"]) == kinds
    assert {slug: n for slug, _, n in together["collection"]} == collections


def test_a_facet_of_sets_that_differ_is_counted_on_its_own(rf, archive):
    """Outlet and kind chosen: their facets count different takes, and no window is shared."""
    counter = counter_for(rf, {"publication": archive.outlets[0].slug, "kind": "analysis"})
    [sql] = statements(counter.branches())
    assert not sql.startswith("WITH ")


@pytest.mark.parametrize("windowed", [True, False])
def test_ties_at_the_cut_keep_the_lowest_ids_whichever_way_counted(rf, archive, monkeypatch, windowed):
    monkeypatch.setattr(facets, "FACET_CHOICES", 2)
    if not windowed:
        monkeypatch.setattr(statement, "shared_windows", lambda branches, using: ({}, []))
    Take.objects.update(publication=None)
    for outlet in archive.outlets:  # every outlet one take: a five-way tie for two places
        TakeFactory(publication=outlet, published=datetime.date(2019, 3, 1))
    counts = counter_for(rf, {}).counts()
    assert [slug for slug, _, _ in counts.publications] == [archive.outlets[0].slug, archive.outlets[1].slug]
    assert "publication" in counts.truncated


@pytest.mark.parametrize("with_stance", [False, True])
def test_a_list_under_a_question_counts_its_takes_from_its_chart(client, archive, monkeypatch, with_stance):
    monkeypatch.setattr(facets, "FACET_CAP", 3)  # more takes than the cap: the total is not the ids'
    params = {"question": archive.question.slug}
    positions = Position.objects.published().filter(question=archive.question)
    if with_stance:
        params["stance"] = archive.stances[1].slug
        positions = positions.filter(stance=archive.stances[1])
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/takes/", params)
    assert response.status_code == 200
    expected = Take.objects.published().filter(positions__in=positions).count()
    assert expected > 3
    assert response.context["page_obj"].paginator.count == expected == response.context["volume"].counted
    assert not [q for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]


def chart_as_before(rows, series) -> tuple:
    """The chart's numbers as ``timeline.build`` computed them before: a table of days first."""
    days, left_out = {}, 0
    for day, precision, key, n in rows:
        if day is None:
            left_out += n
        else:
            by_key = days.setdefault((day, precision), {})
            by_key[key] = by_key.get(key, 0) + n
    if not days:
        return "month", [], left_out
    unit = timeline.unit_for(min(day for day, _ in days), max(day for day, _ in days))
    index = {key: n for n, (key, _) in enumerate(series)}
    counts = {}
    for (day, precision), by_key in days.items():
        for key, n in by_key.items():
            if precision not in timeline.PLACEABLE[unit] or key not in index:
                left_out += n
            else:
                counts.setdefault(timeline.bucket(day, unit), [0] * len(series))[index[key]] += n
    return unit, sorted(counts.items()), left_out


@pytest.mark.parametrize("span_days", [40, 300, 5000])
def test_the_chart_built_in_one_pass_equals_the_chart_from_a_table_of_days(span_days):
    start = datetime.date(2018, 6, 1)
    series = [(1, "a"), (2, "b"), (None, "c")]
    rows = [
        (start + datetime.timedelta(days=(i * 37) % span_days), ("day", "month", "year")[i % 3 if i % 5 else 0], key, n)
        for i, (key, n) in enumerate((k, 1 + i % 4) for i, k in enumerate([1, 2, None, 3] * 40))
    ]
    rows += [(None, "day", 1, 5), (None, "year", 2, 2)]
    volume = timeline.build("x", "X", rows, series)
    unit, columns, left_out = chart_as_before(rows, series)
    assert volume.unit == unit and volume.left_out == left_out
    assert [(c.start, [s.count for s in c.segments]) for c in volume.columns if c.total] == columns
    assert volume.counted == sum(row[3] for row in rows)


def test_the_tags_of_a_theme_are_indexed_by_theme_then_take():
    """Migration 0021: the takes of a theme read from an index alone (the theme-filtered facets)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "archive_take_themes")
    indexed = [c["columns"] for c in constraints.values() if c["index"] and not c["unique"]]
    assert ["theme_id", "take_id"] in indexed
