"""What a locked-out address sees after too many failed admin sign-ins (django-axes' lockout hook)."""

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "minutes": minutes,
        "site_title": "Hanoi Summit archive",
        "site_header": "Hanoi Summit archive",
    }
    response = TemplateResponse(request, "admin/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response.render()
