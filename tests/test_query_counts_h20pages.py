"""The comparison, the agreement matrix and the pages that gained charts and phases (issue 20)
make a fixed number of queries, whatever the number of experts compared, the size of the matrix or
the size of the archive."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.archive_data import build_archive

pytestmark = pytest.mark.django_db


def compare_url(archive, n: int) -> str:
    return "/compare/?" + "&".join(f"experts={expert.slug}" for expert in archive.experts[:n])


#: (name, url builder, most queries). Each counts the data version read by the page cache.
PAGES = [
    # the experts (1), their newest position per stance (2: the ids, then those rows), the questions
    # (1), responses between them (1), and the data version (1)
    ("compare 1", lambda a: compare_url(a, 1), 6),
    ("compare 2", lambda a: compare_url(a, 2), 6),
    ("compare 6", lambda a: compare_url(a, 6), 6),
    ("compare 6 and unknown ones", lambda a: compare_url(a, 8) + "&experts=nobody", 6),
    ("compare, nobody", lambda a: "/compare/", 1),
    # the top N (1), the pairs' agreement (1), the pairs' responses (1), the data version (1)
    ("agreement 2", lambda a: "/agreement/?n=2", 4),
    ("agreement 8", lambda a: "/agreement/?n=8", 4),
    ("agreement default", lambda a: "/agreement/", 4),
    ("agreement, bad n", lambda a: "/agreement/?n=lots", 4),
    ("question with changes", lambda a: a.questions[0].get_absolute_url(), 9),
    ("expert with phases", lambda a: a.experts[0].get_absolute_url(), 17),  # + the prediction record
    ("take list by question", lambda a: f"/takes/?question={a.questions[1].slug}", 17),
]


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize(("name", "url", "ceiling"), PAGES, ids=[page[0] for page in PAGES])
def test_each_new_page_makes_a_fixed_number_of_queries(client, django_assert_max_num_queries, size, name, url, ceiling):
    archive = build_archive(size)
    with django_assert_max_num_queries(ceiling):
        response = client.get(url(archive))
    assert response.status_code == 200


def test_the_comparison_costs_the_same_for_one_expert_as_for_six(client):
    archive = build_archive(12)
    counts = []
    for n in (1, 2, 6):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(compare_url(archive, n)).status_code == 200
        counts.append(len(captured.captured_queries))
    # One expert has no one to answer: the responses' query is skipped.
    assert counts[0] + 1 == counts[1] == counts[2], counts
