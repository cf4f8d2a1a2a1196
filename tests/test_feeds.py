"""Atom and RSS feeds of the take lists and the quote search: valid, filtered as the page, no drafts."""

import datetime
import xml.etree.ElementTree as ET

import feedparser
import pytest

from archive.models import Status
from tests.factories import (
    ExpertFactory,
    PositionFactory,
    PublicationFactory,
    QuoteFactory,
    StanceFactory,
    TakeFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world():
    w = type("World", (), {})()
    w.ann = ExpertFactory(name="Ann Lee", slug="ann", sort_name="Lee, Ann")
    w.times = PublicationFactory(name="Times & Co", slug="times")
    w.theme = ThemeFactory(slug="sanctions")
    w.no = StanceFactory(slug="no", question__slug="disarm")
    w.old = TakeFactory(title="Old <take>", published=datetime.date(2019, 1, 1), authors=[w.ann], publication=w.times)
    w.new = TakeFactory(title="New take", published=datetime.date(2019, 3, 2), summary="Kim walked away.")
    w.undated = TakeFactory(title="Undated take", published=None)
    w.draft = TakeFactory(title="Secret draft", status=Status.DRAFT, authors=[w.ann], publication=w.times)
    PositionFactory(take=w.old, stance=w.no)
    PositionFactory(take=w.draft, stance=w.no)
    w.old.themes.add(w.theme)
    w.draft.themes.add(w.theme)
    QuoteFactory(take=w.old, text="We walked away.", speaker=w.ann)
    QuoteFactory(take=w.draft, text="Secret words.", speaker=w.ann)
    return w


def parsed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    feed = feedparser.parse(response.content)
    assert not feed.bozo, (url, feed.bozo_exception)
    return response, feed


def assert_valid_atom(content: bytes) -> ET.Element:
    """RFC 4287's required elements: the feed's id, title and updated; each entry's id, title and
    updated, and an author on the entry or on the feed."""
    root = ET.fromstring(content)  # noqa: S314 (our own feed)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{name}") or "").strip(), name
    feed_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        assert feed_author or entry.find(f"{ATOM}author/{ATOM}name") is not None
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
    return root


def test_the_take_feed_is_valid_atom_newest_first_without_drafts(client, world):
    response, feed = parsed(client, "/takes/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    assert_valid_atom(response.content)
    assert [e.title for e in feed.entries] == ["New take", "Old <take>", "Undated take"]
    old = feed.entries[1]
    assert old.author == "Ann Lee"
    assert old.link == "http://testserver/takes/" + world.old.slug + "/"
    assert old.id == old.link
    assert "Times & Co" in old.summary
    assert old.published.startswith("2019-01-01")
    assert "Secret" not in response.content.decode()


def test_the_take_feed_keeps_the_page_filters(client, world):
    _, feed = parsed(client, "/takes/feed/?question=disarm&stance=no")
    assert [e.title for e in feed.entries] == ["Old <take>"]
    _, feed = parsed(client, "/takes/feed/?theme=sanctions&expert=ann&publication=times")
    assert [e.title for e in feed.entries] == ["Old <take>"]
    _, feed = parsed(client, "/takes/feed/?q=walked")
    assert [e.title for e in feed.entries] == ["New take"]


def test_bad_parameters_are_ignored_with_a_notice_in_the_subtitle(client, world):
    for query in ("?expert=nobody", "?date_from=yesterday", "?stance=%00", "?sort=sideways&page=x", "?kind=nope"):
        response, feed = parsed(client, "/takes/feed/" + query)
        assert len(feed.entries) == 3, query
    _, feed = parsed(client, "/takes/feed/?q=" + "x" * 5000)  # cut, as on the page, and searched
    assert "characters long" in feed.feed.subtitle
    _, feed = parsed(client, "/takes/feed/?expert=nobody&expert=ann&utm_source=x")
    assert "nobody" in feed.feed.subtitle
    assert feed.feed.id == feed.feed.link == "http://testserver/takes/?expert=ann"  # the filters in force


@pytest.fixture
def refusal_lifted(db):
    """Rows stored before migration 0014 may hold control characters (every write refuses them now):
    the database's refusal is lifted for the test, inside its transaction, before any row is written."""
    from django.db import connection

    from archive.db import clean_text

    clean_text.uninstall(connection)


def test_control_characters_never_break_a_feed(refusal_lifted, client, world):
    TakeFactory(title="Bell\x07 and \x0b tab", summary="Escape\x1b")  # PostgreSQL refuses NUL itself
    parsed(client, "/takes/feed/rss/?expert=%1b")
    for url in ("/takes/feed/?q=%08", "/quotes/feed/?q=%08kim", "/takes/feed/"):
        response, feed = parsed(client, url)
        assert_valid_atom(response.content)
    assert "Bell and  tab" in [e.title for e in feed.entries]


def test_the_rss_feed_has_the_same_entries(client, world):
    response, feed = parsed(client, "/takes/feed/rss/?expert=ann")
    assert response["Content-Type"].startswith("application/rss+xml")
    assert feed.version == "rss20"
    assert [e.title for e in feed.entries] == ["Old <take>"]


@pytest.mark.parametrize(
    "url,titles",
    [
        ("/experts/ann/feed/", ["Old <take>"]),
        ("/questions/disarm/feed/", ["Old <take>"]),
        ("/publications/times/feed/", ["Old <take>"]),
        ("/themes/sanctions/feed/", ["Old <take>"]),
    ],
)
def test_each_thing_has_the_feed_of_its_published_takes(client, world, url, titles):
    response, feed = parsed(client, url)
    assert_valid_atom(response.content)
    assert [e.title for e in feed.entries] == titles
    assert client.get(url.replace("/feed/", "/feed/rss/")).status_code == 200
    assert (
        client.get(
            url.replace("ann", "nobody")
            .replace("disarm", "nobody")
            .replace("times", "nobody")
            .replace("sanctions", "nobody")
        ).status_code
        == 404
    )


def test_an_expert_seen_only_in_drafts_has_no_feed(client, world):
    hidden = ExpertFactory(slug="hidden", name="Hidden Person")
    TakeFactory(status=Status.DRAFT, authors=[hidden])
    assert client.get("/experts/hidden/feed/").status_code == 404
    assert client.get("/experts/hidden/feed/rss/").status_code == 404


def test_a_collection_feed(client, world):
    from tests.factories import CollectionFactory

    series = CollectionFactory(slug="series")
    TakeFactory(title="In the series", collection=series)
    _, feed = parsed(client, "/collections/series/feed/")
    assert [e.title for e in feed.entries] == ["In the series"]


def test_the_quote_feed_follows_the_quote_search(client, world):
    response, feed = parsed(client, "/quotes/feed/?q=walked")
    assert_valid_atom(response.content)
    assert len(feed.entries) == 1
    entry = feed.entries[0]
    assert "We walked away." in entry.title and entry.author == "Ann Lee"
    assert entry.link == entry.id and entry.link.startswith("http://testserver/quotes/")
    _, feed = parsed(client, "/quotes/feed/?speaker=ann")
    assert [e.title for e in feed.entries] == [entry.title]  # the draft's quote never
    _, feed = parsed(client, "/quotes/feed/?speaker=nobody&q=%22")
    assert feed.entries is not None


def test_an_empty_feed_is_still_valid(client, world):
    response, feed = parsed(client, "/takes/feed/?q=zzzzunknownword")
    assert feed.entries == []
    assert_valid_atom(response.content)


def test_pages_offer_their_feed_and_a_visible_follow_link(client, world):
    for page, feed_url in [
        ("/takes/?question=disarm&stance=no", "/takes/feed/?question=disarm&amp;stance=no"),
        ("/experts/ann/", "/experts/ann/feed/"),
        ("/questions/disarm/", "/questions/disarm/feed/"),
        ("/publications/times/", "/publications/times/feed/"),
        ("/themes/sanctions/", "/themes/sanctions/feed/"),
        ("/quotes/?q=walked", "/quotes/feed/?q=walked"),
        ("/search/?q=walked", "/quotes/feed/?q=walked"),
    ]:
        html = client.get(page).content.decode()
        assert '<link rel="alternate" type="application/atom+xml"' in html, page
        assert f'href="{feed_url}"' in html, page
        assert "Follow " in html and ">Atom feed</a>" in html, page


# Committed writes: inside a PostgreSQL transaction that has written, nothing is kept.
@pytest.mark.django_db(transaction=True)
def test_a_kept_feed_keeps_its_content_type(client, world, settings):
    settings.PAGE_CACHE = True
    first = client.get("/takes/feed/")
    second = client.get("/takes/feed/")
    assert second["X-Page-Cache"] == "hit"
    assert second["Content-Type"] == first["Content-Type"]
    assert second.content == first.content
