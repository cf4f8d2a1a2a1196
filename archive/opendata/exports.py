"""CSV and JSON downloads of the reading lists: every matching row, in the page's order, streamed.

``/takes/export.csv`` (or ``.json``) takes the take list's parameters, ``/quotes/export.csv`` the
quote list's (words included), ``/experts/export.csv`` the expert list's (with a question: one row
per stance and expert, grouped by stance), ``/questions/<slug>/positions.csv`` a question's
positions. Parameters are read by the pages' own FilterSets, so a bad one is ignored exactly as on
the page; the JSON's ``notices`` say what was ignored. ``sort`` orders as on the page, except that
``relevance`` ranks at most the 1,000 newest matches (as the page does, archive/search/results.py).
The downloads are never kept by the page cache (streamed, ``not_kept``).
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from archive.cache import not_kept
from archive.filters import ExpertFilter, QuoteFilter, TakeFilter
from archive.filters.base import ResolvingFilterSet
from archive.models import Expert, ExpertStance, Position, Question, Quote, Take
from archive.opendata import rows
from archive.opendata.streaming import download
from archive.search.results import by_date


def absolute_urls(request: HttpRequest):
    """Absolute URLs on this request's host, the host read once (not once per row)."""
    base = request.build_absolute_uri("/")[:-1]
    return lambda path: base + path


def head(filterset: ResolvingFilterSet) -> dict:
    """The JSON download's first keys: the filters applied (normalised) and what was ignored."""
    applied: dict[str, list[str]] = {}
    for name, value in filterset.canonical_params():
        applied.setdefault(name, []).append(value)
    return {"filters": applied, "notices": filterset.notices}


@not_kept
@require_safe
def take_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    filterset = TakeFilter(request.GET, queryset=Take.objects.published())
    takes = rows.take_rows(filterset.qs, absolute_urls(request))
    return download(fmt, "takes", head(filterset), "takes", rows.TAKE_COLUMNS, takes)


def ordered_quotes(filterset: QuoteFilter) -> QuerySet:
    """The quote list's rows in its order (archive/search/views.py): ranked by the search, or by
    date (the search's own ties when searching; the browsing list's otherwise)."""
    quotes, q, sort = filterset.qs, filterset.query, filterset.sort_order
    if q and sort == "relevance":
        return quotes.by_relevance(q)
    if q:
        return by_date(quotes.search(q), "take__published", sort)
    return by_date(quotes, "take__published", sort, "take_id", "order", "pk")


@not_kept
@require_safe
def quote_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    filterset = QuoteFilter(request.GET, queryset=Quote.objects.published())
    quotes = rows.quote_rows(ordered_quotes(filterset), absolute_urls(request))
    return download(fmt, "quotes", head(filterset), "quotes", rows.QUOTE_COLUMNS, quotes)


def holders(filterset: ExpertFilter) -> QuerySet:
    """Who holds the chosen question's stances among the listed experts, grouped by stance (in the
    question's order), by name within a stance. With an outlet or theme, the stance must be held in
    a take that meets them, as on the page."""
    data = filterset.data_cleaned
    held = ExpertStance.objects.on(data["question"][0].pk, [s.pk for s in data.get("stance") or []])
    held = held.filter(expert__in=filterset.qs.values("pk"))
    if not filterset.by_summary:
        takes = filterset.takes(exclude=("question", "stance"))
        held = held.filter(
            Exists(
                Position.objects.filter(
                    stance=OuterRef("stance"), take__in=takes.values("pk"), take__authorships__expert=OuterRef("expert")
                )
            )
        )
    return held.order_by("stance__position", "stance_id", "expert__sort_name", "expert__name", "expert_id")


@not_kept
@require_safe
def expert_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    filterset = ExpertFilter(request.GET, queryset=Expert.objects.public())
    absolute = absolute_urls(request)
    if filterset.data_cleaned.get("question"):
        found = rows.holder_rows(holders(filterset), absolute)
        return download(fmt, "experts-by-stance", head(filterset), "holders", rows.HOLDER_COLUMNS, found)
    experts = filterset.qs.order_by("sort_name", "name", "pk")
    return download(
        fmt, "experts", head(filterset), "experts", rows.EXPERT_COLUMNS, rows.expert_rows(experts, absolute)
    )


@not_kept
@require_safe
def position_export(request: HttpRequest, slug: str, fmt: str) -> StreamingHttpResponse:
    """Every published position on a question: by stance (the question's order), newest takes first."""
    question = get_object_or_404(Question, slug=slug)
    positions = (
        Position.objects.published()
        .filter(question=question)
        .order_by("stance__position", "stance_id", F("take__published").desc(nulls_last=True), "-take_id")
    )
    found = rows.position_rows(positions, absolute_urls(request))
    return download(
        fmt, f"{question.slug}-positions", {"question": question.text}, "positions", rows.POSITION_COLUMNS, found
    )
