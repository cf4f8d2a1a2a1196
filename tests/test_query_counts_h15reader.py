"""Query-count pins for the pages issue 15 added or changed, at two sizes of archive (as
tests/test_query_counts.py): a quote's page, /takes/?q= with its snippets and spelling suggestion,
the theme exclusion, and experts by stance with the reason for each row."""

import pytest

from archive.models import Position, Quote
from tests.archive_data import build_archive

pytestmark = pytest.mark.django_db


def urls(archive) -> dict[str, tuple[str, int]]:
    question = archive.questions[0]
    quote = Quote.objects.filter(take=archive.takes[-1]).order_by("pk").first()
    return {
        # The data version; the quote with its take, outlet and speaker; the speaker's affiliations;
        # the take's positions; its authors; the other quotes' ids, and their four card queries.
        "quote": (f"/quotes/{quote.pk}/", 10),
        # /takes/ with words: the page's queries, the matching passages (one), and when nothing
        # matches the spelling suggestion (two).
        "takes, words": ("/takes/?q=Take", 16),
        "takes, misspelt words": ("/takes/?q=numbr", 15),
        # /quotes/: the menus' counts come with the page: the newest quotes' ids, then two queries
        # (their takes, speakers and outlets; the takes' positions and themes) for the five menus.
        "takes, theme left out": (f"/takes/?theme_not={archive.themes[0].slug}", 13),
        "quotes, theme left out": (f"/quotes/?theme_not={archive.themes[0].slug}", 16),
        "quotes, question chosen": (f"/quotes/?question={question.slug}", 16),
        # The stance groups, one query for the summaries of rows without an evidence quote, and the
        # menus' counts (the newest takes' ids per distinct base, one statement for the menus).
        "experts by question": (f"/experts/?question={question.slug}", 19),
        "search": ("/search/?q=Take", 14),
        "home": ("/", 13),  # + takes over time (issue 20)
    }


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize(
    "name",
    [
        "quote",
        "takes, words",
        "takes, misspelt words",
        "takes, theme left out",
        "quotes, theme left out",
        "quotes, question chosen",
        "experts by question",
        "search",
        "home",
    ],
)
def test_the_new_and_changed_pages_keep_their_query_count_at_any_size(
    client, django_assert_max_num_queries, size, name
):
    archive = build_archive(size)
    # Half the positions lose their evidence: those rows show the summary's first sentence instead.
    Position.objects.filter(pk__in=list(Position.objects.values_list("pk", flat=True)[::2])).update(evidence=None)
    url, ceiling = urls(archive)[name]
    with django_assert_max_num_queries(ceiling):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    if name == "quote":
        assert 'class="quote-card"' in html  # measured with the speaker's other quotes shown
    if name == "experts by question":
        assert html.count('class="holder-why"') >= 1
    if name == "takes, misspelt words":
        assert "Did you mean" in html
