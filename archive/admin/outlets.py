"""Admin screens for outlets: publications (with their take counts) and collections."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from archive.admin.base import ArchiveAdmin, counted
from archive.models import Publication, Take


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


class CollectionAdmin(ArchiveAdmin):
    list_display = ["title", "publication"]
    list_filter = ["publication"]
    search_fields = ["title", "prompt"]
    autocomplete_fields = ["publication"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["publication"]
