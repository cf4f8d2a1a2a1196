"""The page, its feed and its download agree: the same takes (and quotes), in the same order.

Filter combinations are drawn from a small archive with ties on dates and undated takes; the
page is walked to its last page. The feed is newest first whatever the page's order (at most
``FEED_ITEMS`` entries), so it is compared with the page sorted newest first. The API
(``/api/v1/takes/``) is walked to its last page too; where the page ignores a bad parameter with a
notice, the API refuses it with a 400 (docs/open-data.md, "API").
"""

import csv
import datetime
import io
import json
import random

import feedparser
import pytest

from archive.models import Status, TakeKind
from tests.factories import (
    CollectionFactory,
    ExpertFactory,
    PositionFactory,
    PublicationFactory,
    QuoteFactory,
    StanceFactory,
    TakeFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def built_afresh(settings):
    """Pages read twice are rebuilt: their context is what is compared."""
    settings.PAGE_CACHE = False


WORDS = ["sanctions", "summit", "walked", "missile", "yongbyon"]


@pytest.fixture
def archive():
    rng = random.Random(16)
    experts = [ExpertFactory(slug=f"e{n}", sort_name=f"E{n}") for n in range(4)]
    outlets = [PublicationFactory(slug=f"p{n}") for n in range(3)]
    themes = [ThemeFactory(slug=f"t{n}") for n in range(3)]
    series = CollectionFactory(slug="series", publication=outlets[0])
    stances = [StanceFactory(slug=f"s{n}", question__slug="q") for n in range(1)]
    stances.append(StanceFactory(slug="s1", question=stances[0].question))
    for n in range(45):
        day = None if n % 11 == 0 else datetime.date(2019, 1, 1) + datetime.timedelta(days=rng.randrange(40))
        take = TakeFactory(
            title=f"Take {n} on the {rng.choice(WORDS)}",
            summary=" ".join(rng.sample(WORDS, 2)),
            authors=rng.sample(experts, rng.choice((1, 1, 2))),
            publication=rng.choice(outlets),
            collection=series if n % 5 == 0 else None,
            kind=rng.choice([TakeKind.ANALYSIS, TakeKind.OP_ED]),
            published=day,
            status=Status.DRAFT if n % 9 == 4 else Status.PUBLISHED,
        )
        take.themes.set(rng.sample(themes, rng.choice((0, 1, 2))))
        if n % 3:
            PositionFactory(take=take, stance=rng.choice(stances))
        for _ in range(rng.choice((0, 1, 2))):
            QuoteFactory(take=take, text=f"{rng.choice(WORDS)} words {n}", speaker=rng.choice(experts))


TAKE_FILTERS = [
    "",
    "expert=e0",
    "expert=e1&expert=e2",
    "question=q",
    "question=q&stance=s1",
    "stance=s0",
    "theme=t0",
    "theme=t0&theme=t1&theme_mode=all",
    "publication=p1&kind=op-ed",
    "collection=series",
    "date_from=2019-01-10&date_to=2019-02-01",
    "q=sanctions&sort=newest",
    "q=summit&sort=oldest",
    "q=walked",
    "sort=oldest&theme=t2",
    "expert=nobody&stance=%00&date_from=bad",
]


def page_slugs(client, path: str, query: str, key: str = "page_obj") -> list[str]:
    slugs, number = [], 1
    while True:
        response = client.get(f"{path}?{query}&page={number}")
        assert response.status_code == 200
        page = response.context[key]
        slugs += [row.slug if hasattr(row, "slug") else row.pk for row in page.object_list]
        if not page.has_next():
            return slugs
        number += 1


def api_slugs(client, query: str) -> list[str] | None:
    """The API's takes for ``query``, every page; ``None`` when it refuses the parameters (400)."""
    slugs, url = [], f"/api/v1/takes/?{query}&page_size=7"
    while url:
        response = client.get(url)
        if response.status_code == 400:
            return None
        assert response.status_code == 200, response.content
        body = response.json()
        slugs += [row["slug"] for row in body["results"]]
        url = body["next"]
    return slugs


def export_rows(client, path: str, query: str, key: str) -> list[dict]:
    response = client.get(f"{path}?{query}")
    return json.loads(b"".join(response.streaming_content))[key]


@pytest.mark.parametrize("query", TAKE_FILTERS)
def test_the_take_page_its_feed_its_download_and_the_api_agree(client, archive, query):
    shown = page_slugs(client, "/takes/", query)
    refused = "nobody" in query  # the last combination: bad values the page ignores, the API refuses
    assert api_slugs(client, query) == (None if refused else shown)
    assert [row["slug"] for row in export_rows(client, "/takes/export.json", query, "takes")] == shown
    raw = b"".join(client.get(f"/takes/export.csv?{query}").streaming_content).decode("utf-8-sig")
    assert [row["slug"] for row in csv.DictReader(io.StringIO(raw))] == shown
    newest = [pair for pair in query.split("&") if not pair.startswith("sort=")] + ["sort=newest"]
    by_date = page_slugs(client, "/takes/", "&".join(newest))
    feed = feedparser.parse(client.get(f"/takes/feed/?{query}").content)
    assert not feed.bozo
    assert [entry.link.rstrip("/").rsplit("/", 1)[1] for entry in feed.entries] == by_date[:50]


QUOTE_FILTERS = [
    "",
    "speaker=e1",
    "q=missile",
    "q=summit&sort=date",
    "q=walked&sort=oldest",
    "publication=p0&sort=oldest",
]


@pytest.mark.parametrize("query", QUOTE_FILTERS)
def test_the_quote_page_and_its_download_agree(client, archive, query):
    shown, number = [], 1
    while True:
        page = client.get(f"/quotes/?{query}&page={number}").context["page"]
        shown += [quote.pk for quote in page.object_list]
        if not page.has_next():
            break
        number += 1
    assert [row["id"] for row in export_rows(client, "/quotes/export.json", query, "quotes")] == shown
    assert shown or "q=" in query
