"""Outlets, collections and themes: the outlet list, and one page for any of them with its takes."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Model, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from archive import cache
from archive.db import data_version
from archive.filters.querystrings import canonical_query
from archive.models import Appearance, Collection, Publication, Status, Theme
from archive.opendata import links
from archive.pagination import paginate
from archive.reading import take_cards
from archive.timeline import take_volume
from archive.views.base import page


@require_safe
def publication_list(request: HttpRequest) -> HttpResponse:
    publications = Publication.objects.annotate(
        take_count=Count("takes", filter=Q(takes__status=Status.PUBLISHED))
    ).filter(take_count__gt=0)
    return page(
        request,
        "archive/publication_list.html",
        "Outlets",
        "The newspapers, magazines, think tanks and blogs whose takes on the Hanoi summit the archive holds.",
        publications=publications,
    )


@dataclass(frozen=True)
class Listing:
    """A page that shows one outlet, collection or theme and its published takes, newest first."""

    model: type[Model]
    name: str  # the object's name in the template, and the take filter that selects its takes
    noun: str  # what the reader calls it
    title: Any  # obj -> the page title
    description: Any  # obj -> the meta description when the object has none of its own
    more: Any = None  # obj -> more context for its page
    related: tuple[str, ...] = ()  # what to fetch with the object (select_related)
    chart: bool = False  # whether the page shows its takes over time (archive/timeline.py)

    @property
    def template(self) -> str:
        return f"archive/{self.name}_detail.html"


def publication_collections(publication: Publication) -> dict:
    return {
        "collections": publication.collections.annotate(
            take_count=Count("takes", filter=Q(takes__status=Status.PUBLISHED))
        ).filter(take_count__gt=0),
        # takes first published elsewhere that this outlet republished, syndicated or translated
        "appearances": list(
            Appearance.objects.published()
            .filter(publication=publication)
            .select_related("take", "take__publication")
            .order_by(F("take__published").desc(nulls_last=True), "take_id")[:APPEARANCES_SHOWN]
        ),
    }


#: An outlet page lists at most this many takes it republished.
APPEARANCES_SHOWN = 50


OUTLET = Listing(
    Publication,
    "publication",
    "outlet",
    title=lambda outlet: outlet.name,
    description=lambda outlet: outlet.description or f"Takes on the Hanoi summit published by {outlet.name}.",
    more=publication_collections,
    chart=True,
)
COLLECTION = Listing(
    Collection,
    "collection",
    "collection",
    title=lambda collection: collection.title,
    description=lambda collection: (
        collection.description or collection.prompt or f"Takes in the collection {collection.title}."
    ),
    related=("publication",),
)
THEME = Listing(
    Theme,
    "theme",
    "theme",
    title=lambda theme: f"Theme: {theme.name}",
    description=lambda theme: theme.description or f"Takes on the Hanoi summit about {theme.name.lower()}.",
)


@require_safe
def listing_detail(request: HttpRequest, slug: str, listing: Listing) -> HttpResponse:
    objects = listing.model.objects
    obj = get_object_or_404(objects.select_related(*listing.related) if listing.related else objects, slug=slug)
    page_obj, notice = paginate(request, obj.takes.published().newest_first())
    volume = None
    if listing.chart:
        volume = cache.kept(
            f"{listing.name} volume",
            obj.pk,
            lambda: take_volume(listing.name, "Takes over time", obj.takes.published()),
            version=data_version.for_request(request),
        )
    return page(
        request,
        listing.template,
        listing.title(obj),
        listing.description(obj),
        **{listing.name: obj},
        **(listing.more(obj) if listing.more else {}),
        page_obj=page_obj,
        cards=take_cards(page_obj),
        volume=volume,
        filter_query=f"{listing.name}={obj.slug}",
        notices=[notice],
        canonical_query=canonical_query([], page_obj),
        open_data=links.listing(listing.name, obj.slug, f"this {listing.noun}"),
    )
