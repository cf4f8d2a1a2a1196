"""Sitemaps (Django's sitemaps framework): every public page that holds one thing.

``/sitemap.xml`` is an index of sections, one per kind; a section holds at most ``LIMIT`` URLs
and longer sections are split in pages (``/sitemap-takes.xml?p=2``), so 100,000 takes make ten
pages of ~1 s each to build (then kept by the page cache until the next write). Drafts never
appear; nor do experts seen only in drafts, nor outlets, collections and themes without a
published take. Each quote of a published take has its page (``/quotes/<id>/``), in pages of
``LIMIT`` like the takes (a million quotes: a hundred pages).

Items are plain values (slug, and the take's last change), their URLs built from the pattern once
(``rows.path_of``), and the sections render through a Jinja2 template (``archive/sitemap.xml``):
a page of 40,000 takes as model instances, ``reverse()`` each and Django's sitemap template took
~12 s (6 s as it is now: hence pages of 10,000); the index asked every take for its date to find
the latest (10 s; now one aggregate).
"""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, F, Max, OuterRef

from archive.models import Collection, Expert, Publication, Question, Quote, Status, Take, Theme
from archive.opendata.rows import path_of, quote_path

LIMIT = 10_000
TEMPLATE = "archive/sitemap.xml"


class ArchiveSitemap(Sitemap):
    limit = LIMIT
    url_name = ""

    def location(self, item: dict) -> str:
        return path_of(self.url_name, item["slug"])


class TakeSitemap(ArchiveSitemap):
    url_name = "take_detail"
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Take.objects.published().order_by("pk").values("slug", "updated")

    def lastmod(self, take: dict):
        return take["updated"]

    def get_latest_lastmod(self):
        return Take.objects.published().aggregate(latest=Max("updated"))["latest"]


class QuoteSitemap(ArchiveSitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return Quote.objects.published().order_by("pk").values("id", updated=F("take__updated"))

    def location(self, quote: dict) -> str:
        return quote_path(quote["id"])

    def lastmod(self, quote: dict):
        return quote["updated"]

    def get_latest_lastmod(self):
        return Take.objects.published().filter(quotes__isnull=False).aggregate(latest=Max("updated"))["latest"]


class ExpertSitemap(ArchiveSitemap):
    url_name = "expert_detail"

    def items(self):
        return Expert.objects.public().order_by("pk").values("slug")


class QuestionSitemap(ArchiveSitemap):
    url_name = "question_detail"
    priority = 0.7

    def items(self):
        return Question.objects.order_by("pk").values("slug")


def with_published_takes(model):
    """The outlets, collections or themes that have a published take (an index probe each)."""
    if model is Theme:
        tagged = Take.themes.through.objects.filter(theme=OuterRef("pk"), take__status=Status.PUBLISHED)
        return Theme.objects.filter(Exists(tagged)).order_by("pk").values("slug")
    field = {Publication: "publication", Collection: "collection"}[model]
    takes = Take.objects.filter(status=Status.PUBLISHED, **{field: OuterRef("pk")})
    return model.objects.filter(Exists(takes)).order_by("pk").values("slug")


class OutletSitemap(ArchiveSitemap):
    url_name = "publication_detail"

    def items(self):
        return with_published_takes(Publication)


class CollectionSitemap(ArchiveSitemap):
    url_name = "collection_detail"

    def items(self):
        return with_published_takes(Collection)


class ThemeSitemap(ArchiveSitemap):
    url_name = "theme_detail"

    def items(self):
        return with_published_takes(Theme)


SITEMAPS = {
    "takes": TakeSitemap,
    "quotes": QuoteSitemap,
    "experts": ExpertSitemap,
    "questions": QuestionSitemap,
    "outlets": OutletSitemap,
    "collections": CollectionSitemap,
    "themes": ThemeSitemap,
}
