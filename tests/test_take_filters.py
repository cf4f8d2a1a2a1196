"""/takes/: each filter narrows alone and in combination, and facet counts match the results."""

import datetime

import pytest

from archive.models import DatePrecision, Status, TakeKind
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


def titles(client, query: str = "") -> set[str]:
    response = client.get("/takes/" + query)
    assert response.status_code == 200
    return {take.title for take in response.context["page_obj"]}


def facet(response, name: str) -> dict[str, int]:
    """label -> count of one facet's choices (for the stance facet, stance labels only)."""
    for f in response.context["facets"]:
        if f.name == name:
            return {c.label: c.count for group in f.groups for c in group.choices}
    raise AssertionError(f"no facet {name}")


@pytest.fixture
def world():
    """Four published takes and a draft, spread over experts, outlets, themes, stances and dates."""
    w = type("World", (), {})()
    w.ann, w.bob, w.cy = (ExpertFactory(name=n, slug=n.lower(), sort_name=n) for n in ("Ann", "Bob", "Cy"))
    w.times, w.blog = PublicationFactory(name="Times", slug="times"), PublicationFactory(name="Blog", slug="blog")
    w.sanctions, w.china = ThemeFactory(name="Sanctions", slug="sanctions"), ThemeFactory(name="China", slug="china")
    w.series = CollectionFactory(title="Series", slug="series", publication=w.times)
    w.disarm = QuestionFactory(slug="disarm", short_label="Disarm")
    w.no, w.maybe = (
        StanceFactory(question=w.disarm, slug="no", label="No"),
        StanceFactory(question=w.disarm, slug="maybe", label="Maybe"),
    )
    w.other_q = QuestionFactory(slug="other")
    w.other_no = StanceFactory(question=w.other_q, slug="no", label="Other no")

    w.t1 = TakeFactory(
        title="One", authors=[w.ann], publication=w.times, kind=TakeKind.OP_ED, published=datetime.date(2019, 2, 20)
    )
    w.t1.themes.set([w.sanctions, w.china])
    PositionFactory(take=w.t1, stance=w.no)
    w.t2 = TakeFactory(
        title="Two",
        authors=[w.ann, w.bob],
        publication=w.blog,
        collection=w.series,
        published=datetime.date(2019, 3, 5),
    )
    w.t2.themes.set([w.sanctions])
    PositionFactory(take=w.t2, stance=w.maybe)
    PositionFactory(take=w.t2, stance=w.other_no)
    w.t3 = TakeFactory(
        title="Three",
        authors=[w.cy],
        publication=w.times,
        collection=w.series,
        published=datetime.date(2019, 3, 1),
        date_precision=DatePrecision.MONTH,
        summary="Yongbyon closure matters",
    )
    w.t3.themes.set([w.china])
    PositionFactory(take=w.t3, stance=w.no)
    w.t4 = TakeFactory(title="Four", authors=[w.bob], publication=None, published=None)
    w.draft = TakeFactory(
        title="Draft", authors=[w.ann], publication=w.times, status=Status.DRAFT, published=datetime.date(2019, 3, 2)
    )
    w.draft.themes.set([w.sanctions])
    PositionFactory(take=w.draft, stance=w.no)
    return w


def test_it_lists_published_takes_only(client, world):
    assert titles(client) == {"One", "Two", "Three", "Four"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?q=yongbyon", {"Three"}),
        ("?expert=ann", {"One", "Two"}),
        ("?expert=ann&expert=cy", {"One", "Two", "Three"}),
        ("?publication=times", {"One", "Three"}),
        ("?publication=times&publication=blog", {"One", "Two", "Three"}),
        ("?question=disarm", {"One", "Two", "Three"}),
        ("?question=disarm&stance=no", {"One", "Three"}),
        ("?question=other&stance=no", {"Two"}),
        ("?theme=sanctions", {"One", "Two"}),
        ("?theme=sanctions&theme=china", {"One", "Two", "Three"}),
        ("?theme=sanctions&theme=china&theme_mode=any", {"One", "Two", "Three"}),
        ("?theme=sanctions&theme=china&theme_mode=all", {"One"}),
        ("?kind=op-ed", {"One"}),
        ("?collection=series", {"Two", "Three"}),
        ("?date_from=2019-03-01", {"Two", "Three"}),
        ("?date_to=2019-02-28", {"One"}),
        ("?date_from=2019-03-02&date_to=2019-03-31", {"Two", "Three"}),  # "March 2019" overlaps
        ("?date_from=2019-03-06", {"Three"}),  # a month-precision take matches any day of its month
        ("?date_from=2019-04-01", set()),
    ],
)
def test_each_filter_alone_narrows_the_takes(client, world, query, expected):
    assert titles(client, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?expert=ann&publication=times", {"One"}),
        ("?expert=ann&theme=sanctions&date_from=2019-03-01", {"Two"}),
        ("?question=disarm&stance=no&collection=series", {"Three"}),
        ("?publication=times&theme=china&theme_mode=all&kind=analysis", {"Three"}),
        ("?expert=bob&question=disarm", {"Two"}),
        ("?expert=cy&publication=blog", set()),
    ],
)
def test_filters_combine(client, world, query, expected):
    assert titles(client, query) == expected


