"""Sitemaps (Django's sitemaps framework): every public page that holds one thing.

``/sitemap.xml`` is an index of sections, one per kind; a section holds at most ``LIMIT`` URLs
and longer sections are split in pages (``/sitemap-takes.xml?p=2``), so 100,000 takes make
three pages. Drafts never appear; nor do experts seen only in drafts, nor outlets, collections
and themes without a published take. Quotes have no page of their own on this branch (a quote is
read at its place on its take's page, an anchor, which is not a sitemap entry).
"""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef

from archive.models import Collection, Expert, Publication, Question, Status, Take, Theme

LIMIT = 40_000


class ArchiveSitemap(Sitemap):
    limit = LIMIT

    def location(self, item) -> str:
        return item.get_absolute_url()


class TakeSitemap(ArchiveSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Take.objects.published().order_by("pk").only("slug", "updated")

    def lastmod(self, take: Take):
        return take.updated


class ExpertSitemap(ArchiveSitemap):
    def items(self):
        return Expert.objects.public().order_by("pk").only("slug")


class QuestionSitemap(ArchiveSitemap):
    priority = 0.7

    def items(self):
        return Question.objects.order_by("pk").only("slug")


def with_published_takes(model):
    takes = Take.objects.filter(status=Status.PUBLISHED)
    if model is Theme:
        tagged = Take.themes.through.objects.filter(theme=OuterRef("pk"), take__status=Status.PUBLISHED)
        return model.objects.filter(Exists(tagged)).order_by("pk").only("slug")
    field = {Publication: "publication", Collection: "collection"}[model]
    return model.objects.filter(Exists(takes.filter(**{field: OuterRef("pk")}))).order_by("pk").only("slug")


class OutletSitemap(ArchiveSitemap):
    def items(self):
        return with_published_takes(Publication)


class CollectionSitemap(ArchiveSitemap):
    def items(self):
        return with_published_takes(Collection)


class ThemeSitemap(ArchiveSitemap):
    def items(self):
        return with_published_takes(Theme)


SITEMAPS = {
    "takes": TakeSitemap,
    "experts": ExpertSitemap,
    "questions": QuestionSitemap,
    "outlets": OutletSitemap,
    "collections": CollectionSitemap,
    "themes": ThemeSitemap,
}
