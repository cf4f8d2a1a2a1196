"""Citation downloads and the formatted citation page of a take or a quote, and /robots.txt."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from archive.cache import not_kept
from archive.models import Quote, Take, TakeAuthor
from archive.opendata import citations
from archive.views.base import page


def _byline(take_id: int) -> list:
    rows = TakeAuthor.objects.filter(take_id=take_id).select_related("expert").order_by("order", "id")
    return [row.expert for row in rows]


def take_citation(request: HttpRequest, slug: str) -> tuple[Take, dict]:
    take = get_object_or_404(Take.objects.published().select_related("publication"), slug=slug)
    permalink = request.build_absolute_uri(take.get_absolute_url())
    return take, citations.take_item(take, _byline(take.pk), permalink, timezone.localdate())


def quote_citation(request: HttpRequest, pk: int) -> tuple[Quote, dict]:
    quote = get_object_or_404(Quote.objects.published().select_related("take", "take__publication", "speaker"), pk=pk)
    permalink = request.build_absolute_uri(citations.quote_path(quote))
    return quote, citations.quote_item(quote, _byline(quote.take_id), permalink, timezone.localdate())


def citation_file(item: dict, fmt: str) -> HttpResponse:
    if fmt not in citations.FORMATS:
        raise Http404("No such citation format.")
    content_type, extension = citations.FORMATS[fmt]
    if fmt == "bib":
        body = citations.bibtex(item)
    elif fmt == "ris":
        body = citations.ris(item)
    else:
        body = json.dumps([item], ensure_ascii=False, indent=2) + "\n"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{item["id"]}.{extension}"'
    return response


# The access date is today's: citations are never kept by the page cache (a kept copy would carry
# the day it was built).


@not_kept
@require_safe
def take_cite_file(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    return citation_file(take_citation(request, slug)[1], fmt)


@not_kept
@require_safe
def quote_cite_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    return citation_file(quote_citation(request, pk)[1], fmt)


def files(name: str, **kwargs) -> list[tuple[str, str]]:
    """(label, URL) of each citation download."""
    labels = {"bib": "BibTeX", "ris": "RIS", "json": "CSL-JSON"}
    return [(label, reverse(name, kwargs={**kwargs, "fmt": fmt})) for fmt, label in labels.items()]


def cite_page(request: HttpRequest, what: str, work, item: dict, downloads: list, back: str) -> HttpResponse:
    return page(
        request,
        "archive/cite.html",
        f"Cite {what}: {work}",
        f"How to cite {what} “{item['title']}”: APA and Chicago, BibTeX, RIS and CSL-JSON.",
        what=what,
        item=item,
        references=citations.formatted(item),
        downloads=downloads,
        back=back,
    )


@not_kept
@require_safe
def take_cite(request: HttpRequest, slug: str) -> HttpResponse:
    take, item = take_citation(request, slug)
    downloads = files("take_cite_file", slug=take.slug)
    return cite_page(request, "this take", take.title, item, downloads, take.get_absolute_url())


@not_kept
@require_safe
def quote_cite(request: HttpRequest, pk: int) -> HttpResponse:
    quote, item = quote_citation(request, pk)
    downloads = files("quote_cite_file", pk=quote.pk)
    text = quote.text if len(quote.text) <= 60 else quote.text[:59] + "…"
    return cite_page(request, "this quote", f"“{text}”", item, downloads, citations.quote_path(quote))


@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("sitemap_index"))
    return render(request, "robots.txt", {"sitemap": sitemap}, content_type="text/plain; charset=utf-8")