def test_sorting_newest_oldest_and_undated_last(client, world):
    newest = [t.title for t in client.get("/takes/?sort=newest").context["page_obj"]]
    oldest = [t.title for t in client.get("/takes/?sort=oldest").context["page_obj"]]
    assert newest == ["Two", "Three", "One", "Four"]
    assert oldest == ["One", "Three", "Two", "Four"]


def test_relevance_ranks_title_matches_first_and_is_the_default_with_words(client, world):
    TakeFactory(title="Older Yongbyon deal", published=datetime.date(2019, 1, 1))
    response = client.get("/takes/?q=yongbyon")
    assert response.context["filter"].sort_order == "relevance"
    assert [t.title for t in response.context["page_obj"]] == ["Older Yongbyon deal", "Three"]


def test_relevance_without_words_falls_back_to_newest_with_a_notice(client, world):
    response = client.get("/takes/?sort=relevance")
    assert [t.title for t in response.context["page_obj"]][0] == "Two"
    assert any("relevance" in notice for notice in response.context["notices"])


def test_facet_counts_give_what_each_choice_would_give_under_the_other_filters(client, world):
    response = client.get("/takes/?publication=times")
    # Experts facet: counted within the Times takes.
    assert facet(response, "expert") == {"Ann": 1, "Cy": 1}
    # Publication facet ignores its own filter: what each outlet would give instead.
    assert facet(response, "publication") == {"Times": 2, "Blog": 1}
    assert facet(response, "theme") == {"China": 2, "Sanctions": 1}
    assert facet(response, "stance") == {"No": 2}
    assert facet(response, "kind") == {"Op-ed": 1, "Analysis": 1}
    assert facet(response, "collection") == {"Series": 1}


MULTI = ("expert", "publication", "theme")


def test_every_facet_count_matches_the_results_its_link_gives(client, world):
    """Follow each facet link from a filtered page: the page it gives holds exactly the count shown."""
    for start in ("?publication=times", "?theme=sanctions", "?expert=ann&theme_mode=all&theme=china", ""):
        response = client.get("/takes/" + start)
        for f in response.context["facets"]:
            for group in f.groups:
                for choice in [group.choice, *group.choices]:
                    if choice is None or choice.count is None or choice.selected or f.name in MULTI:
                        continue  # a multi-value facet's choice adds to an OR: checked below
                    followed = client.get("/takes/" + choice.url)
                    assert followed.context["page_obj"].paginator.count == choice.count, (start, f.name, choice)


def test_multi_value_facet_counts_equal_the_takes_with_that_value_alone(client, world):
    response = client.get("/takes/?publication=times&theme=sanctions")
    for label, count in facet(response, "expert").items():
        slug = label.lower()
        assert len(titles(client, f"?publication=times&theme=sanctions&expert={slug}")) == count


def test_selected_single_value_counts_equal_the_result_count(client, world):
    response = client.get("/takes/?kind=analysis&collection=series")
    total = response.context["page_obj"].paginator.count
    assert facet(response, "kind")["Analysis"] == total
    assert facet(response, "collection")["Series"] == total


def test_all_themes_mode_counts_within_the_current_results(client, world):
    response = client.get("/takes/?theme=sanctions&theme_mode=all")
    assert facet(response, "theme") == {"Sanctions": 2, "China": 1}
    assert titles(client, "?theme=sanctions&theme=china&theme_mode=all") == {"One"}


def test_drafts_are_absent_from_facet_counts(client, world):
    response = client.get("/takes/")
    assert facet(response, "expert")["Ann"] == 2
    assert facet(response, "theme")["Sanctions"] == 2
    assert facet(response, "stance")["No"] == 2
    assert "Draft" not in response.content.decode()


def test_a_chosen_value_stays_listed_with_a_link_that_removes_it(client, world):
    response = client.get("/takes/?expert=cy&publication=blog")
    experts = {
        c.label: c for g in next(f for f in response.context["facets"] if f.name == "expert").groups for c in g.choices
    }
    assert experts["Cy"].selected and experts["Cy"].count == 0
    assert "expert=cy" not in experts["Cy"].url and "publication=blog" in experts["Cy"].url
    active = dict(response.context["active"])
    assert "expert=cy" not in active["Expert: Cy"] and "publication=blog" in active["Expert: Cy"]


def test_facet_links_reset_the_page(client, world):
    response = client.get("/takes/?page=1&publication=times")
    for f in response.context["facets"]:
        for group in f.groups:
            for choice in group.choices:
                assert "page=" not in choice.url


def test_the_canonical_link_keeps_valid_filters_only(client, world):
    html = client.get("/takes/?expert=ann&expert=nobody&date_from=2019-13-45").content.decode()
    assert '<link rel="canonical" href="http://testserver/takes/?expert=ann">' in html
