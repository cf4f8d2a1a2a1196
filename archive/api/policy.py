"""The API's policies, as REST_FRAMEWORK (archive/settings.py) names them: the format, the
throttle, the pages, and the 400 answer for bad parameters.

The response depends on the URL alone (the format is chosen by ``?format=``, never by the
``Accept`` header), so the whole-page cache (archive/cache.py), which keys by URL and data
version, can keep API responses like any public page. (This module imports nothing of DRF's
views: DRF reads these classes while it builds them.)
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import InvalidPage
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import AnonRateThrottle

from archive.pagination import PER_PAGE, Paginator

MAX_PAGE_SIZE = 100


class BadParameters(APIException):
    """400: the query string asks for something the archive cannot give (body: ``detail``, ``errors``)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_parameters"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__()
        self.detail = {"detail": "Bad parameters: nothing was listed (see errors).", "errors": errors}


class FormatByURL(DefaultContentNegotiation):
    """The renderer named by ``?format=`` (``json``, or ``api`` for the browsable pages), JSON when
    none is named: never chosen by ``Accept``, so one URL always gives the same body."""

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) or renderers[0].format
        for renderer in renderers:
            if renderer.format == wanted:
                return renderer, renderer.media_type
        names = ", ".join(renderer.format for renderer in renderers)
        raise BadParameters({"format": [f"Unknown format; use one of {names}."]})


class ApiThrottle(AnonRateThrottle):
    """Requests per client address, at ``API_THROTTLE_RATE`` (settings, from the environment;
    empty turns it off). Read at each request, so tests and deployments can change it."""

    def get_rate(self) -> str | None:
        return settings.API_THROTTLE_RATE or None


class Pages(PageNumberPagination):
    """``?page=`` (from 1) and ``?page_size=`` (up to 100), over the archive's paginator: a page's
    ids first, then its rows, so a deep page costs what the first does (archive/pagination.py)."""

    page_size = PER_PAGE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    django_paginator_class = Paginator

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "The page, from 1 (a page past the end: 404).",
                "schema": {"type": "integer", "minimum": 1, "maximum": 10**9},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, from 1 to {self.max_page_size} ({self.page_size} when not given).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise BadParameters({"page_size": [f"A whole number from 1 to {self.max_page_size}."]})
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param, "1")
        if not raw.isdigit() or not 1 <= int(raw) <= 10**9:
            raise BadParameters({"page": ["A page number: a whole number from 1."]})
        page_size = self.get_page_size(request)
        paginator = self.django_paginator_class(queryset, page_size)
        try:
            self.page = paginator.page(int(raw))
        except InvalidPage:
            raise NotFound(f"There is no page {raw}: the list has {paginator.num_pages}.") from None
        self.request = request
        return list(self.page)
