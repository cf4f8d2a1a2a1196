"""``send_alerts``: mail each confirmed subscriber the takes their alerts found since the last mail.

A take is mailed to an address at most once, however often the command runs and wherever it
stops. For each subscriber: (1) the new takes are *claimed* in one transaction (one
``AlertDelivery`` row each; the unique pair refuses a second claim, so two runs at once cannot both
mail a take); (2) the mail is sent; (3) the rows are marked ``sent``. A mail the server refuses
gives its claims back (deleted), so the next run tries again. A run killed between (1) and (3)
leaves claims without ``sent``: those takes are never mailed again (the mail may or may not have
left), and the next run reports how many.

"New" means published, matching the alert's filters, and last saved after the alert was confirmed
(a take published from a draft is saved then), and not mailed to this address before.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from archive.alerts import mail
from archive.alerts.follow import matching
from archive.models import Alert, AlertDelivery, Subscriber, Take

#: The most takes one alert mails at a time (newest first); the rest come with the next run.
MAX_TAKES = 50


@dataclass
class Report:
    subscribers: int = 0
    mails: int = 0
    takes: int = 0
    refused: int = 0
    skipped: int = 0
    in_doubt: int = 0


def pending(subscriber: Subscriber) -> list[tuple[Alert, list[Take]]]:
    """Each confirmed alert with its takes not yet mailed to this address (a take found by two
    alerts comes once, under the first)."""
    mailed = AlertDelivery.objects.filter(subscriber=subscriber).values("take_id")
    found: dict[Alert, list[int]] = {}
    seen: set[int] = set()
    for alert in subscriber.alerts.filter(confirmed__isnull=False).order_by("pk"):
        new = matching(alert.params).filter(updated__gt=alert.confirmed).exclude(pk__in=mailed)
        ids = [pk for pk in new.values_list("pk", flat=True)[:MAX_TAKES] if pk not in seen]
        if ids:
            found[alert] = ids
            seen.update(ids)
    if not found:
        return []
    takes = Take.objects.filter(pk__in=seen).select_related("publication").prefetch_related("authorships__expert")
    by_id = {take.pk: take for take in takes}
    return [(alert, [by_id[pk] for pk in ids]) for alert, ids in found.items()]


def claim(subscriber: Subscriber, take_ids: list[int]) -> bool:
    """Record the takes as going to this address, all or none; False when another run has one."""
    try:
        with transaction.atomic():
            AlertDelivery.objects.bulk_create([AlertDelivery(subscriber=subscriber, take_id=pk) for pk in take_ids])
    except IntegrityError:
        return False
    return True


def mark_sent(subscriber: Subscriber, take_ids: list[int]) -> None:
    AlertDelivery.objects.filter(subscriber=subscriber, take_id__in=take_ids).update(sent=timezone.now())


def send_to(subscriber: Subscriber, report: Report) -> None:
    sections = pending(subscriber)
    if not sections:
        return
    take_ids = [take.pk for _, takes in sections for take in takes]
    if not claim(subscriber, take_ids):
        report.skipped += 1
        return
    try:
        mail.new_takes(subscriber, sections).send()
    except (smtplib.SMTPException, OSError):
        AlertDelivery.objects.filter(subscriber=subscriber, take_id__in=take_ids, sent__isnull=True).delete()
        report.refused += 1
        return
    mark_sent(subscriber, take_ids)
    report.mails += 1
    report.takes += len(take_ids)


def send_alerts(progress: Callable[[str], None] = lambda line: None) -> Report:
    """Mail every confirmed subscriber their new takes; ``progress`` hears of each 100 subscribers."""
    report = Report(in_doubt=AlertDelivery.objects.filter(sent__isnull=True).count())
    subscribers = Subscriber.objects.filter(
        Exists(Alert.objects.filter(subscriber=OuterRef("pk"), confirmed__isnull=False))
    ).order_by("pk")
    total = subscribers.count()
    for number, subscriber in enumerate(subscribers.iterator(), start=1):
        send_to(subscriber, report)
        report.subscribers = number
        if number % 100 == 0 or number == total:
            progress(f"{number:,}/{total:,} subscribers: {report.mails:,} mails, {report.takes:,} takes")
    return report
