"""/alerts/: follow a list by email (sign up, confirm), and unsubscribe.

Every page here holds a form or acts on a signed link: none is kept by the page cache (``not_kept``;
their CSRF cookie would keep them out anyway). Forms are POST with Django's CSRF protection, but
for the unsubscribe link's POST: mail clients send it from the ``List-Unsubscribe-Post`` header
with no cookie (RFC 8058), and its signed token is all the proof it needs. No page shows an address.
"""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from archive.alerts import follow, mail, tokens
from archive.alerts.limits import signup_allowed
from archive.cache import not_kept
from archive.models import Alert, Subscriber


class FollowForm(forms.Form):
    email = forms.EmailField(label="Your email address", max_length=254)
    params = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


def _follow_context(request: HttpRequest, params) -> dict:
    filterset = follow.read(params)
    return {
        "title": "Follow by email",
        "label": follow.label(filterset),
        "params": follow.canonical(filterset),
        "notices": filterset.notices,
    }


@not_kept
@require_http_methods(["GET", "HEAD", "POST"])
def follow_view(request: HttpRequest) -> HttpResponse:
    """GET ``/alerts/follow/?<take list filters>``: the form; POST: the sign-up."""
    if request.method != "POST":
        context = _follow_context(request, request.GET)
        return render(request, "alerts/follow.html", {**context, "form": FollowForm(initial=context)})
    form = FollowForm(request.POST)
    if not form.is_valid():
        context = _follow_context(request, form.data.get("params", "")[:2000])
        return render(request, "alerts/follow.html", {**context, "form": form}, status=400)
    context = _follow_context(request, form.cleaned_data["params"])
    email = form.cleaned_data["email"].strip()
    if not signup_allowed(request, email):
        return render(request, "alerts/message.html", {"title": "Too many sign-ups", "kind": "throttled"}, status=429)
    alert = _sign_up(email, context["params"], context["label"])
    if alert is not None:
        mail.confirmation(alert, request.build_absolute_uri("/").rstrip("/")).send()
    # The same page whether the address is new, known or already following: nothing is revealed.
    return render(request, "alerts/message.html", {"title": "Check your email", "kind": "sent", **context})


def _sign_up(email: str, params: str, label: str) -> Alert | None:
    """The alert to confirm (new, or not yet confirmed); None when it is confirmed already."""
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.get_or_create(email=email.lower())
        alert, _ = Alert.objects.get_or_create(subscriber=subscriber, params=params, defaults={"label": label})
    return None if alert.confirmed else alert


@not_kept
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a button to confirm (a link scanner's GET confirms nothing); POST: confirm."""
    alert = Alert.objects.filter(pk=tokens.confirmed_alert_id(token) or 0).first()
    if alert is None:
        return render(request, "alerts/message.html", {"title": "Link expired", "kind": "bad link"}, status=400)
    if request.method == "POST":
        if alert.confirmed is None:
            alert.confirmed = timezone.now()
            alert.save(update_fields=["confirmed"])
        return render(request, "alerts/message.html", {"title": "Alert confirmed", "kind": "confirmed", "alert": alert})
    return render(request, "alerts/confirm.html", {"title": "Confirm your alert", "alert": alert})


@not_kept
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a button to unsubscribe; POST (the button, or a mail client's one-click): unsubscribe.
    Unsubscribing from an address's last alert forgets the address."""
    which = tokens.unsubscribed(token)
    if which is None:
        return render(request, "alerts/message.html", {"title": "Link not valid", "kind": "bad link"}, status=400)
    alerts = Alert.objects.filter(pk=which["alert"]) if "alert" in which else None
    subscribers = Subscriber.objects.filter(pk=which.get("subscriber") or 0)
    if request.method != "POST":
        label = alerts.first().label if alerts is not None and alerts.exists() else ""
        return render(request, "alerts/unsubscribe.html", {"title": "Unsubscribe", "label": label, "every": not alerts})
    with transaction.atomic():
        if alerts is not None:
            subscriber_ids = list(alerts.values_list("subscriber_id", flat=True))
            alerts.delete()
            subscribers = Subscriber.objects.filter(pk__in=subscriber_ids, alerts__isnull=True)
        subscribers.delete()
    return render(request, "alerts/message.html", {"title": "Unsubscribed", "kind": "unsubscribed"})
