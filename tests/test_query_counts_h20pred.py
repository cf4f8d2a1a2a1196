"""The prediction pages make a fixed number of queries whatever the number of predictions."""

import pytest

from archive.models import Outcome, Prediction, Status, Take
from tests.archive_data import build_archive

pytestmark = pytest.mark.django_db


def add_predictions(takes, each: int) -> None:
    rows = []
    for take in takes:
        quote = take.quotes.first()
        for n in range(each):
            resolved = n % 2 == 0
            rows.append(
                Prediction(
                    take=take,
                    claim=f"Claim {n}",
                    evidence=quote,
                    confidence="medium",
                    order=n,
                    outcome=Outcome.CAME_TRUE if resolved else Outcome.NOT_YET,
                    resolved="2019-10-05" if resolved else None,
                    source_title="Report" if resolved else "",
                    source_date="2019-10-05" if resolved else None,
                    source_url="https://news.example/r" if resolved else "",
                )
            )
    Prediction.objects.bulk_create(rows)


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize(
    "url, ceiling",
    [
        ("/predictions/", 9),
        ("/predictions/?outcome=came-true&horizon_from=2019-01-01&horizon_to=2030-01-01", 9),
        ("expert-filter", 10),
        ("expert-page", 17),  # + stance per phase (issue 20)
        ("take-page", 18),  # + opposing takes (issue 15)
    ],
)
def test_prediction_pages_keep_their_query_count_fixed(client, django_assert_max_num_queries, size, url, ceiling):
    archive = build_archive(size)
    takes = list(Take.objects.filter(status=Status.PUBLISHED))
    add_predictions(takes, 4)
    expert = archive.experts[0]
    take = takes[0]
    url = {
        "expert-filter": f"/predictions/?expert={expert.slug}",
        "expert-page": expert.get_absolute_url(),
        "take-page": take.get_absolute_url(),
    }.get(url, url)
    with django_assert_max_num_queries(ceiling):
        response = client.get(url)
    assert response.status_code == 200
