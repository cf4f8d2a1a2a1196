"""Editors' preview of a take (draft or not) exactly as the public take page would show it.

``take_page_context`` builds the same context shape as the public ``archive.views.take_detail``
(a take from ``with_related()``, its quotes and its responses) without the "published only" filter.
If the public view's context changes, change this function with it: it is the one place the
preview depends on.
"""

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from archive.models import Take

PREVIEW_TEMPLATE = "admin/archive/take/preview.html"


def take_page_context(take_id: int, takes: QuerySet | None = None) -> dict:
    """What the public take page renders, for any take the editor may see (404 when it does not exist)."""
    take = get_object_or_404((takes if takes is not None else Take.objects.all()).with_related(), pk=take_id)
    return {
        "take": take,
        "quotes": take.quotes.select_related("speaker"),
        "responses": take.responses.select_related("expert", "target_take", "quote"),
    }


def render_preview(request: HttpRequest, take_id: int, extra_context: dict | None = None) -> HttpResponse:
    context = {**take_page_context(take_id), **(extra_context or {})}
    response = TemplateResponse(request, PREVIEW_TEMPLATE, context)
    # an editor's view of unpublished words: never cached, never indexed
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
