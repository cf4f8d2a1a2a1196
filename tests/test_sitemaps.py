"""Sitemaps in sections (split in pages for large sections) and /robots.txt; drafts never listed."""

import xml.etree.ElementTree as ET

import pytest

from archive.models import Status
from archive.opendata import sitemaps
from tests.factories import CollectionFactory, ExpertFactory, QuestionFactory, QuoteFactory, TakeFactory, ThemeFactory

pytestmark = pytest.mark.django_db
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locations(client, url: str, tag: str = "url") -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own sitemap)
    return [element.findtext(f"{NS}loc") for element in root.findall(f"{NS}{tag}")]


@pytest.fixture
def world():
    w = type("World", (), {})()
    w.theme, w.empty_theme = ThemeFactory(slug="tagged"), ThemeFactory(slug="untagged")
    w.series = CollectionFactory(slug="series")
    w.takes = [TakeFactory(slug=f"take-{n}") for n in range(5)]
    w.takes[0].themes.add(w.theme)
    w.takes[0].collection = w.series
    w.takes[0].save()
    w.hidden = ExpertFactory(slug="only-in-drafts")
    w.draft = TakeFactory(
        slug="secret", status=Status.DRAFT, authors=[w.hidden], collection=CollectionFactory(slug="draft-series")
    )
    w.draft.themes.add(w.empty_theme)
    w.quotes = [QuoteFactory(take=w.takes[1], speaker=None), QuoteFactory(take=w.takes[2], speaker=None)]
    w.secret_quote = QuoteFactory(take=w.draft, speaker=None)
    QuestionFactory(slug="disarm")
    return w


def test_the_index_lists_every_section(client, world):
    sections = locations(client, "/sitemap.xml", "sitemap")
    assert [loc.rsplit("/", 1)[1] for loc in sections] == [
        f"sitemap-{name}.xml"
        for name in ("takes", "quotes", "experts", "questions", "outlets", "collections", "themes")
    ]


def test_sections_list_public_pages_only(client, world):
    takes = locations(client, "/sitemap-takes.xml")
    assert len(takes) == 5 and all(loc.startswith("http://testserver/takes/take-") for loc in takes)
    assert "secret" not in "".join(takes)
    experts = locations(client, "/sitemap-experts.xml")
    assert len(experts) == 5 and "only-in-drafts" not in "".join(experts)
    assert locations(client, "/sitemap-collections.xml") == ["http://testserver/collections/series/"]
    assert locations(client, "/sitemap-themes.xml") == ["http://testserver/themes/tagged/"]
    assert locations(client, "/sitemap-questions.xml") == ["http://testserver/questions/disarm/"]
    assert len(locations(client, "/sitemap-outlets.xml")) == 5


def test_a_large_section_is_split_in_pages(client, world, monkeypatch):
    monkeypatch.setattr(sitemaps.TakeSitemap, "limit", 2)
    index = locations(client, "/sitemap.xml", "sitemap")
    pages = [loc for loc in index if "sitemap-takes.xml" in loc]
    assert [loc.rsplit("/", 1)[1] for loc in pages] == [
        "sitemap-takes.xml",
        "sitemap-takes.xml?p=2",
        "sitemap-takes.xml?p=3",
    ]
    seen = [loc for page in (1, 2, 3) for loc in locations(client, f"/sitemap-takes.xml?p={page}")]
    assert len(seen) == len(set(seen)) == 5
    assert client.get("/sitemap-takes.xml?p=9").status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_robots_txt_points_to_the_sitemap(client, world):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text


# Committed writes: inside a PostgreSQL transaction that has written, nothing is kept.
@pytest.mark.django_db(transaction=True)
def test_a_kept_sitemap_keeps_its_headers(client, world, settings):
    settings.PAGE_CACHE = True
    first = client.get("/sitemap-takes.xml")
    second = client.get("/sitemap-takes.xml")
    assert second["X-Page-Cache"] == "hit"
    for header in ("Content-Type", "X-Robots-Tag", "Last-Modified"):
        assert second[header] == first[header], header


def test_each_published_quote_has_its_page_in_the_sitemap(client, world):
    quotes = locations(client, "/sitemap-quotes.xml")
    assert quotes == [f"http://testserver/quotes/{quote.pk}/" for quote in world.quotes]
    assert f"/quotes/{world.secret_quote.pk}/" not in "".join(quotes)
    assert all(client.get(loc).status_code == 200 for loc in quotes)
