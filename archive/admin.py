"""The editors' admin: one take screen adds a whole take with its authors, quotes, stances and responses."""

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

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


class ArchiveAdmin(admin.ModelAdmin):
    show_facets = admin.ShowFacets.ALWAYS
    list_per_page = 50


@admin.register(Publication)
class PublicationAdmin(ArchiveAdmin):
    list_display = ["name", "kind", "country", "take_count"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "slug", "country"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(take_count=Count("takes"))

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
        return (
            super()
            .get_queryset(request)
            .annotate(take_count=Count("authorships", distinct=True), quote_count=Count("quotes", distinct=True))
        )

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


class TakeAuthorInline(admin.TabularInline):
    model = TakeAuthor
    extra = 1
    autocomplete_fields = ["expert"]
    fields = ["expert", "order"]
    verbose_name = "author"
    verbose_name_plural = "authors (in byline order)"


class QuoteInline(admin.StackedInline):
    model = Quote
    extra = 1
    autocomplete_fields = ["speaker"]
    fields = ["text", "speaker", "is_headline", "order"]


class PositionInline(admin.TabularInline):
    model = Position
    extra = 1
    autocomplete_fields = ["question", "stance"]
    fields = ["question", "stance", "confidence", "evidence", "note"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "evidence":
            take_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Quote.objects.filter(take_id=take_id) if take_id else Quote.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ResponseInline(admin.TabularInline):
    model = Response
    fk_name = "take"
    extra = 1
    autocomplete_fields = ["expert", "target_take"]
    fields = ["relation", "expert", "target_take", "quote", "note"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "quote":
            take_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = Quote.objects.filter(take_id=take_id) if take_id else Quote.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Take)
class TakeAdmin(ArchiveAdmin):
    list_display = ["title", "author_names", "publication", "published", "kind", "status"]
    list_filter = ["status", "kind", "publication", "collection", "themes", "positions__stance", "language"]
    search_fields = ["title", "slug", "summary", "url", "authorships__expert__name"]
    date_hierarchy = "published"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["publication", "collection", "themes"]
    list_select_related = ["publication"]
    readonly_fields = ["created", "updated"]
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
        ("Record", {"fields": [("created", "updated")], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("authorships__expert")

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return full_text_search_results(self, request, queryset, search_term, exact=("slug", "url"))

    @admin.display(description="authors")
    def author_names(self, obj: Take) -> str:
        return ", ".join(a.expert.name for a in obj.authorships.all())

    @admin.action(description="Publish the selected takes")
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.exclude(status=Status.PUBLISHED).update(status=Status.PUBLISHED)
        self.message_user(request, f"Published {count} take(s).", messages.SUCCESS)

    @admin.action(description="Unpublish the selected takes (back to draft)")
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.exclude(status=Status.DRAFT).update(status=Status.DRAFT)
        self.message_user(request, f"Moved {count} take(s) back to draft.", messages.SUCCESS)


@admin.register(Quote)
class QuoteAdmin(ArchiveAdmin):
    list_display = ["short_text", "speaker", "take", "is_headline"]
    list_filter = ["is_headline", "take__status"]
    search_fields = ["text", "speaker__name", "take__title"]
    autocomplete_fields = ["take", "speaker"]
    list_select_related = ["speaker", "take"]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        return full_text_search_results(self, request, queryset, search_term)

    @admin.display(description="quote")
    def short_text(self, obj: Quote) -> str:
        return obj.text if len(obj.text) <= 90 else obj.text[:87] + "…"


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
