"""Sign-up limits: each sign-up mails a confirmation, so a client address and an email address may
sign up only so often (``ALERT_SIGNUP_RATE_ADDRESS``, ``ALERT_SIGNUP_RATE_EMAIL``: "20/hour").

DRF's throttle (a sliding window of request times in Django's cache, as the API's), keyed by
the client address and by a hash of the email address (the address itself is never a cache key).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle


class SignupThrottle(SimpleRateThrottle):
    def __init__(self, scope: str, rate: str, ident: str) -> None:
        self.scope, self.rate, self.ident = scope, rate or None, ident
        if self.rate:
            self.num_requests, self.duration = self.parse_rate(self.rate)

    def get_cache_key(self, request, view) -> str:
        return f"alert-signup:{self.scope}:{self.ident}"


def signup_allowed(request: HttpRequest, email: str) -> bool:
    """Whether this sign-up is within both limits (each limit counts it either way)."""
    digest = hashlib.sha256((settings.SECRET_KEY + email.strip().lower()).encode()).hexdigest()
    address = SignupThrottle("address", settings.ALERT_SIGNUP_RATE_ADDRESS, "")
    address.ident = address.get_ident(request)
    by_email = SignupThrottle("email", settings.ALERT_SIGNUP_RATE_EMAIL, digest)
    allowed = [throttle.allow_request(request, None) for throttle in (address, by_email)]
    return all(allowed)
