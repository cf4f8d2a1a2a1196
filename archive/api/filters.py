"""The API's filters: the pages' own FilterSets (archive/filters/) through django-filter's DRF
backend, strict where the pages are forgiving.

A page ignores a bad value with a notice; the API answers 400 with a JSON body naming each
problem (``BadParameters``), so a client never mistakes an ignored filter for an empty result.
Each view then orders the filtered rows and adds what its serializer shows (``view.rows``).
"""

from __future__ import annotations

import re

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field

from archive.api.policy import BadParameters
from archive.filters.base import SLUG_RE, ResolvingFilterSet, SlugsFilter
from archive.filters.takes import TakeFilterForm
from archive.models import Position, Question

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def malformed(filterset: ResolvingFilterSet) -> dict[str, list[str]]:
    """Values the schema forbids that a page's form would read leniently or drop: an empty or
    malformed slug, a date not written YYYY-MM-DD, a value outside a list of choices."""
    errors: dict[str, list[str]] = {}
    for name, flt in filterset.filters.items():
        for raw in filterset.data.getlist(name):
            if isinstance(flt, SlugsFilter) and not SLUG_RE.match(raw):
                message = "Not a slug: letters, digits, hyphens and underscores, at most 100."
            elif isinstance(flt, django_filters.DateFilter) and not ISO_DATE.fullmatch(raw):
                message = "Not a date written YYYY-MM-DD."
            elif isinstance(flt, django_filters.ChoiceFilter) and raw not in dict(flt.extra["choices"]):
                message = f"Not one of {', '.join(dict(flt.extra['choices']))}."
            else:
                continue
            errors.setdefault(name, []).append(message)
    return errors


def problems(filterset: ResolvingFilterSet) -> dict[str, list[str]]:
    """Each invalid parameter with its messages; ``parameters`` holds the notices a page would show
    (an unknown slug, a stance without its question, a query cut short, dates swapped...)."""
    errors = malformed(filterset)
    if errors:
        return errors
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
