"""The signed links of alert mail (django.core.signing): confirming an alert, unsubscribing from
one alert or from every alert of an address. A link names a row by id; the signature proves the
mail it came in was sent by the archive, so nothing else is needed to act on it."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

CONFIRM = "archive.alerts.confirm"
UNSUBSCRIBE = "archive.alerts.unsubscribe"


def confirm_token(alert_id: int) -> str:
    return signing.dumps(alert_id, salt=CONFIRM)


def confirmed_alert_id(token: str) -> int | None:
    """The alert a confirmation link names, if its signature holds and it is recent enough."""
    try:
        value = signing.loads(token, salt=CONFIRM, max_age=settings.ALERT_CONFIRM_DAYS * 86400)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    return value if isinstance(value, int) else None


def unsubscribe_token(*, alert_id: int | None = None, subscriber_id: int | None = None) -> str:
    """A link that ends one alert, or (``subscriber_id``) every alert of an address."""
    return signing.dumps(
        {"alert": alert_id} if alert_id is not None else {"subscriber": subscriber_id}, salt=UNSUBSCRIBE
    )


def unsubscribed(token: str) -> dict | None:
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE)
    except signing.BadSignature:
        return None
    ok = isinstance(value, dict) and len(value) == 1 and isinstance(next(iter(value.values())), int)
    return value if ok and next(iter(value)) in ("alert", "subscriber") else None
