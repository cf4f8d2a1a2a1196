"""Every reading page does a fixed number of queries, measured at two sizes of archive.

The small archive has 3 takes; the large one 30 (more than a page of 20), each take with three
authors, three quotes, three stances, themes and a response. A page that ran a query per row
would need many more at the larger size; the same ceiling must hold at both.
"""

import pytest

from tests.archive_data import build_archive

pytestmark = pytest.mark.django_db


def urls(archive) -> dict[str, tuple[str, int]]:
    """name -> (url, the most queries the page may make)."""
    question = archive.questions[0]
    stance = archive.stances[question.pk][1]
    expert, other = archive.experts[1], archive.experts[2]
    everything = (
        f"?q=Take&expert={expert.slug}&expert={other.slug}&publication={archive.publications[1].slug}"
        f"&question={question.slug}&stance={stance.slug}&theme={archive.themes[0].slug}&kind=analysis"
        f"&collection={archive.collection.slug}&date_from=2019-01-01&date_to=2019-12-31&sort=oldest"
    )
    return {
        # The first request after a write (the counts below) reads the data version, which keys the
        # whole-page cache (archive/cache.py); a repeated request makes that one query alone
        # (tests/test_page_cache.py). Pages of take cards read the page's ids apart from its rows.
        "home": ("/", 11),  # totals and splits from the kept counts (archive/db/totals.py, stance_dates.py)
        # The six facets' counts are one statement (archive/filters/facets.py, run_together): five
        # fewer than when each facet had its own query; and in date order the first pages are slices
        # of the ids the facets read (FacetCounts.newest): one fewer again.
        "takes": ("/takes/", 8),  # +1: these takes over time, kept per set of filters
        # Every filter: each facet's takes differ (all filters but its own), and each set of ids is
        # read once (at most six, and the page's own), instead of a subquery in every facet query.
        # +2: these takes over time; with words, +1 for the cards' matching passages (issue 15)
        "takes, every filter": ("/takes/" + everything, 23),
        "takes, all-themes mode": (
            f"/takes/?theme={archive.themes[0].slug}&theme={archive.themes[1].slug}&theme_mode=all",
            9,
        ),
        # Opposing takes (issue 15): the stated oppositions, then the nearest before and after its date.
        "take": (f"/takes/{archive.takes[-1].slug}/", 18),  # + appearances, predictions
        # ... and (issue 15) the menus' counts: the newest takes' ids once per distinct base, and the
        # four menus counted in one statement (no longer the listed experts' ids: one query less).
        "experts": ("/experts/", 13),
        # Read from the who-holds-what table (archive/stances.py): the groups in one windowed query.
        # ... and one more for the data version (the sections are kept against it: test_page_cache.py).
        "experts by question": (f"/experts/?question={question.slug}", 17),
        # A chosen menu is not counted: the question and stance share one base, the outlet and theme another.
        "experts by question and stance": (f"/experts/?question={question.slug}&stance={stance.slug}", 17),
        "experts by stance and more": (
            f"/experts/?question={question.slug}&stance={stance.slug}&publication={archive.publications[0].slug}"
            f"&theme={archive.themes[0].slug}&organization=Institute%201&letter=E",
            12,  # every menu chosen: nothing to count
        ),
        # +1: stance per phase; +2: the prediction record (issue 20)
        "expert": (f"/experts/{archive.experts[0].slug}/", 17),
        "questions": ("/questions/", 4),
        # One more than before the who-holds-what table: how many experts hold each stance (the page
        # lists the first 30 of each and links to the rest), instead of loading every position.
        # ... and one for the data version: a repeated request reads the split and groups from the cache.
        "question": (f"/questions/{question.slug}/", 9),  # +2: over time by stance, who changed their mind
        "outlets": ("/publications/", 2),
        # +1: over time; +1: the takes it republished (issue 20)
        "outlet": (f"/publications/{archive.publications[0].slug}/", 11),
        "collection": (f"/collections/{archive.collection.slug}/", 8),
        "theme": (f"/themes/{archive.themes[0].slug}/", 8),
        # The questions, their stances, the outlets; and the data version that keys the whole-page
        # cache (archive/cache.py): a repeated request makes that one query alone.
        # ... and (issue 15) the stated oppositions between stances.
        "about": ("/about/", 5),
    }


PAGES = [
    "home",
    "takes",
    "takes, every filter",
    "takes, all-themes mode",
    "take",
    "experts",
    "experts by question",
    "experts by question and stance",
    "experts by stance and more",
    "expert",
    "questions",
    "question",
    "outlets",
    "outlet",
    "collection",
    "theme",
    "about",
]


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("page", PAGES)
def test_it_keeps_each_pages_query_count_fixed_whatever_the_archive_size(
    client, django_assert_max_num_queries, size, page
):
    archive = build_archive(size)
    url, ceiling = urls(archive)[page]
    with django_assert_max_num_queries(ceiling):
        response = client.get(url)
    assert response.status_code == 200
    if page in (
        "takes",
        "take",
        "expert",
        "outlet",
        "experts by question",
        "experts by question and stance",
        "question",
    ):
        html = response.content.decode()
        assert html.count('class="take-card"') + html.count('class="holder"') >= 1  # measured with rows shown


def test_the_large_archive_really_fills_a_page(client):
    archive = build_archive(30)
    response = client.get("/takes/")
    assert response.context["page_obj"].paginator.count == 30
    assert len(response.context["page_obj"]) == 20
    assert archive.draft.title not in response.content.decode()
