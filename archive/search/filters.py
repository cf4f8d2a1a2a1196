"""The /quotes/ filters: speaker, publication, question + stance, theme and date range.

Values are slugs and ISO dates, as in the takes list. An unknown or malformed value is left out
(and named to the reader), never an error.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from archive.models import Expert, Publication, Question, Stance, Theme


class QuoteFilter(django_filters.FilterSet):
    speaker = django_filters.ModelChoiceFilter(
        label="Expert or speaker",
        field_name="speaker",
        to_field_name="slug",
        queryset=Expert.objects.public(),  # someone seen only in drafts stays invisible
        empty_label="Anyone",
    )
    publication = django_filters.ModelChoiceFilter(
        label="Publication",
        field_name="take__publication",
        to_field_name="slug",
        queryset=Publication.objects.all(),
        empty_label="Any outlet",
    )
    question = django_filters.ModelChoiceFilter(
        label="Question",
        to_field_name="slug",
        queryset=Question.objects.all(),
        method="filter_question",
        empty_label="Any question",
    )
    stance = django_filters.CharFilter(label="Stance", method="filter_stance")
    theme = django_filters.ModelChoiceFilter(
        label="Theme",
        field_name="take__themes",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        empty_label="Any theme",
    )
    date_from = django_filters.DateFilter(label="From", field_name="take__published", lookup_expr="gte")
    date_to = django_filters.DateFilter(label="To", field_name="take__published", lookup_expr="lte")

    def filter_question(self, queryset: QuerySet, name: str, question: Question) -> QuerySet:
        """Quotes from takes that answer the question; with a stance, from takes holding it."""
        stance_slug = (self.form.cleaned_data.get("stance") or "").strip()
        if stance_slug:
            return queryset.filter(take__positions__question=question, take__positions__stance__slug=stance_slug)
        return queryset.filter(take__positions__question=question)

    def filter_stance(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A stance slug is unique only within its question: it is applied with the question.
        return queryset

    @property
    def stances(self) -> QuerySet:
        return Stance.objects.select_related("question").order_by("question__order", "question_id", "position")

    @property
    def ignored(self) -> list[str]:
        """Labels of the filters whose value was unknown or malformed."""
        if not self.is_bound:
            return []
        self.errors  # noqa: B018 - validates the form
        return [str(self.filters[name].label) for name in self.form.errors if name in self.filters]

    @property
    def active(self) -> bool:
        if not self.is_bound:
            return False
        self.errors  # noqa: B018
        return any(value not in (None, "") for value in self.form.cleaned_data.values())
