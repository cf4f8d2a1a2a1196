"""Alerts end to end against a real SMTP server (aiosmtpd on loopback): sign up, confirm, receive
the new takes, unsubscribe with one click, and nothing more is sent. The SMTP transcript's summary
is printed (``pytest -s``)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.test import Client

from archive.models import Alert, Subscriber
from tests.factories import ExpertFactory, TakeFactory
from tests.smtp_server import LoopbackController, Recorder

pytestmark = pytest.mark.django_db

ADDRESS = "reader@example.org"


@pytest.fixture
def smtp(settings):
    recorder = Recorder()
    controller = LoopbackController(recorder)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    settings.SITE_URL = "http://testserver"
    yield recorder
    controller.stop()


def link(message, kind: str) -> str:
    found = re.search(rf"http://testserver(/alerts/{kind}/[^/\s]+/)", message.get_content())
    assert found, message.get_content()
    return found.group(1)


def sign_up(client: Client, query: str) -> None:
    page = client.get("/alerts/follow/" + query)
    assert page.status_code == 200 and "X-Page-Cache" not in page
    token = client.cookies["csrftoken"].value
    params = re.search(r'name="params" value="([^"]*)"', page.content.decode()).group(1)
    response = client.post("/alerts/follow/", {"email": ADDRESS, "params": params, "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and ADDRESS not in response.content.decode()


def test_sign_up_confirm_receive_and_unsubscribe_over_smtp(smtp):
    client = Client(enforce_csrf_checks=True)
    expert = ExpertFactory(name="Soo Kim & Co")
    TakeFactory(title="Written before the alert", authors=[expert])
    sign_up(client, f"?expert={expert.slug}")
    assert len(smtp.messages) == 1
    confirmation = smtp.messages[0]
    assert confirmation["To"] == ADDRESS and "Expert: Soo Kim & Co" in confirmation.get_content()
    assert confirmation["List-Unsubscribe"].startswith("<http://testserver/alerts/unsubscribe/")

    call_command("send_alerts", verbosity=0)
    assert len(smtp.messages) == 1, "nothing is mailed before the alert is confirmed"

    confirm = link(confirmation, "confirm")
    page = client.get(confirm)
    assert page.status_code == 200 and Alert.objects.get().confirmed is None, "a GET confirms nothing"
    response = client.post(confirm, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert response.status_code == 200 and Alert.objects.get().confirmed is not None

    new = TakeFactory(title="Kim & Trump: after Hanoi", authors=[expert])
    TakeFactory(title="Someone else's take")
    call_command("send_alerts", verbosity=0)
    assert len(smtp.messages) == 2
    alert_mail = smtp.messages[1]
    body = alert_mail.get_content()
    assert "Kim & Trump: after Hanoi" in body and f"http://testserver/takes/{new.slug}/" in body
    assert "Written before the alert" not in body and "Someone else's take" not in body
    assert alert_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    call_command("send_alerts", verbosity=0)
    assert len(smtp.messages) == 2, "a take is mailed once"

    one_click = alert_mail["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")
    response = Client(enforce_csrf_checks=True).post(
        one_click, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not Subscriber.objects.exists() and not Alert.objects.exists()
    TakeFactory(title="After unsubscribing", authors=[expert])
    call_command("send_alerts", verbosity=0)
    assert len(smtp.messages) == 2

    commands = Counter(line.split(" ", 1)[0].split(":")[0] for line in smtp.transcript)
    print(f"\nSMTP transcript: {len(smtp.messages)} messages; commands {dict(commands)}")
    for line in smtp.transcript:
        print("  " + line)
    assert commands["DATA"] == 2 and commands["RCPT"] == 2
