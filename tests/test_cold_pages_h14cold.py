"""The cold path's fewer, cheaper queries give the pages exactly what the longer way gave.

- The take list's six facet aggregations run as one statement (``facets.run_together``): each
  facet's rows equal those of its own queryset, whatever is chosen, empty or truncated.
- The take list's first pages in date order are slices of the ids the facets read
  (``FacetCounts.newest``): every page equals the list's own order, inside and past the slice.
- The expert page's stances over time are ranked by a window over the expert's takes
  (``expert_timeline.newest_positions_of``): the same rows as ``ORDER BY … LIMIT`` over every position.
"""

import datetime

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from archive import cache
from archive.expert_timeline import newest_positions_of
from archive.filters import TakeFilter, facets
from archive.filters.facets import FacetCounter, run_together
from archive.models import Position, Status, Take, TakeKind
from tests.factories import (
    CollectionFactory,
    ExpertFactory,
    PositionFactory,
    PublicationFactory,
    QuestionFactory,
    StanceFactory,
    TakeFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    """45 takes over three outlets, kinds, themes, two questions; a few undated, one a draft."""
    w = type("Archive", (), {})()
    w.outlets = [PublicationFactory(name=f"Outlet {i}") for i in range(3)]
    w.themes = [ThemeFactory(name=f"Theme {i}", slug=f"theme-{i}") for i in range(3)]
    w.collection = CollectionFactory()
    w.experts = [ExpertFactory(name=f"Expert {i}", sort_name=f"Expert {i:02d}") for i in range(5)]
    questions = [QuestionFactory(text=f"Question {i}?", short_label=f"Q{i}") for i in range(2)]
    w.stances = [[StanceFactory(question=q, label=f"{q.short_label} s{j}") for j in range(3)] for q in questions]
    kinds = [TakeKind.ANALYSIS, TakeKind.OP_ED, TakeKind.INTERVIEW]
    for i in range(45):
        take = TakeFactory(
            publication=w.outlets[i % 3],
            kind=kinds[i % 2 if i % 7 else 2],
            collection=w.collection if i % 4 == 0 else None,
            published=None if i % 11 == 0 else datetime.date(2019, 1, 1) + datetime.timedelta(days=i % 17),
            authors=[w.experts[i % 5]] + ([w.experts[(i + 1) % 5]] if i % 6 == 0 else []),
            status=Status.DRAFT if i == 44 else Status.PUBLISHED,
        )
        take.themes.set(w.themes[: 1 + i % 3])
        PositionFactory(take=take, stance=w.stances[0][i % 3])
        if i % 2:
            PositionFactory(take=take, stance=w.stances[1][i % 2])
    return w


def each_on_its_own(counter: FacetCounter) -> dict[str, list[tuple]]:
    """Every branch's rows as its own query (how the facets were counted before), without ``chosen``;
    a branch grouped by an id given that id's slug and label here."""
    found = {}
    for branch in counter.branches():
        rows = [row[: len(branch.rows.query.values_select) + 1] for row in branch.rows]
        if branch.labels:
            model, _, fields = branch.labels
            names = {pk: rest for pk, *rest in model.objects.values_list("pk", *fields)}
            rows = [(*names[key], n) for key, n in rows]
        elif branch.joins:  # grouped by ids, then each column of the related rows looked up
            related = {relation: model.objects.in_bulk() for relation, model in branch.joins}
            rows = [joined(branch, related, row) for row in rows]
        found[branch.name] = rows
    return found


def joined(branch, related: dict, row: tuple) -> tuple:
    """A ``joins`` branch's row (its ids, then ``n``) in its ``columns``, each looked up here."""
    ids = dict(zip(branch.rows.query.values_select, row[:-1], strict=True))
    values = []
    for name in branch.columns:
        relation, _, field = name.partition("__")
        values.append(getattr(related[relation][ids[f"{relation}_id"]], field) if field else ids[name])
    return (*values, row[-1])


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"publication": "outlet-x", "kind": "analysis"},
        {"theme": ["theme-0", "theme-2"], "theme_mode": "all"},
        {"question": "q", "stance": "s"},
        {"kind": "interview", "collection": "c"},
    ],
)
def test_the_facets_counted_in_one_statement_equal_each_facet_on_its_own(rf, archive, query):
    params = dict(query)
    if "publication" in params:
        params["publication"] = archive.outlets[1].slug
    if "question" in params:
        params["question"] = archive.stances[0][0].question.slug
        params["stance"] = archive.stances[0][1].slug
    if "collection" in params:
        params["collection"] = archive.collection.slug
    request = rf.get("/takes/", params)
    filterset = TakeFilter(request.GET, queryset=Take.objects.published())
    filterset.is_valid()
    counter = FacetCounter(filterset.facet_bases(), filterset.filtered(), filterset.data_cleaned)
    expected = each_on_its_own(counter)
    together = run_together(counter.branches(), "default")
    assert {name: sorted(rows) for name, rows in together.items()} == {
        name: sorted(rows) for name, rows in expected.items()
    }
    assert any(together["stance"]) and any(together["expert"])


