"""/search/ (quotes and takes together), /quotes/ (quotes with filters) and /search/help/."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from archive import reading
from archive.cache import not_kept
from archive.db import data_version
from archive.filters import QuoteFilter
from archive.filters.base import sort_named
from archive.filters.querystrings import changed, link_params
from archive.models import Expert, Quote, Take
from archive.opendata import links
from archive.pagination import PER_PAGE, Paginator, walk
from archive.search import backends, gate
from archive.search.query import MAX_QUERY_CHARS, Query, parse
from archive.search.results import SearchPage, by_date, capped_count, search_page, spelling_suggestion

SECTION_SIZE = 5
#: Expert names are suggested for queries of at most this many words.
NAME_WORDS = 4
TABS = ("all", "quotes", "takes")


def bare_takes(queryset: QuerySet) -> QuerySet:
    """A search's takes as the page needs them: what their highlighting reads; ``reading.take_results``
    does the rest."""
    return queryset.only("pk", "title", "summary", "body")


def bare_quotes(queryset: QuerySet) -> QuerySet:
    """A search's quotes as the page needs them: their text; ``reading.quote_cards`` does the rest."""
    return queryset.only("pk", "text")


#: The sort links of /search/ and /quotes/, by the names they have always had. Every order of
#: ``SORTS`` is accepted (``?sort=newest``, ``?sort=oldest``); ``date`` names ``newest``.
SORT_LINKS = ("relevance", "date")


def _sort(request: HttpRequest, default: str = "relevance") -> str:
    """The order the reader asked for (an unknown name gives the default)."""
    return sort_named(request.GET.get("sort")) or default


def _sort_name(order: str) -> str:
    """What the page's sort links call ``order`` (``date`` for newest first)."""
    return next((name for name in SORT_LINKS if sort_named(name) == order), order)


def _raw_query(request: HttpRequest) -> str:
    """The reader's query, cut to what the parser reads (+1 so it still knows it was shortened; the
    page shows the first ``MAX_QUERY_CHARS``): a huge ``q`` is never echoed back into the page's
    links and fields."""
    return request.GET.get("q", "")[: MAX_QUERY_CHARS + 1]


def _similar_experts(experts: QuerySet, text: str) -> list:
    return backends.for_queryset(experts).similar_experts(experts, text)


def _name_text(query: Query) -> str:
    return " ".join(query.plain_words[:NAME_WORDS])


@require_safe
@gate.limited
def search(request: HttpRequest) -> HttpResponse:
    q = _raw_query(request)
    tab = request.GET.get("type", "all")
    tab = tab if tab in TABS else "all"
    sort = _sort(request)
    query = parse(q)
    quotes = Quote.objects.published()
    takes = Take.objects.published()
    params = link_params(request.GET, ("q", "type", "sort"))
    context: dict = {"q": q[:MAX_QUERY_CHARS], "query": query, "tab": tab, "sort": _sort_name(sort)}

    if query.is_searchable:
        per_page = SECTION_SIZE if tab == "all" else PER_PAGE
        page = request.GET.get("page", 1) if tab != "all" else 1
        if tab in ("all", "quotes"):
            quote_page = search_page(quotes, query, sort=sort, page=page, per_page=per_page, prepare=bare_quotes)
            quote_page.cards = reading.quote_cards(quote_page.object_list)
        else:
            quote_page = _counted(quotes, query)
        if tab in ("all", "takes"):
            take_page = search_page(takes, query, sort=sort, page=page, per_page=per_page, prepare=bare_takes)
            take_page.cards = reading.take_results(take_page.object_list)
        else:
            take_page = _counted(takes, query)
        context.update(quote_page=quote_page, take_page=take_page, open_data=links.search(q[:MAX_QUERY_CHARS], sort))
        context["notices"] = [notice for notice in (quote_page.notice, take_page.notice) if notice]
        nothing = not quote_page.count and not take_page.count
        # A name is a few words: a longer query names nobody, and scoring every expert's name
        # against it cost ~0.2 s on SQLite (docs/search.md, "Bounded cost").
        named = query.plain_words and len(query.plain_words) <= NAME_WORDS
        context["experts"] = _similar_experts(Expert.objects.public(), _name_text(query)) if named else []
        if nothing:
            suggestion = spelling_suggestion(quotes, query) or spelling_suggestion(takes, query)
            if suggestion:
                context["suggestion"] = suggestion
                context["suggestion_url"] = reverse("search") + changed(params, q=str(suggestion))
    context["tab_urls"] = {name: changed(params, type=name) for name in TABS}
    context["sort_urls"] = {name: changed(params, sort=name) for name in SORT_LINKS}
    context["page_query"] = changed(params)[1:]
    return render(request, "archive/search.html", context)


