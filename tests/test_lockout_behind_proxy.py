"""The sign-in lockout counts per username and address and per username (issue 21, finding 2), and
reads the client's address from a trusted proxy's header only when told to."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.test_settings import start

pytestmark = pytest.mark.django_db
LOGIN = reverse("admin:login")
PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def editors():
    User.objects.create_user("editor", password="the-right-password", is_staff=True)
    User.objects.create_user("second", password="another-right-password", is_staff=True)


@pytest.fixture
def behind_proxy(settings):
    settings.CLIENT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    settings.CLIENT_IP_PROXY_COUNT = 1
    settings.CLIENT_IP_TRUSTED_PROXIES = []
    return settings


def sign_in(client: Client, username: str, password: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra)


def test_a_shared_address_does_not_lock_the_other_editors_out(settings):
    shared = Client(REMOTE_ADDR=PROXY)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(shared, "editor", "wrong")
    assert sign_in(shared, "editor", "the-right-password").status_code == 429
    assert sign_in(Client(REMOTE_ADDR=PROXY), "second", "another-right-password").status_code == 302


def test_many_addresses_do_not_give_unlimited_guesses_at_one_name(settings):
    settings.AXES_USERNAME_FAILURE_LIMIT = 12
    for n in range(12):  # three failures from each of four addresses: under the per-address limit each time
        response = sign_in(Client(REMOTE_ADDR=f"198.51.100.{n // 3 + 1}"), "editor", "wrong")
    assert response.status_code == 429
    fresh = Client(REMOTE_ADDR="203.0.113.50")
    assert sign_in(fresh, "editor", "the-right-password").status_code == 429
    assert sign_in(fresh, "second", "another-right-password").status_code == 302


def test_direct_the_forwarded_header_is_ignored_unless_configured(settings):
    client = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, "editor", "wrong", forwarded=f"198.51.100.{n}")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.10"}


def test_proxied_the_address_is_the_one_the_proxy_saw(behind_proxy):
    client = Client(REMOTE_ADDR=PROXY)
    # the client wrote its own left-most entries; the proxy appended the real address
    for n in range(behind_proxy.AXES_FAILURE_LIMIT):
        response = sign_in(client, "editor", "wrong", forwarded=f"1.2.3.{n}, 198.51.100.7")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    # the same name from another visitor behind the same proxy still signs in
    assert sign_in(Client(REMOTE_ADDR=PROXY), "editor", "the-right-password", "198.51.100.8").status_code == 302


def test_proxied_with_two_proxies_counts_from_the_right(behind_proxy):
    behind_proxy.CLIENT_IP_PROXY_COUNT = 2
    sign_in(Client(REMOTE_ADDR=PROXY), "editor", "wrong", forwarded="6.6.6.6, 198.51.100.9, 10.0.0.2")
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.9"]


@pytest.mark.parametrize("header", [None, "", "not an address", "  ,  "])
def test_proxied_a_missing_or_malformed_header_falls_back_to_the_peer(behind_proxy, header):
    sign_in(Client(REMOTE_ADDR=PROXY), "editor", "wrong", forwarded=header)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [PROXY]


def test_proxied_the_header_is_believed_only_from_a_trusted_proxy(behind_proxy):
    import ipaddress

    behind_proxy.CLIENT_IP_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    sign_in(Client(REMOTE_ADDR="192.0.2.99"), "editor", "wrong", forwarded="198.51.100.1")
    sign_in(Client(REMOTE_ADDR=PROXY), "editor", "wrong", forwarded="198.51.100.2")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.99", "198.51.100.2"}


@pytest.mark.parametrize(
    "env, message",
    [
        ({"CLIENT_IP_HEADER": "X Forwarded For"}, "CLIENT_IP_HEADER='X Forwarded For' is not a header name"),
        ({"CLIENT_IP_PROXY_COUNT": "0"}, "CLIENT_IP_PROXY_COUNT=0 must be 1 or more"),
        ({"CLIENT_IP_PROXY_COUNT": "two"}, "CLIENT_IP_PROXY_COUNT='two' is not a whole number"),
        ({"CLIENT_IP_TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"}, "'proxy.internal' is not an IP address"),
        ({"AXES_USERNAME_FAILURE_LIMIT": "3"}, "AXES_USERNAME_FAILURE_LIMIT=3 must be at least AXES_FAILURE_LIMIT"),
        ({"AXES_FAILURE_LIMIT": "0"}, "AXES_FAILURE_LIMIT=0 must be 1 or more"),
    ],
)
def test_bad_lockout_settings_are_named_in_the_error(env, message):
    result = start(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_good_proxy_settings_start():
    result = start(CLIENT_IP_HEADER="X-Real-IP", CLIENT_IP_PROXY_COUNT="1", CLIENT_IP_TRUSTED_PROXIES="10.0.0.0/8,::1")
    assert result.returncode == 0, result.stderr
