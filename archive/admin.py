"""The editors' admin: one take screen adds a whole take with its authors, quotes, stances and responses.

What the take screen does for editors:
- publication, collection, authors, speakers and responded-to experts are autocompletes with
  "add another", so a new expert or outlet is added without leaving the take;
- the slug fills itself from the title; authors keep the order of their rows;
- a position's stance list is grouped by question (and narrowed to the chosen question with
  JavaScript); a stance of another question is refused with a clear message;
- a quote without a speaker is the first author's;
- a take whose URL, or title + outlet + date, is already in the archive is refused, with a link;
- drafts have a staff-only preview of the public page; the change screen lists recent changes.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from archive.models import (
    Affiliation,
    Collection,
    Expert,
    Position,
    Publication,
    Question,
    Quote,
    Response,
    Stance,
    Status,
    Take,
    TakeAuthor,
    Theme,
)
from archive.preview import render_preview


def full_text_search_results(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet, search_term: str, exact: tuple = ()
) -> tuple[QuerySet, bool]:
    """The admin's search box on the public search engine (drafts included: no .published() here)."""
    from archive.search import parse

    match = request.resolver_match
    if not search_term.strip() or (match and match.url_name == "autocomplete"):
        # Autocomplete widgets search as the editor types half-words: keep Django's substring search.
        return admin.ModelAdmin.get_search_results(model_admin, request, queryset, search_term)
    query = parse(search_term)
    if query.message:
        model_admin.message_user(request, query.message, messages.WARNING)
    condition = Q(pk__in=queryset.search(search_term).values("pk"))
    for field in exact:  # slugs and URLs pasted whole
        condition |= Q(**{field: search_term.strip()})
    return queryset.filter(condition), False


admin.site.site_header = "Hanoi Summit archive"
admin.site.site_title = "Hanoi Summit archive"
admin.site.index_title = "Editing the archive"

ADMIN_CSS = "archive/admin/editorial.css"


class ArchiveAdmin(admin.ModelAdmin):
    show_facets = admin.ShowFacets.ALWAYS
    list_per_page = 50


def on_changelist(request: HttpRequest) -> bool:
    """Whether this request shows a model's change list (the only admin page with count columns)."""
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name and match.url_name.endswith("_changelist"))


def counted(model, field: str):
    """How many ``model`` rows point at each listed row through ``field``: a correlated count,
    run for the rows shown. ``Count()`` over joins grouped the whole table first; for experts,
    authorships × quotes, the change list took 202 s at 10,000 experts and 1,000,000 quotes
    (docs/performance.md). The explicit order keeps autocomplete pages stable: Django ignores
    ``Meta.ordering`` once a queryset is grouped, and would be again if this changed."""
    rows = model.objects.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n")), 0)


