"""What every API resource shares: a list and a detail, GET only, looked up by a checked id or
slug, fetched in a fixed number of queries, with its error answers in the schema; a list with
words (``q``) takes a search slot as the search pages do. (The policy classes REST_FRAMEWORK
names, throttle, pages and format: archive/api/policy.py.)"""

from __future__ import annotations

import re

from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound

from archive.search import gate

SLUG_LOOKUP = re.compile(r"[-a-zA-Z0-9_]{1,100}")
ID_LOOKUP = re.compile(r"[1-9][0-9]{0,17}")  # fits a bigint: a longer number is no id, not an overflow


ERROR = inline_serializer(
    "Error",
    fields={
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False),
    },
)


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """A resource's list and detail: GET (and HEAD) only, any other method 405."""

    http_method_names = ["get", "head"]
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"  # checked in get_object: a malformed value is a JSON 404

    def list(self, request, *args, **kwargs):
        """A list with words (``q``) is a search: it holds one of the machine's search slots, as the
        search pages do, and runs unranked (newest first) when none is freed in time
        (archive/search/gate.py); the per-client throttle alone let many addresses rank at once."""
        if not request.query_params.get("q", "").strip():
            return super().list(request, *args, **kwargs)
        with gate.search_slot():
            return super().list(request, *args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset if self.action == "list" else self.rows(queryset)

    def get_object(self):
        value = self.kwargs[self.lookup_field]
        pattern = ID_LOOKUP if self.lookup_field == "pk" else SLUG_LOOKUP
        if not pattern.fullmatch(value):
            raise NotFound("No such resource.")
        return super().get_object()

    def ordered(self, filterset):
        """The filtered rows in the list's order (the FilterSet's own, by default)."""
        return filterset.qs

    def rows(self, queryset):
        """What the serializer shows, fetched in a fixed number of queries for the page."""
        return queryset

    def paginate_queryset(self, queryset):
        return super().paginate_queryset(self.rows(queryset))


def documented(viewset: type[ReadOnlyViewSet]) -> type[ReadOnlyViewSet]:
    """The error answers of list and detail in the schema (400 bad parameters, 404, 429)."""
    responses = {200: viewset.serializer_class, 400: ERROR, 404: ERROR, 429: ERROR}
    return extend_schema_view(
        list=extend_schema(responses=responses),
        retrieve=extend_schema(responses={code: responses[code] for code in (200, 404, 429)}),
    )(viewset)


def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any other path under /api/: a JSON 404, as the resources give."""
    return JsonResponse({"detail": "No such resource: see /api/v1/ for the list."}, status=404)
