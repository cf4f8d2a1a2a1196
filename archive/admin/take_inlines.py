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
                field.help_text = "A new take's quotes are chosen by their number below."
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PositionForm(forms.ModelForm):
    #: A quote of this screen by its number (1 = the first quote form, saved or new): lets an editor
    #: make a quote added on the same screen the evidence, in one save.
    evidence_number = forms.IntegerField(
        label="or evidence quote no.",
        required=False,
        min_value=1,
        help_text="The number of a quote on this screen, counting the quote forms above from 1 "
        "(a new quote's heading shows it, e.g. “#3”): for a quote added in this same save.",
    )

    class Meta:
        model = Position
        fields = ["question", "stance", "confidence", "evidence", "evidence_number", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].required = False
        self.fields["question"].help_text = "Filled in from the stance when left empty."
        self.fields["note"].widget.attrs.update(rows=2)

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


class PositionFormSet(forms.BaseInlineFormSet):
    """The positions, checked against the quote forms of the same screen (``quote_forms``, set by
    ``TakeAdmin._create_formsets``) when one names its evidence by number."""

    quote_forms: list | None = None

    def numbered_quotes(self) -> list:
        """The quote forms in screen order, those that will hold a quote after the save, else None."""
        forms_ = self.quote_forms or []
        return [
            form
            if form.is_valid() and not (form.cleaned_data.get("DELETE")) and (form.instance.pk or form.has_changed())
            else None
            for form in forms_
        ]

    def clean(self) -> None:
        super().clean()
        quotes = self.numbered_quotes()
        for form in self.forms:
            number = form.cleaned_data.get("evidence_number") if hasattr(form, "cleaned_data") else None
            if not number:
                continue
            if form.cleaned_data.get("evidence"):
                form.add_error("evidence_number", "Choose the evidence quote from the list or by its number, not both.")
            elif number > len(quotes) or quotes[number - 1] is None:
                form.add_error("evidence_number", f"There is no quote #{number} on this screen.")

    def evidence_by_number(self) -> None:
        """After the quotes are saved: each position naming its evidence by number gets that quote."""
        quotes = self.numbered_quotes()
        for form in self.forms:
            number = form.cleaned_data.get("evidence_number") if hasattr(form, "cleaned_data") else None
            if number and number <= len(quotes) and quotes[number - 1] is not None:
                form.instance.evidence = quotes[number - 1].instance


class PositionInline(QuoteOfThisTakeMixin, admin.StackedInline):
    """Stacked, so a position's six fields fit the screen (a table row of them was ~2,000 px wide)."""

    model = Position
    form = PositionForm
    formset = PositionFormSet
    extra = 1
    fields = [("question", "stance"), "confidence", ("evidence", "evidence_number"), "note"]
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
