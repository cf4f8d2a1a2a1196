"""Sign-in throttling with django-axes: who counts as one client, when a name or an address is locked
out, and what a locked-out visitor sees.

Failures are counted two ways (``AXES_LOCKOUT_PARAMETERS`` in settings):
- per username *and* address: ``AXES_FAILURE_LIMIT`` failures lock that name from that address, so
  one visitor behind a shared proxy address cannot lock every editor out;
- per username from every address: ``AXES_USERNAME_FAILURE_LIMIT`` failures lock that name
  everywhere, so many addresses do not give unlimited guesses at one name.

The client's address is ``REMOTE_ADDR`` unless ``CLIENT_IP_HEADER`` names the header a trusted
reverse proxy sets (README, "Serving in production").
"""

from __future__ import annotations

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.db.models import Sum
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


def _valid_address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def _from_trusted_proxy(peer: str | None) -> bool:
    networks = settings.CLIENT_IP_TRUSTED_PROXIES
    if not networks:
        return True
    try:
        address = ipaddress.ip_address(peer or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The address failures are counted against (``AXES_CLIENT_IP_CALLABLE``).

    ``REMOTE_ADDR`` by default. With ``CLIENT_IP_HEADER`` set (and the request coming from one of
    ``CLIENT_IP_TRUSTED_PROXIES`` when that is set), the header's entry that the outermost of the
    ``CLIENT_IP_PROXY_COUNT`` trusted proxies added: counted from the right, so addresses a client
    writes into the header itself are never read. A missing or malformed header falls back to
    ``REMOTE_ADDR``.
    """
    peer = request.META.get("REMOTE_ADDR")
    meta_key = settings.CLIENT_IP_META_KEY
    if not meta_key or not _from_trusted_proxy(peer):
        return peer
    entries = [entry for entry in request.META.get(meta_key, "").split(",") if entry.strip()]
    count = settings.CLIENT_IP_PROXY_COUNT
    if len(entries) < count:
        return peer
    return _valid_address(entries[-count]) or peer


class SignInAttempts(AxesDatabaseHandler):
    """django-axes' database handler with a limit for each way of counting: the first parameter set
    (username and address) against ``AXES_FAILURE_LIMIT``, the second (username) against
    ``AXES_USERNAME_FAILURE_LIMIT``. Axes compares one number with one limit, so the username count
    is scaled onto the first limit: either count reaching its own limit reaches it."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        pair, per_username = (counts + [0, 0])[:2]
        limit = get_failure_limit(request, credentials)
        return max(pair, per_username * limit // settings.AXES_USERNAME_FAILURE_LIMIT)
