"""Atom and RSS 2.0 feeds of the take lists and the quote search (Django's syndication framework).

A feed is its page's filters (the same FilterSets: ``/takes/feed/?question=…&stance=…``), newest
first, the ``FEED_ITEMS`` newest entries, drafts never. An unknown or malformed parameter is
ignored as on the page, and the feed's subtitle says so. The pages that hold one thing (an expert,
a question, an outlet, a collection, a theme) have the feed of their takes: the take list's feed
under that one filter.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.syndication.views import Feed
from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.http import urlencode

from archive.filters import QuoteFilter, TakeFilter
from archive.models import Collection, Expert, Publication, Question, Quote, Take, Theme
from archive.opendata.citations import quote_path
from archive.search.results import by_date
from archive.views.base import SITE, active_labels

FEED_ITEMS = 50
#: The single-thing pages whose feed is the take list under one filter: the filter's name -> the
#: things that have a page (as their pages look them up: an expert seen only in drafts has none).
LISTINGS = {
    "expert": lambda: Expert.objects.public(),
    "question": lambda: Question.objects.all(),
    "publication": lambda: Publication.objects.all(),
    "collection": lambda: Collection.objects.all(),
    "theme": lambda: Theme.objects.all(),
}
#: Where each one's page lives: URL prefix -> listing (the feed's URL is ``<prefix>/<slug>/feed/``).
LISTING_PREFIXES = {
    "experts": "expert",
    "questions": "question",
    "publications": "publication",
    "collections": "collection",
    "themes": "theme",
}


#: What XML 1.0 cannot hold: control characters but tab and line breaks, lone surrogates, U+FFFE/F.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """``value`` (a string, or a list or tuple of them) without what XML cannot hold: a reader's
    words echoed in a title, or text pasted into a take, never breaks the feed."""
    if isinstance(value, str):
        return NOT_XML.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(xml_safe(item) for item in value)
    return value


class XmlSafe:
    """A feed generator whose feed and entries' texts are ``xml_safe``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.feed = {key: xml_safe(value) for key, value in self.feed.items()}

    def add_item(self, *args, **kwargs) -> None:
        super().add_item(*args, **kwargs)
        self.items[-1] = {key: xml_safe(value) for key, value in self.items[-1].items()}


class Atom(XmlSafe, Atom1Feed):
    pass


class Rss(XmlSafe, Rss201rev2Feed):
    pass


@dataclass
class Source:
    """What one feed shows: its title, the page it follows, and its entries."""

    title: str
    link: str
    subtitle: str
    items: list = field(default_factory=list)


def with_guids(request: HttpRequest, items: list, url) -> list:
    """Each entry's id: its absolute permalink (the feed object is shared by every request, so the
    request's host travels on the items)."""
    for item in items:
        item.feed_guid = request.build_absolute_uri(url(item))
    return items


def at_midnight(day: datetime.date | None) -> datetime.datetime | None:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC) if day else None


def subtitle(what: str, notices: list[str]) -> str:
    ignored = " ".join(notice for notice in notices if notice)
    return f"The newest {FEED_ITEMS} {what}, newest first." + (f" {ignored}" if ignored else "")


def page_link(path: str, filterset) -> str:
    """The page a feed follows: ``path`` with the filters in force, normalised (the feed's id)."""
    params = [(name, value) for name, value in filterset.canonical_params() if name != "sort"]
    return path + ("?" + urlencode(params) if params else "")


def take_source(request: HttpRequest, params: QueryDict, title: str = "", link: str = "") -> Source:
    """The take list's feed under ``params``; ``title`` and ``link`` name one thing's page."""
    filterset = TakeFilter(params, queryset=Take.objects.published())
    takes = list(filterset.filtered().newest_first().with_related()[:FEED_ITEMS])
    active = filterset.active(QueryDict())
    if active and not title:
        title = "Takes: " + active_labels(active, 3)
    return Source(
        title=f"{title or 'Takes'} · {SITE}",
        link=link or page_link(reverse("take_list"), filterset),
        subtitle=subtitle("takes", filterset.notices),
        items=with_guids(request, takes, Take.get_absolute_url),
    )


