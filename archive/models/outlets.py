"""Outlets: the publications that carry takes, and the collections (series of takes) they run."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse

from archive.models.checks import choice_check
from archive.models.takes import Status, Take
from archive.models.text import TEXT


class PublicationKind(models.TextChoices):
    NEWSPAPER = "newspaper", "Newspaper"
    MAGAZINE = "magazine", "Magazine"
    THINK_TANK = "think-tank", "Think tank"
    BLOG = "blog", "Blog"
    BROADCASTER = "broadcaster", "Broadcaster"
    NEWS_AGENCY = "news-agency", "News agency"
    JOURNAL = "journal", "Journal"
    GOVERNMENT = "government", "Government"
    OTHER = "other", "Other"


class PublicationQuerySet(models.QuerySet):
    def with_published_takes(self) -> PublicationQuerySet:
        """Outlets with at least one published take (EXISTS: an index probe per outlet)."""
        return self.filter(Exists(Take.objects.filter(publication=OuterRef("pk"), status=Status.PUBLISHED)))


class Publication(models.Model):
    """An outlet: a newspaper, magazine, think tank or blog that publishes takes."""

    name = models.CharField(max_length=200, validators=TEXT)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=PublicationKind, default=PublicationKind.OTHER)
    homepage = models.URLField(max_length=500, blank=True, validators=TEXT)
    country = models.CharField(max_length=100, blank=True, validators=TEXT)
    description = models.TextField(blank=True, validators=TEXT)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"], name="publication_name_idx")]
        constraints = [choice_check("kind", PublicationKind, "publication_kind_valid")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("publication_detail", args=[self.slug])


class Collection(models.Model):
    """A named series of takes, e.g. a publication's set of answers to one prompt question."""

    title = models.CharField(max_length=300, validators=TEXT)
    slug = models.SlugField(max_length=100, unique=True)
    prompt = models.TextField(
        blank=True, help_text="The question the collection asked its contributors.", validators=TEXT
    )
    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, null=True, blank=True, related_name="collections"
    )
    url = models.URLField(max_length=500, blank=True, validators=TEXT)
    description = models.TextField(blank=True, validators=TEXT)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("collection_detail", args=[self.slug])
