"""Alerts: what is mailed and when, never twice (even after an interrupted run), sign-up limits,
signed links, CSRF, the page cache, and no address anywhere public."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from archive.alerts import sending, tokens
from archive.db import data_version
from archive.models import Alert, AlertDelivery, Status, Subscriber
from tests.factories import ExpertFactory, QuestionFactory, StanceFactory, TakeFactory

pytestmark = pytest.mark.django_db


def follow(email: str, params: str, *, confirmed: bool = True) -> Alert:
    subscriber, _ = Subscriber.objects.get_or_create(email=email)
    return Alert.objects.create(
        subscriber=subscriber, params=params, label=params, confirmed=timezone.now() if confirmed else None
    )


def mailed_titles(message) -> list[str]:
    return re.findall(r"^\* (.+)$", message.body, re.MULTILINE)


def test_each_subscriber_gets_the_new_takes_their_alerts_match_once():
    expert, other = ExpertFactory(), ExpertFactory()
    question = QuestionFactory()
    StanceFactory(question=question)
    follow("a@example.org", f"expert={expert.slug}")
    follow("a@example.org", "q=sanctions")
    follow("b@example.org", f"question={question.slug}")
    follow("c@example.org", f"expert={other.slug}", confirmed=False)
    TakeFactory(title="Sanctions and Kim", authors=[expert])  # found by both of a's alerts: mailed once
    TakeFactory(title="A draft on sanctions", authors=[expert], status=Status.DRAFT)
    TakeFactory(title="By the other", authors=[other])
    call_command("send_alerts", verbosity=0)
    assert [message.to for message in mail.outbox] == [["a@example.org"]]
    assert mailed_titles(mail.outbox[0]) == ["Sanctions and Kim"]
    call_command("send_alerts", verbosity=0)
    assert len(mail.outbox) == 1


def test_a_run_interrupted_after_mailing_never_mails_the_same_take_again(monkeypatch):
    expert = ExpertFactory()
    follow("a@example.org", f"expert={expert.slug}")
    follow("b@example.org", f"expert={expert.slug}")
    TakeFactory(title="New", authors=[expert])
    real_mark_sent = sending.mark_sent

    def die_after_the_first_mail(subscriber, take_ids):
        raise KeyboardInterrupt  # the process killed after the SMTP server took the mail

    monkeypatch.setattr(sending, "mark_sent", die_after_the_first_mail)
    with pytest.raises(KeyboardInterrupt):
        call_command("send_alerts", verbosity=0)
    assert [message.to for message in mail.outbox] == [["a@example.org"]]
    monkeypatch.setattr(sending, "mark_sent", real_mark_sent)
    report = sending.send_alerts()
    assert [message.to for message in mail.outbox] == [["a@example.org"], ["b@example.org"]]
    assert report.in_doubt == 1 and report.mails == 1
    sending.send_alerts()
    assert len(mail.outbox) == 2


def test_a_refused_mail_gives_its_takes_back_for_the_next_run(monkeypatch):
    expert = ExpertFactory()
    follow("a@example.org", f"expert={expert.slug}")
    TakeFactory(title="New", authors=[expert])

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    report = sending.send_alerts()
    assert report.refused == 1 and not AlertDelivery.objects.exists()
    monkeypatch.undo()
    sending.send_alerts()
    assert len(mail.outbox) == 1 and AlertDelivery.objects.get().sent is not None


def test_takes_published_before_the_alert_was_confirmed_are_not_mailed():
    expert = ExpertFactory()
    TakeFactory(title="Old", authors=[expert])
    follow("a@example.org", f"expert={expert.slug}")
    call_command("send_alerts", verbosity=0)
    assert mail.outbox == []


def test_a_draft_published_later_is_mailed_then():
    expert = ExpertFactory()
    follow("a@example.org", f"expert={expert.slug}")
    draft = TakeFactory(title="Once a draft", authors=[expert], status=Status.DRAFT)
    call_command("send_alerts", verbosity=0)
    assert mail.outbox == []
    draft.status = Status.PUBLISHED
    draft.save()
    call_command("send_alerts", verbosity=0)
    assert mailed_titles(mail.outbox[0]) == ["Once a draft"]


def test_sign_up_needs_a_csrf_token_and_a_valid_address(client):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/alerts/follow/", {"email": "a@example.org", "params": ""}).status_code == 403
    response = client.post("/alerts/follow/", {"email": "not an address", "params": ""})
    assert response.status_code == 400 and not Subscriber.objects.exists() and mail.outbox == []


def test_sign_ups_are_limited_per_client_and_per_address(client, settings):
    settings.ALERT_SIGNUP_RATE_EMAIL = "2/hour"
    settings.ALERT_SIGNUP_RATE_ADDRESS = "3/hour"
    statuses = [
        client.post("/alerts/follow/", {"email": "a@example.org", "params": f"q=w{n}"}).status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert client.post("/alerts/follow/", {"email": "b@example.org", "params": ""}).status_code == 429  # 4th from here
    assert len(mail.outbox) == 2


def test_signing_up_again_reveals_nothing_and_sends_nothing_once_confirmed(client):
    alert = follow("a@example.org", "q=kim")
    response = client.post("/alerts/follow/", {"email": "A@example.org", "params": "q=kim"})
    assert response.status_code == 200 and mail.outbox == []
    assert Alert.objects.get().pk == alert.pk


def test_links_with_a_bad_or_old_signature_do_nothing(client, settings):
    alert = follow("a@example.org", "q=kim", confirmed=False)
    assert client.post(f"/alerts/confirm/{tokens.confirm_token(alert.pk)}x/").status_code == 400
    old = signing.TimestampSigner(salt=tokens.CONFIRM).sign_object(alert.pk)
    settings.ALERT_CONFIRM_DAYS = -1
    assert client.post(f"/alerts/confirm/{old}/").status_code == 400
    assert client.post("/alerts/unsubscribe/nonsense/").status_code == 400
    assert Alert.objects.get().confirmed is None


def test_unsubscribing_from_one_alert_keeps_the_others(client):
    first = follow("a@example.org", "q=kim")
    follow("a@example.org", "q=trump")
    response = client.post(f"/alerts/unsubscribe/{tokens.unsubscribe_token(alert_id=first.pk)}/")
    assert response.status_code == 200
    assert list(Alert.objects.values_list("params", flat=True)) == ["q=trump"]
    assert Subscriber.objects.count() == 1


def test_the_alert_pages_are_never_kept_and_never_show_an_address(client):
    expert = ExpertFactory(name="Soo Kim")
    TakeFactory(authors=[expert])
    for _ in range(2):
        page = client.get(f"/alerts/follow/?expert={expert.slug}")
        assert page.status_code == 200 and "X-Page-Cache" not in page
        assert "Expert: Soo Kim" in page.content.decode()
    client.post("/alerts/follow/", {"email": "secret@example.org", "params": f"expert={expert.slug}"})
    alert = Alert.objects.get()
    pages = [
        client.get(f"/alerts/confirm/{tokens.confirm_token(alert.pk)}/"),
        client.get(f"/alerts/unsubscribe/{tokens.unsubscribe_token(subscriber_id=alert.subscriber_id)}/"),
        client.get("/api/v1/experts/"),
        client.get(f"/experts/{expert.slug}/"),
    ]
    assert all("secret@example.org" not in page.content.decode() for page in pages)
    assert str(alert.subscriber) == f"Subscriber {alert.subscriber_id}"


@pytest.mark.django_db(transaction=True)  # PostgreSQL moves the version at commit
def test_signing_up_and_mailing_keep_the_cached_pages(client):
    expert = ExpertFactory()
    follow("a@example.org", f"expert={expert.slug}")
    TakeFactory(authors=[expert])
    before = data_version.current()[0]
    client.post("/alerts/follow/", {"email": "b@example.org", "params": ""})
    call_command("send_alerts", verbosity=0)
    assert len(mail.outbox) == 2 and data_version.current()[0] == before


def test_unknown_filters_are_dropped_with_a_notice(client):
    page = client.get("/alerts/follow/?expert=nobody&q=sanctions")
    body = page.content.decode()
    assert "There is no expert" in body and 'value="q=sanctions"' in body
