"""Email alerts: a reader follows a search, an expert or a question (any set of the take list's
filters) and is mailed the takes published after they confirmed (docs/open-data.md "Alerts").

An address is kept only while it follows something: unsubscribing from its last alert forgets it.
It is never shown on a page, in an export or in the API; only ``send_alerts`` and the sign-up
view read it, to send mail.
"""

from __future__ import annotations

from django.db import models


class Subscriber(models.Model):
    """An email address that asked for alerts (one row per address, whatever it follows)."""

    email = models.EmailField(max_length=254, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Subscriber {self.pk}"  # never the address: admin lists, logs and errors show this


class Alert(models.Model):
    """One followed list: the take list's filters as a canonical query string (``params``), and
    what the reader saw it called (``label``). Mailed only once ``confirmed`` (double opt-in)."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="alerts")
    params = models.CharField(max_length=2000, blank=True)
    label = models.CharField(max_length=500)
    created = models.DateTimeField(auto_now_add=True)
    confirmed = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscriber", "params"], name="alert_once_per_subscriber")]
        indexes = [models.Index(fields=["confirmed", "subscriber"], name="alert_confirmed_idx")]

    def __str__(self) -> str:
        return self.label


class AlertDelivery(models.Model):
    """A take claimed for one subscriber's mail (``sent`` once the SMTP server accepted it).

    The unique pair is what makes ``send_alerts`` idempotent: a take is claimed for a subscriber
    once, in a transaction, before the mail goes out; a run interrupted after the claim never
    mails it again (its ``sent`` stays empty, and the next run reports it)."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    take = models.ForeignKey("Take", on_delete=models.CASCADE, related_name="+")
    claimed = models.DateTimeField(auto_now_add=True)
    sent = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscriber", "take"], name="alert_delivery_once")]

    def __str__(self) -> str:
        return f"Take {self.take_id} for subscriber {self.subscriber_id}"
