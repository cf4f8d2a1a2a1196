"""Repeated failed admin sign-ins from one address lock that address out for a while (django-axes)."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")


@pytest.fixture
def editor():
    return User.objects.create_user("editor", password="the-right-password", is_staff=True)


def sign_in(client: Client, password: str):
    return client.post(LOGIN, {"username": "editor", "password": password, "next": "/admin/"})


def test_a_wrong_password_is_refused_without_a_lockout_at_first(client, editor):
    response = sign_in(client, "wrong")
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()


def test_repeated_failures_lock_the_address_out_with_a_clear_message(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong").status_code == 200
    locked = sign_in(client, "wrong")
    page = locked.content.decode()
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in page
    assert f"after {settings.AXES_FAILURE_LIMIT} failed attempts" in page
    assert "Try again in 15 minutes" in page
    assert locked["Retry-After"] == "900"

    # even the right password is refused while the lock holds
    assert sign_in(client, "the-right-password").status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_address(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong")
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    response = sign_in(elsewhere, "the-right-password")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_a_successful_sign_in_resets_the_count(client, editor):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "wrong")
    assert sign_in(client, "the-right-password").status_code == 302
    client.logout()
    assert sign_in(client, "wrong").status_code == 200
