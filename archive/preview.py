"""Editors' preview of a take (draft or not) exactly as the public take page would show it.

The context comes from ``archive.views.takes.take_page_context``, the function the public page uses,
without the "published only" filter.
"""

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from archive.models import Take
from archive.views.takes import take_page_context as public_context

PREVIEW_TEMPLATE = "admin/archive/take/preview.html"


def take_page_context(take_id: int, takes: QuerySet | None = None) -> dict:
    """What the public take page renders, for any take the editor may see (404 when it does not exist)."""
    take = get_object_or_404((takes if takes is not None else Take.objects.all()).with_details(), pk=take_id)
    return public_context(take)


def render_preview(request: HttpRequest, take_id: int, extra_context: dict | None = None) -> HttpResponse:
    context = {**take_page_context(take_id), **(extra_context or {})}
    response = TemplateResponse(request, PREVIEW_TEMPLATE, context)
    # an editor's view of unpublished words: never cached, never indexed
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