@admin.register(Publication)
class PublicationAdmin(ArchiveAdmin):
    list_display = ["name", "kind", "country", "take_count"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "slug", "country"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(take_count=counted(Take, "publication")).order_by("name", "pk")

    @admin.display(description="takes", ordering="take_count")
    def take_count(self, obj: Publication) -> int:
        return obj.take_count


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 1
    fields = ["organization", "role", "start_year", "end_year", "current", "order"]


@admin.register(Expert)
class ExpertAdmin(ArchiveAdmin):
    list_display = ["name", "sort_name", "kind", "take_count", "quote_count"]
    list_filter = ["kind", "affiliations__organization"]
    search_fields = ["name", "sort_name", "slug", "affiliations__organization"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AffiliationInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        experts = super().get_queryset(request).order_by("sort_name", "name", "pk")
        if not on_changelist(request):
            # Autocomplete and the change form show no counts: a search with DISTINCT (the
            # affiliation join) would compute both for every matching expert (3.6 s).
            return experts
        return experts.annotate(take_count=counted(TakeAuthor, "expert"), quote_count=counted(Quote, "speaker"))

    @admin.display(description="takes", ordering="take_count")
    def take_count(self, obj: Expert) -> int:
        return obj.take_count

    @admin.display(description="quotes", ordering="quote_count")
    def quote_count(self, obj: Expert) -> int:
        return obj.quote_count


@admin.register(Collection)
class CollectionAdmin(ArchiveAdmin):
    list_display = ["title", "publication"]
    list_filter = ["publication"]
    search_fields = ["title", "prompt"]
    autocomplete_fields = ["publication"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["publication"]


@admin.register(Theme)
class ThemeAdmin(ArchiveAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class StanceInline(admin.TabularInline):
    model = Stance
    extra = 1
    fields = ["position", "label", "slug", "meaning"]
    prepopulated_fields = {"slug": ["label"]}


@admin.register(Question)
class QuestionAdmin(ArchiveAdmin):
    list_display = ["text", "short_label", "order"]
    list_editable = ["order"]
    search_fields = ["text", "slug", "stances__label"]
    prepopulated_fields = {"slug": ["text"]}
    inlines = [StanceInline]


@admin.register(Stance)
class StanceAdmin(ArchiveAdmin):
    list_display = ["label", "question", "position", "meaning"]
    list_filter = ["question"]
    search_fields = ["label", "slug", "meaning", "question__text"]
    list_select_related = ["question"]
    autocomplete_fields = ["question"]


# --------------------------------------------------------------------------- the take screen


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


def normalised_url_variants(url: str) -> set[str]:
    """The ways one address is commonly written: http or https, with or without www. and a final slash."""
    url = url.strip()
    if "://" not in url:
        return {url}
    rest = url.split("://", 1)[1]
    host, _, tail = rest.partition("/")
    host = host.lower().removeprefix("www.")
    tail = "/" + tail if tail else ""
    bare = tail.rstrip("/") if tail.rstrip("/") else ""
    return {
        f"{scheme}://{www}{host}{path}"
        for scheme in ("http", "https")
        for www in ("", "www.")
        for path in {bare, bare + "/"}
    }


class TakeAdminForm(forms.ModelForm):
    """Refuses a take already in the archive: same URL, or same title, outlet and date."""

    class Meta:
        model = Take
        fields = [
            "title",
            "slug",
            "standfirst",
            "kind",
            "status",
            "publication",
            "collection",
            "published",
            "date_precision",
            "url",
            "archived_url",
            "language",
            "summary",
            "body",
            "themes",
        ]

    def clean(self):
        cleaned = super().clean()
        others = Take.objects.exclude(pk=self.instance.pk) if self.instance.pk else Take.objects.all()
        url = cleaned.get("url")
        if url:
            existing = others.filter(url__in=normalised_url_variants(url)).first()
            if existing:
                self.add_error("url", self.duplicate_error(existing, "This URL is already in the archive"))
        title, publication = cleaned.get("title"), cleaned.get("publication")
        if title and "published" not in self.errors:
            existing = others.filter(
                title__iexact=title.strip(), publication=publication, published=cleaned.get("published")
            ).first()
            if existing:
                self.add_error(
                    None,
                    self.duplicate_error(existing, "A take with this title, outlet and date is already in the archive"),
                )
        return cleaned

    @staticmethod
    def duplicate_error(existing: Take, reason: str) -> forms.ValidationError:
        link = format_html(
            '{}: <a href="{}">{}</a> ({}). Edit that take instead of adding it twice.',
            reason,
            reverse("admin:archive_take_change", args=[existing.pk]),
            existing.title,
            existing.get_status_display().lower(),
        )
        return forms.ValidationError(link, code="duplicate")


@admin.register(Take)
class TakeAdmin(ArchiveAdmin):
    form = TakeAdminForm
    list_display = ["title", "author_names", "publication", "published", "kind", "status_badge", "stance_chips"]
    list_filter = ["status", "kind", "publication", "collection", "themes", "positions__stance", "language"]
    search_fields = ["title", "slug", "summary", "url", "authorships__expert__name"]
    date_hierarchy = "published"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["publication", "collection", "themes"]
    list_select_related = ["publication"]
    readonly_fields = ["created", "updated", "recent_changes"]
    inlines = [TakeAuthorInline, QuoteInline, PositionInline, ResponseInline]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "standfirst", "kind", "status"]}),
        (
            "Source",
            {
                "fields": [
                    "publication",
                    "collection",
                    ("published", "date_precision"),
                    "url",
                    "archived_url",
                    "language",
                ]
            },
        ),
        ("Content", {"fields": ["summary", "body", "themes"]}),
        ("History", {"fields": [("created", "updated"), "recent_changes"]}),
    ]

    class Media:
        css = {"all": [ADMIN_CSS]}

    # ---------------------------------------------------------------- list

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("authorships", queryset=TakeAuthor.objects.select_related("expert").order_by("order", "id")),
                Prefetch(
                    "positions",
                    queryset=Position.objects.select_related("question", "stance").order_by(
                        "question__order", "question_id"
                    ),
                ),
            )
        )

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return full_text_search_results(self, request, queryset, search_term, exact=("slug", "url"))

    @admin.display(description="authors")
    def author_names(self, obj: Take) -> str:
        return ", ".join(a.expert.name for a in obj.authorships.all())

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Take) -> str:
        return format_html('<span class="take-status take-status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description="stances")
    def stance_chips(self, obj: Take) -> str:
        return format_html_join(
            " ",
            '<span class="stance-chip" title="{}">{}: {}</span>',
            ((p.question.text, p.question.short_label or p.question.slug, p.stance.label) for p in obj.positions.all()),
        )

    # ---------------------------------------------------------------- preview and history

    def get_urls(self):
        preview = path(
            "<path:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="archive_take_preview",
        )
        return [preview, *super().get_urls()]

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The public take page for any take, drafts included; editors only (the admin checks staff)."""
        take = self.get_object(request, object_id)
        if take is None or not self.has_view_permission(request, take):
            raise Http404("No such take.")
        change_url = reverse("admin:archive_take_change", args=[take.pk], current_app=self.admin_site.name)
        return render_preview(request, take.pk, {"change_url": change_url})

    def get_view_on_site_url(self, obj: Take | None = None) -> str | None:
        """Published takes open on the public site; drafts open in the preview (the public has none)."""
        if obj is not None and obj.pk and not obj.is_published:
            return reverse("admin:archive_take_preview", args=[obj.pk], current_app=self.admin_site.name)
        return super().get_view_on_site_url(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        take = self.get_object(request, object_id)
        if take is not None:
            extra_context["preview_url"] = reverse(
                "admin:archive_take_preview", args=[take.pk], current_app=self.admin_site.name
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="recent changes")
    def recent_changes(self, obj: Take) -> str:
        if obj is None or obj.pk is None:
            return "—"
        entries = (
            LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Take), object_id=str(obj.pk))
            .select_related("user")
            .order_by("-action_time")[:10]
        )
        rows = format_html_join(
            "",
            "<li><time datetime='{}'>{}</time> — <strong>{}</strong>: {}</li>",
            (
                (
                    entry.action_time.isoformat(),
                    entry.action_time.strftime("%Y-%m-%d %H:%M UTC"),
                    entry.user.get_username(),
                    entry.get_change_message() or entry.get_action_flag_display(),
                )
                for entry in entries
            ),
        )
        history = reverse("admin:archive_take_history", args=[obj.pk], current_app=self.admin_site.name)
        if not rows:
            return format_html('No changes recorded in the admin yet. <a href="{}">Full history</a>', history)
        return format_html('<ul class="recent-changes">{}</ul><a href="{}">Full history</a>', rows, history)

    # ---------------------------------------------------------------- saving

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is TakeAuthor:
            self.save_authors(formset)
        elif formset.model is Quote:
            self.save_quotes(form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)

    @staticmethod
    def save_authors(formset) -> None:
        """Authors take the order the editor gave (their number, then their row): 0, 1, 2, ..."""
        changed = {id(obj) for obj in formset.save(commit=False)}
        for obj in formset.deleted_objects:
            obj.delete()
        kept = [
            (form.cleaned_data.get("order") or 0, index, form.instance)
            for index, form in enumerate(formset.forms)
            if form.instance.expert_id
            and form not in formset.deleted_forms
            and (form.instance.pk or form.has_changed())
        ]
        for order, (_given, _index, authorship) in enumerate(sorted(kept, key=lambda k: (k[0], k[1]))):
            if authorship.order != order or id(authorship) in changed:
                authorship.order = order
                authorship.save()
        formset.save_m2m()

    @staticmethod
    def save_quotes(take: Take, formset) -> None:
        """A quote left without a speaker is the first author's."""
        speaker = first_author_id(take)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for quote in instances:
            if quote.speaker_id is None and speaker is not None:
                quote.speaker_id = speaker
            quote.save()
        formset.save_m2m()

    # ---------------------------------------------------------------- actions

    def log_status_change(self, request: HttpRequest, takes: list[Take]) -> None:
        if takes:
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=takes,
                action_flag=CHANGE,
                change_message=[{"changed": {"fields": ["Status"]}}],
            )

    @admin.action(description="Publish the selected takes")
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        takes = list(queryset.exclude(status=Status.PUBLISHED))
        count = Take.objects.filter(pk__in=[t.pk for t in takes]).update(status=Status.PUBLISHED)
        self.log_status_change(request, takes)
        self.message_user(request, f"Published {count} take(s).", messages.SUCCESS)

    @admin.action(description="Unpublish the selected takes (back to draft)")
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        takes = list(queryset.exclude(status=Status.DRAFT))
        count = Take.objects.filter(pk__in=[t.pk for t in takes]).update(status=Status.DRAFT)
        self.log_status_change(request, takes)
        self.message_user(request, f"Moved {count} take(s) back to draft.", messages.SUCCESS)