class TakeFeed(Feed):
    """/takes/feed/ (Atom): the take list's filters, newest first."""

    feed_type = Atom
    author_name = SITE

    def get_object(self, request: HttpRequest, **kwargs) -> Source:
        return take_source(request, request.GET)

    def title(self, obj: Source) -> str:
        return obj.title

    def link(self, obj: Source) -> str:
        return obj.link

    def subtitle(self, obj: Source) -> str:
        return obj.subtitle

    description = subtitle  # RSS calls it the description

    def items(self, obj: Source) -> list:
        return obj.items

    def item_title(self, take: Take) -> str:
        return take.title

    def item_description(self, take: Take) -> str:
        where = f"{take.publication.name}, " if take.publication else ""
        return f"{where}{take.date_display}. {take.summary or take.standfirst}".strip()

    def item_author_name(self, take: Take) -> str | None:
        return ", ".join(a.expert.name for a in take.authorships.all()) or None

    def item_pubdate(self, take: Take) -> datetime.datetime | None:
        return at_midnight(take.published)

    def item_updateddate(self, take: Take) -> datetime.datetime:
        return take.updated

    def item_categories(self, take: Take) -> list[str]:
        return [take.publication.name] if take.publication else []

    def item_guid(self, item) -> str:
        return item.feed_guid  # the permalink, set by ``with_guids``


class ListingFeed(TakeFeed):
    """/experts/<slug>/feed/, /questions/<slug>/feed/, /publications/…, /collections/…, /themes/…:
    the takes of one thing (404 when there is no such thing)."""

    def get_object(self, request: HttpRequest, slug: str = "", listing: str = "") -> Source:
        obj = get_object_or_404(LISTINGS[listing](), slug=slug)
        params = QueryDict(mutable=True)
        params[listing] = obj.slug
        return take_source(request, params, f"Takes: {obj}", obj.get_absolute_url())


class QuoteFeed(TakeFeed):
    """/quotes/feed/ (Atom): the quote list's filters and words, newest takes' quotes first."""

    def get_object(self, request: HttpRequest, **kwargs) -> Source:
        filterset = QuoteFilter(request.GET, queryset=Quote.objects.published())
        quotes = filterset.qs.search(filterset.query) if filterset.query else filterset.qs
        newest = by_date(quotes, "take__published", "newest", "-take_id", "order", "pk")
        return Source(
            title=f"Quotes{': “' + filterset.query + '”' if filterset.query else ''} · {SITE}",
            link=page_link(reverse("quote_list"), filterset),
            subtitle=subtitle("quotes", filterset.notices),
            items=with_guids(
                request,
                list(newest.select_related("speaker", "take", "take__publication").with_take_authors()[:FEED_ITEMS]),
                quote_path,
            ),
        )

    def item_title(self, quote: Quote) -> str:
        text = quote.text if len(quote.text) <= 100 else quote.text[:99] + "…"
        return f"{quote.speaker.name if quote.speaker else 'Unattributed'}: “{text}”"

    def item_link(self, quote: Quote) -> str:
        return quote_path(quote)

    def item_description(self, quote: Quote) -> str:
        return f"“{quote.text}” Quoted in {quote.take.title} ({quote.take.date_display})."

    def item_author_name(self, quote: Quote) -> str | None:
        if quote.speaker:
            return quote.speaker.name
        return ", ".join(a.expert.name for a in quote.take.authorships.all()) or None

    def item_pubdate(self, quote: Quote) -> datetime.datetime | None:
        return at_midnight(quote.take.published)

    def item_updateddate(self, quote: Quote) -> datetime.datetime:
        return quote.take.updated

    def item_categories(self, quote: Quote) -> list[str]:
        return [quote.take.publication.name] if quote.take.publication else []


class TakeRss(TakeFeed):
    feed_type = Rss


class ListingRss(ListingFeed):
    feed_type = Rss


class QuoteRss(QuoteFeed):
    feed_type = Rss
