"""The API's resources, each a list and a detail (docs/open-data.md "API").

Every queryset starts from what the public pages show (``published()``, ``public()``): a draft,
and anyone seen only in drafts, never appears. Lists take the pages' filters (``filterset_class``:
the pages' own FilterSets through ``ReadingFilterBackend``); ``q`` searches through the one ranked
search path (archive/search/results.py), as /takes/ and /quotes/ do.
"""

from __future__ import annotations

from django.db.models import Prefetch

from archive.api import serializers
from archive.api.filters import PositionFilter
from archive.api.machinery import ReadOnlyViewSet, documented
from archive.filters import ExpertFilter, QuoteFilter, TakeFilter
from archive.models import (
    Collection,
    Expert,
    Position,
    Publication,
    Question,
    Quote,
    Response,
    Status,
    Take,
    Theme,
)
from archive.search.results import by_date, filter_search, order_by_relevance


@documented
class TakeViewSet(ReadOnlyViewSet):
    """Published takes: the /takes/ filters and orders (``q`` ranks by relevance unless ``sort`` says otherwise)."""

    queryset = Take.objects.published()
    serializer_class = serializers.TakeSerializer
    filterset_class = TakeFilter

    def rows(self, queryset):
        return queryset.with_related().prefetch_related(
            "themes", Prefetch("quotes", queryset=Quote.objects.select_related("speaker"))
        )


@documented
class QuoteViewSet(ReadOnlyViewSet):
    """Quotes in published takes: the /quotes/ filters; ``q`` searched and ranked as /quotes/ does."""

    queryset = Quote.objects.published()
    serializer_class = serializers.QuoteSerializer
    filterset_class = QuoteFilter
    lookup_field = "pk"

    def ordered(self, filterset):
        rows, query, order = filterset.qs, filterset.query, filterset.sort_order
        if query and order == "relevance":
            return order_by_relevance(rows, query)
        if query:
            rows = filter_search(rows, query)
        return by_date(rows, "take__published", order, "take_id", "order", "pk")

    def rows(self, queryset):
        return queryset.select_related("speaker", "take")


@documented
class ExpertViewSet(ReadOnlyViewSet):
    """People the public archive shows, by sort name: the /experts/ filters."""

    queryset = Expert.objects.public()
    serializer_class = serializers.ExpertSerializer
    filterset_class = ExpertFilter

    def ordered(self, filterset):
        return filterset.qs.order_by("sort_name", "name", "pk")

    def rows(self, queryset):
        return queryset.prefetch_related("affiliations")


@documented
class PublicationViewSet(ReadOnlyViewSet):
    """Outlets: the list holds those with a published take (as /publications/), by name."""

    queryset = Publication.objects.order_by("name", "pk")
    serializer_class = serializers.PublicationSerializer

    def filter_queryset(self, queryset):
        return queryset.with_published_takes() if self.action == "list" else queryset


@documented
class CollectionViewSet(ReadOnlyViewSet):
    """Collections (series of takes), by title."""

    queryset = Collection.objects.order_by("title", "pk")
    serializer_class = serializers.CollectionSerializer

    def rows(self, queryset):
        return queryset.select_related("publication")


@documented
class ThemeViewSet(ReadOnlyViewSet):
    """Themes (topic tags on takes), by name."""

    queryset = Theme.objects.order_by("name", "pk")
    serializer_class = serializers.ThemeDetailSerializer


@documented
class QuestionViewSet(ReadOnlyViewSet):
    """The debated questions, in the archive's order, with their stances."""

    queryset = Question.objects.order_by("order", "pk")
    serializer_class = serializers.QuestionSerializer

    def rows(self, queryset):
        return queryset.prefetch_related("stances")


@documented
class PositionViewSet(ReadOnlyViewSet):
    """Published takes' stances on the questions, newest take first; by ``question`` and ``stance``."""

    queryset = Position.objects.published()
    serializer_class = serializers.PositionSerializer
    filterset_class = PositionFilter
    lookup_field = "pk"

    def ordered(self, filterset):
        return by_date(filterset.qs, "take__published", "newest", "-take_id", "question__order", "question_id")

    def rows(self, queryset):
        return queryset.select_related("take", "question", "stance", "evidence", "evidence__speaker")


@documented
class ResponseViewSet(ReadOnlyViewSet):
    """How published takes answer other experts, newest take first."""

    queryset = Response.objects.filter(take__status=Status.PUBLISHED)
    serializer_class = serializers.ResponseSerializer
    lookup_field = "pk"

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        return by_date(queryset, "take__published", "newest", "-take_id", "-pk")

    def rows(self, queryset):
        return queryset.select_related("take", "expert", "target_take", "quote", "quote__speaker")


RESOURCES = {
    "takes": TakeViewSet,
    "quotes": QuoteViewSet,
    "experts": ExpertViewSet,
    "publications": PublicationViewSet,
    "collections": CollectionViewSet,
    "themes": ThemeViewSet,
    "questions": QuestionViewSet,
    "positions": PositionViewSet,
    "responses": ResponseViewSet,
}
