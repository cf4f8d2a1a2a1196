"""The alert mails: a confirmation for each sign-up, and the mail of new takes.

Plain text only (templates/alerts/*.txt, Django's engine: no markup, so nothing to escape).
Every mail carries the one-click unsubscribe headers (RFC 2369 ``List-Unsubscribe``, RFC 8058
``List-Unsubscribe-Post``), which mail clients show as an "Unsubscribe" button.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from archive.alerts import tokens
from archive.models import Alert, Subscriber


def absolute(path: str, base: str | None = None) -> str:
    return (base or settings.SITE_URL) + path


def unsubscribe_url(base: str | None = None, **which: int) -> str:
    return absolute(reverse("alert_unsubscribe", args=[tokens.unsubscribe_token(**which)]), base)


def message(to: str, subject: str, template: str, context: dict, unsubscribe: str) -> EmailMessage:
    body = render_to_string(template, {**context, "unsubscribe_url": unsubscribe}, using="django")
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return EmailMessage(subject=subject, body=body, to=[to], headers=headers)


def confirmation(alert: Alert, base: str) -> EmailMessage:
    """ "Confirm you want alerts for …": the signed link, valid ``ALERT_CONFIRM_DAYS`` days."""
    confirm = absolute(reverse("alert_confirm", args=[tokens.confirm_token(alert.pk)]), base)
    return message(
        alert.subscriber.email,
        "Confirm your alert: " + alert.label[:120],
        "alerts/confirm_email.txt",
        {"alert": alert, "confirm_url": confirm, "days": settings.ALERT_CONFIRM_DAYS},
        unsubscribe_url(base, alert_id=alert.pk),
    )


def new_takes(subscriber: Subscriber, sections: list[tuple[Alert, list]]) -> EmailMessage:
    """The takes published since the last mail, under each alert that found them."""
    count = sum(len(takes) for _, takes in sections)
    rows = [
        (alert, [(take, absolute(take.get_absolute_url())) for take in takes], unsubscribe_url(alert_id=alert.pk))
        for alert, takes in sections
    ]
    return message(
        subscriber.email,
        f"{count} new take{'s' if count != 1 else ''} in the Hanoi Summit archive",
        "alerts/new_takes_email.txt",
        {"sections": rows, "count": count, "site": settings.SITE_URL},
        unsubscribe_url(subscriber_id=subscriber.pk),
    )