def test_a_facet_with_more_choices_than_listed_reads_one_more_and_is_marked(rf, archive, monkeypatch):
    monkeypatch.setattr(facets, "FACET_CHOICES", 2)
    filterset = TakeFilter(rf.get("/takes/").GET, queryset=Take.objects.published())
    filterset.is_valid()
    counts = FacetCounter(filterset.facet_bases(), filterset.filtered(), {}).counts()
    assert len(counts.experts) == 2 and len(counts.themes) == 2
    assert {"expert", "theme", "publication"} <= counts.truncated
    assert "kind" not in counts.truncated and "stance" not in counts.truncated
    assert [row[:2] for row in counts.stances] == sorted(row[:2] for row in counts.stances)  # questions in order


def test_a_branch_that_can_match_nothing_is_left_out_of_the_statement(archive):
    branches = [
        facets.Branch("kind", Take.objects.none().values_list("kind").annotate(n=F("id")), text=("kind",)),
        facets.Branch(
            "publication",
            Take.objects.published().values_list("kind").annotate(n=F("id")).order_by("id")[:1],
            text=("kind",),
        ),
    ]
    rows = run_together(branches, "default")
    assert rows["kind"] == []
    assert len(rows["publication"]) == 1


def ids_on_each_page(client, url: str, pages: int) -> list[list[int]]:
    shown = []
    for number in range(1, pages + 1):
        cache.clear()
        response = client.get(f"{url}{'&' if '?' in url else '?'}page={number}")
        shown.append([take.pk for take in response.context["cards"]])
    return shown


@pytest.mark.parametrize("url", ["/takes/", "/takes/?kind=analysis", "/takes/?sort=oldest"])
def test_the_first_pages_sliced_from_the_facets_ids_equal_the_lists_own_order(client, archive, monkeypatch, url):
    monkeypatch.setattr(facets, "NEWEST_KEPT", 25)  # page 1 from the slice; page 2 (ids 21-40) read
    # (unless the list ends within the slice: "kind=analysis" has 25 takes or fewer)
    listed = Take.objects.published()
    if "kind" in url:
        listed = listed.filter(kind=TakeKind.ANALYSIS)
    order = listed.oldest_first() if "oldest" in url else listed.newest_first()
    expected = list(order.values_list("pk", flat=True))
    pages = ids_on_each_page(client, url, -(-len(expected) // 20))
    assert [pk for page in pages for pk in page] == expected
    assert Take.objects.get(status=Status.DRAFT).pk not in expected


def test_the_first_page_of_the_take_list_reads_no_ids_of_its_own(client, archive):
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get("/takes/")
    id_reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "archive_take"."id" AS')]
    assert len(id_reads) == 1  # the facets' read of the newest ids; the page is a slice of them


@pytest.mark.parametrize("limit", [1, 3, 7, 61])
def test_an_experts_newest_positions_ranked_by_window_equal_order_by_limit(archive, limit):
    for expert in archive.experts:
        expected = list(
            Position.objects.published()
            .filter(take__authorships__expert=expert)
            .order_by(F("take__published").desc(nulls_last=True), "-take_id", "question_id")
            .values_list("pk", flat=True)[:limit]
        )
        found = [p.pk for p in newest_positions_of(expert.pk, limit)]
        assert found == expected, expert
        assert found


def test_the_expert_page_shows_the_same_stances_over_time(client, archive, monkeypatch):
    from archive.views import experts

    monkeypatch.setattr(experts, "POSITIONS_SHOWN", 4)
    expert = archive.experts[0]
    response = client.get(expert.get_absolute_url())
    shown = [p.pk for entry in response.context["sections"].stances for p in entry.positions]
    newest = list(
        Position.objects.published()
        .filter(take__authorships__expert=expert)
        .order_by(F("take__published").desc(nulls_last=True), "-take_id", "question_id")
        .values_list("pk", flat=True)[:4]
    )
    assert sorted(shown) == sorted(newest)
    assert response.context["sections"].more_positions
