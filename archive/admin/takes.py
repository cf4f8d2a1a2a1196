"""The take screen, which adds a whole take with its authors, quotes, stances and responses; and the
screens for themes, quotes and positions.

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
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from archive.admin.base import ADMIN_CSS, ArchiveAdmin, full_text_search_results
from archive.admin.take_inlines import (
    AppearanceInline,
    PositionFormSet,
    PositionInline,
    PredictionInline,
    QuoteInline,
    ResponseInline,
    TakeAuthorInline,
    first_author_id,
)
from archive.models import Position, Quote, Status, Take, TakeAuthor
from archive.preview import render_preview


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
            variants = normalised_url_variants(url)
            existing = others.filter(url__in=variants).first() or others.filter(appearances__url__in=variants).first()
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
    inlines = [TakeAuthorInline, QuoteInline, PositionInline, ResponseInline, AppearanceInline, PredictionInline]
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

    def _create_formsets(self, request: HttpRequest, obj, change: bool):
        """The positions see the quote forms of the same screen: evidence can name a new quote by number."""
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        quotes = next((f for f in formsets if f.model is Quote), None)
        for formset in formsets:
            if isinstance(formset, PositionFormSet):
                formset.quote_forms = list(quotes.forms) if quotes is not None else []
        return formsets, inline_instances

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is TakeAuthor:
            self.save_authors(formset)
        elif formset.model is Quote:
            self.save_quotes(form.instance, formset)
        else:
            if isinstance(formset, PositionFormSet):
                formset.evidence_by_number()  # the quotes were saved just before (inline order)
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


class ThemeAdmin(ArchiveAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


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


class PositionAdmin(ArchiveAdmin):
    list_display = ["take", "question", "stance", "confidence"]
    list_filter = ["question", "stance", "confidence"]
    search_fields = ["take__title", "stance__label"]
    autocomplete_fields = ["take", "question", "stance", "evidence"]
    list_select_related = ["take", "question", "stance"]
