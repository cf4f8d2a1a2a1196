"""The README's statements about methods and status codes match what the public site does
(issue 21, finding 9: the README said any method but GET/HEAD is 405; without a CSRF token a POST
is 403)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory

PAGES = ["/", "/takes/", "/search/?q=korea", "/quotes/", "/experts/", "/about/"]

#: (method, with a valid CSRF token, status): the README's "Production" section, case by case.
STATED = [
    ("get", False, 200),
    ("head", False, 200),
    ("options", False, 405),
    ("trace", False, 405),
    ("post", False, 403),
    ("put", False, 403),
    ("patch", False, 403),
    ("delete", False, 403),
    ("post", True, 405),
    ("put", True, 405),
    ("patch", True, 405),
    ("delete", True, 405),
]

README_SENTENCE = (
    "GET and HEAD are answered; OPTIONS and TRACE\nget 405 (Method Not Allowed); POST, PUT, PATCH and DELETE get 403 "
    "(Forbidden) from the CSRF check\nwhen they carry no valid CSRF token, and 405 when they do; an unknown address "
    "is 404 whatever the\nmethod"
)


def _client_with_token() -> tuple[Client, str]:
    """A client holding a CSRF cookie, and the token that goes with it."""
    client = Client(enforce_csrf_checks=True)
    token = get_token(RequestFactory().get("/"))
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    return client, token


def test_the_readme_states_the_cases_checked_here():
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    assert README_SENTENCE in readme
    assert "any method but GET/HEAD is 405" not in readme


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "with_token", "status"), STATED)
def test_each_stated_method_gets_the_stated_status(seed_collection, method, with_token, status):
    client, token = _client_with_token()
    headers = {"HTTP_X_CSRFTOKEN": token} if with_token else {}
    for path in PAGES:
        response = getattr(client, method)(path, **headers)
        assert response.status_code == status, (method, with_token, path)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "head", "post", "put", "delete", "options"])
def test_an_unknown_address_is_404_whatever_the_method(method):
    client, token = _client_with_token()
    assert getattr(client, method)("/no-such-page/").status_code == 404
    assert getattr(client, method)("/no-such-page/", HTTP_X_CSRFTOKEN=token).status_code == 404
