"""The prediction list's filters (/predictions/): an expert, a question, an outcome and a horizon
range, on the shared conventions (archive/filters/base.py): unknown values become notices."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from archive.filters.base import Lookup, ReadingForm, ResolvingFilterSet, SlugsFilter
from archive.models import Expert, Outcome, Prediction, Question


class PredictionFilterForm(ReadingForm):
    lookups = {
        "expert": Lookup(Expert.objects.public(), "expert"),
        "question": Lookup(Question.objects.all(), "question"),
    }
    rows = "predictions"

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("horizon_from"), data.get("horizon_to")
        if start and end and start > end:
            data["horizon_from"], data["horizon_to"] = end, start
            self.notices.append("The horizon's start was after its end; the two were swapped.")
        return data


class PredictionFilter(ResolvingFilterSet):
    """Predictions of published takes by author, question, outcome and horizon date."""

    expert = SlugsFilter(many=False, label="Expert", method="filter_expert")
    question = SlugsFilter(many=False, label="Question", method="filter_question")
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label="Outcome", method="filter_outcome")
    horizon_from = django_filters.DateFilter(label="Horizon from", method="filter_horizon_from")
    horizon_to = django_filters.DateFilter(label="Horizon to", method="filter_horizon_to")

    class Meta:
        model = Prediction
        fields: list[str] = []
        form = PredictionFilterForm

    def filter_expert(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.by_experts([value[0].pk]) if value else queryset

    def filter_question(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(question_id=value[0].pk) if value else queryset

    def filter_outcome(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(outcome=value)

    def filter_horizon_from(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.horizon_between(value, None)

    def filter_horizon_to(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.horizon_between(None, value)

    def published_count(self) -> int | None:
        """How many predictions the list holds, from the counts the database keeps, or ``None``
        under an expert (the paginator counts that expert's predictions from the tables)."""
        data = self.data_cleaned if self.is_bound else {}
        if data.get("expert"):
            return None
        question = data.get("question")
        return self.queryset.published_count(
            outcome=data.get("outcome") or None,
            question_id=question[0].pk if question else None,
            start=data.get("horizon_from"),
            end=data.get("horizon_to"),
        )

    def canonical_params(self) -> list[tuple[str, str]]:
        """The filters in force, normalised, for the canonical URL and the links."""
        data = self.data_cleaned if self.is_bound else {}
        params = []
        for name in ("expert", "question"):
            if data.get(name):
                params.append((name, data[name][0].slug))
        if data.get("outcome"):
            params.append(("outcome", data["outcome"]))
        for name in ("horizon_from", "horizon_to"):
            if data.get(name):
                params.append((name, data[name].isoformat()))
        return params