@admin.register(Quote)
class QuoteAdmin(ArchiveAdmin):
    list_display = ["short_text", "speaker", "take", "is_headline", "take_status"]
    list_filter = ["is_headline", "take__status"]
    search_fields = ["text", "speaker__name", "take__title"]
    autocomplete_fields = ["take", "speaker"]
    list_select_related = ["speaker", "take"]

    class Media:
        css = {"all": [ADMIN_CSS]}

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return full_text_search_results(self, request, queryset, search_term)

    @admin.display(description="quote")
    def short_text(self, obj: Quote) -> str:
        return obj.text if len(obj.text) <= 90 else obj.text[:87] + "…"

    @admin.display(description="take status", ordering="take__status")
    def take_status(self, obj: Quote) -> str:
        return format_html(
            '<span class="take-status take-status-{}">{}</span>', obj.take.status, obj.take.get_status_display()
        )


@admin.register(Position)
class PositionAdmin(ArchiveAdmin):
    list_display = ["take", "question", "stance", "confidence"]
    list_filter = ["question", "stance", "confidence"]
    search_fields = ["take__title", "stance__label"]
    autocomplete_fields = ["take", "question", "stance", "evidence"]
    list_select_related = ["take", "question", "stance"]


@admin.register(Response)
class ResponseAdmin(ArchiveAdmin):
    list_display = ["take", "relation", "expert", "target_take"]
    list_filter = ["relation"]
    search_fields = ["take__title", "expert__name"]
    autocomplete_fields = ["take", "expert", "target_take", "quote"]
    list_select_related = ["take", "expert", "target_take"]
