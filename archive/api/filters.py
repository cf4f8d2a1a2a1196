"""The API's filters: the pages' own FilterSets (archive/filters/) through django-filter's DRF
backend, strict where the pages are forgiving.

A page ignores a bad value with a notice; the API answers 400 with a JSON body naming each
problem (``BadParameters``), so a client never mistakes an ignored filter for an empty result.
Each view then orders the filtered rows and adds what its serializer shows (``view.rows``).
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from archive.api.policy import BadParameters
from archive.filters.base import SLUG_RE, ResolvingFilterSet, SlugsFilter
from archive.filters.takes import TakeFilterForm
from archive.models import Position, Question


def problems(filterset: ResolvingFilterSet) -> dict[str, list[str]]:
    """Each invalid parameter with its messages; ``parameters`` holds the notices a page would show
    (an unknown slug, a stance without its question, a query cut short, dates swapped...)."""
    errors = {name: [str(message) for message in messages] for name, messages in filterset.errors.items()}
    errors.pop("__all__", None)
    notices = filterset.form.notices
    if filterset.form.errors.get("__all__"):
        notices = [*notices, *filterset.form.errors["__all__"]]
    if notices:
        errors["parameters"] = [str(notice) for notice in notices]
    return errors


class ReadingFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend with the view's ``filterset_class`` (a ``ResolvingFilterSet``) on lists only."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) != "list":
            return queryset  # a detail is looked up by its id or slug alone
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        found = problems(filterset)
        if found:
            raise BadParameters(found)
        return view.ordered(filterset)


class PositionFilterForm(TakeFilterForm):
    """A question and, within it, its stances: resolved as the take list resolves them."""

    rows = "positions"
    lookups = {"question": TakeFilterForm.lookups["question"]}


class PositionFilter(ResolvingFilterSet):
    """Positions (a take's stance on a question) by question and stance: the question page's split
    as rows. The API's own filter: no page lists positions on their own."""

    question = SlugsFilter(many=False, method="filter_question", label="Question")
    stance = SlugsFilter(many=False, method="filter_stance", label="Stance")  # within the question, if given

    order_only = ()

    class Meta:
        model = Position
        fields: list[str] = []
        form = PositionFilterForm

    def filter_question(self, queryset, name, value: list[Question]):
        return queryset.filter(question=value[0])

    def filter_stance(self, queryset, name, value):
        return queryset.filter(stance__in=value)


# The slug filters are documented as one slug each (a repeated ``expert=a&expert=b`` is read as
# the page reads it): django-filter's own introspection cannot see through their form field.
extend_schema_field({"type": "string", "pattern": SLUG_RE.pattern})(SlugsFilter)
