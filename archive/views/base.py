"""What every reading page shares: rendering with a title and description, the query parameters
that links carry, and the canonical query string."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from archive.filters.base import MAX_VALUES
from archive.search.query import MAX_QUERY_CHARS

SITE = "Hanoi Summit archive"


def page(request: HttpRequest, template: str, title: str, description: str, **context) -> HttpResponse:
    """Render a reading page with its title and meta description (used for OpenGraph too)."""
    context.update(title=title, description=" ".join(description.split())[:300])
    context["notices"] = [notice for notice in context.get("notices", []) if notice]
    return render(request, template, context)


def link_params(request: HttpRequest, filterset) -> QueryDict:
    """The query parameters that facet and chip links carry: the filter's own keys only, each value
    and each list capped, so a huge or junk query string is never copied into every link."""
    params = QueryDict(mutable=True)
    for key in request.GET:
        if key in filterset.filters:
            params.setlist(key, [value[:MAX_QUERY_CHARS] for value in request.GET.getlist(key)[:MAX_VALUES]])
    return params


def canonical_query(params: list[tuple[str, str]], page_obj=None) -> str:
    if page_obj is not None and page_obj.number > 1:
        params = [*params, ("page", str(page_obj.number))]
    return urlencode(params)


def active_labels(active: list[tuple[str, str]], most: int | None = None) -> str:
    """The labels of the filters in force, for a page's title and description."""
    return "; ".join(label for label, _ in active[:most])
