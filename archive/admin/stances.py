"""Admin screens for the debated questions (stances inline), stances, and responses between experts."""

from __future__ import annotations

from django.contrib import admin

from archive.admin.base import ArchiveAdmin
from archive.models import Stance


class StanceInline(admin.TabularInline):
    model = Stance
    extra = 1
    fields = ["position", "label", "slug", "meaning"]
    prepopulated_fields = {"slug": ["label"]}


class QuestionAdmin(ArchiveAdmin):
    list_display = ["text", "short_label", "order"]
    list_editable = ["order"]
    search_fields = ["text", "slug", "stances__label"]
    prepopulated_fields = {"slug": ["text"]}
    inlines = [StanceInline]


class StanceAdmin(ArchiveAdmin):
    list_display = ["label", "question", "position", "meaning"]
    list_filter = ["question"]
    search_fields = ["label", "slug", "meaning", "question__text"]
    list_select_related = ["question"]
    autocomplete_fields = ["question"]
    filter_horizontal = ["opposes"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        """A stance opposes stances of its own question only (About the data lists the pairs)."""
        if db_field.name == "opposes":
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            question = Stance.objects.filter(pk=object_id).values("question_id") if object_id else None
            kwargs["queryset"] = (
                Stance.objects.filter(question_id__in=question).exclude(pk=object_id)
                if question is not None
                else Stance.objects.none()
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ResponseAdmin(ArchiveAdmin):
    list_display = ["take", "relation", "expert", "target_take"]
    list_filter = ["relation"]
    search_fields = ["take__title", "expert__name"]
    autocomplete_fields = ["take", "expert", "target_take", "quote"]
    list_select_related = ["take", "expert", "target_take"]
