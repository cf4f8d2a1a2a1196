"""The API's pages make a fixed number of queries, at two sizes of archive (3 and 30 takes, each
with three authors, quotes, stances, themes and a response): a query per row would show.

Counted on a cold request (the cache emptied): the first query reads the data version for the
whole-page cache (archive/cache.py); a repeated request makes that one alone.
"""

import pytest

from archive import cache
from tests.archive_data import build_archive

pytestmark = pytest.mark.django_db


def urls(archive) -> dict[str, tuple[str, int]]:
    """name -> (url, the most queries it may make)."""
    question = archive.questions[0]
    stance = archive.stances[question.pk][1]
    take = archive.takes[0]
    every_take_filter = (
        f"?q=Take&expert={archive.experts[1].slug}&publication={archive.publications[1].slug}"
        f"&question={question.slug}&stance={stance.slug}&theme={archive.themes[0].slug}&kind=analysis"
        f"&collection={archive.collection.slug}&date_from=2019-01-01&date_to=2019-12-31&sort=oldest"
    )
    return {
        "root": ("/api/v1/", 1),
        # version, count, page ids, rows, authors, positions, headline quotes, themes (+ quotes: 9)
        "takes": ("/api/v1/takes/", 9),
        "takes, every filter": ("/api/v1/takes/" + every_take_filter, 16),
        "takes, ranked search": ("/api/v1/takes/?q=Take", 11),
        "quotes": ("/api/v1/quotes/", 4),
        "quotes, ranked search": ("/api/v1/quotes/?q=words", 6),
        "quotes, filters": (f"/api/v1/quotes/?speaker={archive.experts[0].slug}&question={question.slug}", 7),
        "experts": ("/api/v1/experts/", 5),
        "experts by stance": (f"/api/v1/experts/?question={question.slug}&stance={stance.slug}", 7),
        "publications": ("/api/v1/publications/", 4),
        "collections": ("/api/v1/collections/", 4),
        "themes": ("/api/v1/themes/", 4),
        "questions": ("/api/v1/questions/", 5),
        "positions": ("/api/v1/positions/", 4),
        "positions by question": (f"/api/v1/positions/?question={question.slug}&stance={stance.slug}", 5),
        "responses": ("/api/v1/responses/", 4),
        "take": (f"/api/v1/takes/{take.slug}/", 8),
        "quote": (f"/api/v1/quotes/{take.quotes.first().pk}/", 2),
        "expert": (f"/api/v1/experts/{archive.experts[0].slug}/", 3),
        "question": (f"/api/v1/questions/{question.slug}/", 3),
        "position": (f"/api/v1/positions/{take.positions.first().pk}/", 2),
        "response": (f"/api/v1/responses/{take.responses.first().pk}/", 2),
        "publication": (f"/api/v1/publications/{archive.publications[0].slug}/", 2),
        "collection": (f"/api/v1/collections/{archive.collection.slug}/", 2),
        "theme": (f"/api/v1/themes/{archive.themes[0].slug}/", 2),
    }


@pytest.mark.parametrize("size", [3, 30])
def test_every_api_page_makes_a_fixed_number_of_queries(client, settings, django_assert_max_num_queries, size):
    settings.API_THROTTLE_RATE = ""
    archive = build_archive(size)
    for name, (url, most) in urls(archive).items():
        cache.clear()
        with django_assert_max_num_queries(most, info=name):
            response = client.get(url)
        assert response.status_code == 200, (name, response.content[:200])