def _counted(queryset: QuerySet, query: Query) -> SearchPage:
    """A page with no rows, only the capped count (for the tab that is not shown)."""
    count, capped = capped_count(backends.for_queryset(queryset).filter_matches(queryset, query))
    return SearchPage.empty(query, "relevance", count, capped)


@require_safe
@gate.limited
def quote_list(request: HttpRequest) -> HttpResponse:
    base = Quote.objects.published()
    filterset = QuoteFilter(request.GET, queryset=base)
    filterset.data_version = data_version.for_request(request)
    q, sort, filtered = filterset.query, filterset.sort_order, filterset.qs
    query = parse(q)
    params = link_params(request.GET, filterset.filters)
    if q and not query.is_searchable:
        page = SearchPage.empty(query, sort)
    elif q:
        page = search_page(filtered, query, sort=sort, page=request.GET.get("page"), prepare=bare_quotes)
    else:
        page = _browse(filtered, sort, request.GET.get("page"))
    page.cards = reading.quote_cards(page.object_list)
    context: dict = {
        "q": q,
        "query": query,
        "filter": filterset,
        "menus": filterset.menus(page.candidates),
        "sort": _sort_name(sort),
        "page": page,
        "notices": [*filterset.notices, page.notice],
        "sort_urls": {name: changed(params, sort=name) for name in SORT_LINKS},
        "page_query": changed(params)[1:],
        "open_data": links.quote_list(filterset.canonical_params()),
    }
    if query.is_searchable and not page.count:
        context.update(_no_quotes_found(filterset, query, params))
    context["notices"] = [notice for notice in context["notices"] if notice]
    return render(request, "archive/quote_list.html", context)


def _no_quotes_found(filterset: QuoteFilter, query: Query, params: QueryDict) -> dict:
    """What to offer when no quote matches: the matches without the filters, a respelt query."""
    offers: dict = {}
    base = filterset.queryset
    if filterset.is_filtered:
        unfiltered, capped = capped_count(backends.for_queryset(base).filter_matches(base, query))
        if unfiltered:
            offers["without_filters"] = {
                "count": f"{unfiltered:,}+" if capped else f"{unfiltered:,}",
                "url": reverse("quote_list") + changed(QueryDict(), q=filterset.query),
            }
    suggestion = spelling_suggestion(filterset.qs, query)
    if suggestion:
        offers["suggestion"] = suggestion
        offers["suggestion_url"] = reverse("quote_list") + changed(params, q=str(suggestion))
    return offers


def _browse(queryset: QuerySet, sort: str, raw_page: object) -> SearchPage:
    """Quotes without a search: newest (or oldest) takes first, a capped count, constant queries."""
    count, capped = capped_count(queryset)
    ordered = by_date(queryset, "take__published", sort, "take_id", "order", "pk")
    found, notice = walk(bare_quotes(ordered), raw_page, Paginator(count=count, capped=capped, open_ended=True))
    for quote in found.object_list:
        quote.snippet = None
    return SearchPage.of(found, parse(""), sort, notice)


@not_kept
@require_safe
def search_help(request: HttpRequest) -> HttpResponse:
    return render(request, "archive/search_help.html")
