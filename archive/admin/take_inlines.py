"""The take screen's inlines: authors in byline order, quotes, positions (stances grouped by
question, checked against it) and responses; quote choices limited to the take being edited."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from archive.models import Appearance, Position, Prediction, Question, Quote, Response, Stance, Take, TakeAuthor


def first_author_id(take: Take | None) -> int | None:
    if take is None or take.pk is None:
        return None
    return take.authorships.order_by("order", "id").values_list("expert_id", flat=True).first()


def stance_choices() -> list:
    """Every stance, grouped under its question, for a plain select (one query)."""
    groups: dict[int, tuple[str, list]] = {}
    for stance in Stance.objects.select_related("question").order_by("question__order", "question_id", "position"):
        label = str(stance.question)
        groups.setdefault(stance.question_id, (label, []))[1].append((stance.pk, stance.label))
    return [("", "---------"), *groups.values()]


class TakeAuthorInline(admin.TabularInline):
    model = TakeAuthor
    extra = 1
    autocomplete_fields = ["expert"]
    fields = ["expert", "order"]
    verbose_name = "author"
    verbose_name_plural = "authors (in byline order)"

    def get_extra(self, request: HttpRequest, obj: Take | None = None, **kwargs) -> int:
        return 2 if obj is None else 1


class QuoteInline(admin.StackedInline):
    model = Quote
    extra = 1
    autocomplete_fields = ["speaker"]
    fields = ["text", "speaker", "is_headline", "source_url", "order"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "speaker":
            field.help_text = "Leave empty when the words are the take's first author's."
        return field

    def get_formset(self, request: HttpRequest, obj: Take | None = None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        speaker = first_author_id(obj)
        if speaker is None:
            return formset

        class SpeakerDefaultsToFirstAuthor(formset):
            def get_form_kwargs(self, index):
                form_kwargs = super().get_form_kwargs(index)
                if index is None or index >= self.initial_form_count():
                    form_kwargs.setdefault("initial", {}).setdefault("speaker", speaker)
                return form_kwargs

        return SpeakerDefaultsToFirstAuthor


class QuoteOfThisTakeMixin:
    """Quote choices (evidence, a response's quote) limited to the take being edited, fetched once."""

    quote_fields: tuple[str, ...] = ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.quote_fields:
            take_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Quote.objects.filter(take_id=take_id) if take_id else Quote.objects.none()
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.choices = [("", "---------"), *((q.pk, str(q)) for q in kwargs["queryset"].select_related("speaker"))]
            if not take_id:
                field.help_text = "Save the take first: its quotes can then be chosen here."
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PositionForm(forms.ModelForm):
    class Meta:
        model = Position
        fields = ["question", "stance", "confidence", "evidence", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].required = False
        self.fields["question"].help_text = "Filled in from the stance when left empty."

    def clean(self):
        cleaned = super().clean()
        question, stance = cleaned.get("question"), cleaned.get("stance")
        if stance and not question:
            cleaned["question"] = stance.question
            self.instance.question = stance.question
        elif stance and question and stance.question_id != question.pk:
            self.add_error(
                "stance",
                f"“{stance.label}” is a stance of another question (“{stance.question}”), not of “{question}”. "
                f"Choose one of this question's stances.",
            )
        return cleaned


class PositionInline(QuoteOfThisTakeMixin, admin.TabularInline):
    model = Position
    form = PositionForm
    extra = 1
    fields = ["question", "stance", "confidence", "evidence", "note"]
    quote_fields = ("evidence",)

    class Media:
        js = ["archive/admin/position_stances.js"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "stance":
            field.choices = stance_choices()
            field.help_text = "Only the chosen question's stances are accepted."
        elif db_field.name == "question":
            field.choices = [("", "---------"), *((q.pk, str(q)) for q in Question.objects.all())]
        return field


class ResponseInline(QuoteOfThisTakeMixin, admin.TabularInline):
    model = Response
    fk_name = "take"
    extra = 1
    autocomplete_fields = ["expert", "target_take"]
    fields = ["relation", "expert", "target_take", "quote", "note"]
    quote_fields = ("quote",)


class AppearanceInline(admin.TabularInline):
    """Other places the take was published: republished, syndicated, translated (or the original)."""

    model = Appearance
    extra = 0
    autocomplete_fields = ["publication"]
    fields = ["kind", "publication", "url", "published", "title", "order"]
    verbose_name = "appearance elsewhere"
    verbose_name_plural = "also published in (the take keeps one record)"


class PredictionInline(QuoteOfThisTakeMixin, admin.StackedInline):
    """What the take says will happen; resolved here with the dated report that shows the outcome."""

    model = Prediction
    extra = 0
    quote_fields = ("evidence",)
    fields = [
        "claim",
        "evidence",
        "question",
        ("horizon", "probability", "confidence"),
        ("outcome", "resolved"),
        ("source_title", "source_outlet", "source_date"),
        "source_url",
        "note",
        "order",
    ]
