"""Security by default: headers on every HTML response, CSRF on every form, a read-only public site,
drafts and the admin out of the public's reach, and a production config that passes --deploy."""

import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from archive import models
from tests.archive_data import build_archive
from tests.factories import ExpertFactory, PublicationFactory
from tests.pages import public_pages

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")


def csp_directives(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part for part in (p.strip() for p in header.split(";")) if part}


def assert_security_headers(response, url: str) -> None:
    assert response["Content-Type"].startswith("text/html"), url
    assert response.headers["X-Frame-Options"] == "DENY", url
    assert response.headers["X-Content-Type-Options"] == "nosniff", url
    assert response.headers["Referrer-Policy"] == "same-origin", url
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin", url
    directives = csp_directives(response)
    assert directives["default-src"] == "default-src 'self'", url
    assert "'unsafe-inline'" not in directives["script-src"], url
    assert "'unsafe-eval'" not in directives["script-src"], url
    assert directives["frame-ancestors"] == "frame-ancestors 'none'", url
    assert directives["object-src"] == "object-src 'none'", url
    assert directives["form-action"] == "form-action 'self'", url


class Forms(HTMLParser):
    """Every <form> with its method and whether it carries Django's CSRF token."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (attributes.get("method") or "get").lower(), "token": False})
        elif tag == "input" and attributes.get("name") == "csrfmiddlewaretoken" and self.forms:
            self.forms[-1]["token"] = bool(attributes.get("value"))
        elif tag == "script":
            self.scripts.append(attributes)


def parse_forms(response) -> Forms:
    parser = Forms()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def staff_client(db):
    admin = User.objects.create_superuser("boss", password="a-long-admin-password-1")
    client = Client()
    client.force_login(admin)
    return client


def admin_pages() -> list[str]:
    take = models.Take.objects.order_by("pk").first()
    return [
        reverse("admin:index"),
        reverse("admin:archive_take_changelist"),
        reverse("admin:archive_take_changelist") + "?q=korea",
        reverse("admin:archive_take_add"),
        reverse("admin:archive_take_change", args=[take.pk]),
        reverse("admin:archive_take_history", args=[take.pk]),
        reverse("admin:archive_expert_add"),
        reverse("admin:archive_publication_changelist"),
        reverse("admin:password_change"),
    ]


# --------------------------------------------------------------------------- headers


def test_every_public_page_type_carries_the_security_headers(client, seed_collection):
    for kind, url in public_pages().items():
        response = client.get(url)
        assert response.status_code == 200, (kind, url)
        assert_security_headers(response, url)


def test_admin_pages_carry_the_security_headers(client, staff_client, seed_collection):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert_security_headers(response, "login")
    for url in admin_pages():
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response, url)


@pytest.mark.parametrize(
    "url", ["/no-such-page/", "/takes/no-such-take/", "/experts/nobody/", "/admin/archive/take/999999/change/"]
)
def test_error_pages_carry_the_security_headers(staff_client, seed_collection, url):
    response = staff_client.get(url, follow=True)
    assert response.status_code in (200, 404), url  # the admin redirects an unknown object to its list
    assert_security_headers(response, url)


def test_the_not_found_page_is_the_archives_own_and_keeps_the_headers(client, seed_collection):
    response = client.get("/takes/no-such-take/")
    assert response.status_code == 404
    assert_security_headers(response, "404")
    assert "Page not found" in response.content.decode()
    assert 'href="/search/"' in response.content.decode()


def test_scripts_only_run_with_the_per_request_nonce(client, staff_client, seed_collection):
    """No inline script without the nonce anywhere (the public pages have no scripts at all)."""
    for url in public_pages().values():
        assert parse_forms(client.get(url)).scripts == [], url
    for url in admin_pages():
        response = staff_client.get(url)
        nonce = csp_directives(response)["script-src"]
        for script in parse_forms(response).scripts:
            assert "src" in script or (script.get("nonce") and script["nonce"] in nonce), (url, script)


# --------------------------------------------------------------------------- CSRF on every form


def test_public_forms_are_get_forms_and_admin_forms_carry_a_csrf_token(client, staff_client, seed_collection):
    public_forms = 0
    for url in public_pages().values():
        for form in parse_forms(client.get(url)).forms:
            public_forms += 1
            assert form["method"] == "get", url
    assert public_forms >= 5  # the filter and search forms
    for url in [reverse("admin:login")]:
        forms = parse_forms(client.get(url)).forms
        assert forms and all(f["token"] for f in forms if f["method"] == "post"), url
    admin_post_forms = 0
    for url in admin_pages():
        for form in parse_forms(staff_client.get(url)).forms:
            if form["method"] == "post":
                admin_post_forms += 1
                assert form["token"], url
    assert admin_post_forms >= 6


def test_admin_sign_in_refuses_a_post_without_a_csrf_token(seed_collection):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("admin:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    "name,args",
    [
        ("admin:archive_take_add", []),
        ("admin:archive_expert_add", []),
        ("admin:archive_publication_add", []),
        ("admin:archive_take_changelist", []),  # bulk actions (publish, ...)
        ("admin:password_change", []),
        ("admin:logout", []),
    ],
)
def test_admin_writes_refuse_a_post_without_a_csrf_token(name, args):
    admin = User.objects.create_superuser("boss", password="a-long-admin-password-1")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    publication = PublicationFactory()
    before = (models.Publication.objects.count(), models.Expert.objects.count(), models.Take.objects.count())
    response = client.post(
        reverse(name, args=args),
        {"name": "Forged", "slug": "forged", "action": "publish", "_selected_action": [], "old_password": "x"},
    )
    assert response.status_code == 403
    assert (models.Publication.objects.count(), models.Expert.objects.count(), models.Take.objects.count()) == before
    assert models.Publication.objects.filter(pk=publication.pk).exists()
    assert client.get(reverse("admin:index")).status_code == 200  # still signed in: logout was refused too


def test_a_post_with_the_token_goes_through():
    """The control for the tests above: with the token from the form, the same post is accepted."""
    admin = User.objects.create_superuser("boss", password="a-long-admin-password-1")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    client.get(reverse("admin:archive_expert_add"))
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        reverse("admin:archive_expert_add"),
        {
            "csrfmiddlewaretoken": token,
            "name": "Real Expert",
            "slug": "real-expert",
            "sort_name": "Expert, Real",
            "kind": models.ExpertKind.EXPERT,
            "affiliations-TOTAL_FORMS": "0",
            "affiliations-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert models.Expert.objects.filter(slug="real-expert").exists()


# --------------------------------------------------------------------------- read-only public site


def row_counts() -> dict[str, int]:
    from django.apps import apps

    return {model._meta.label: model.objects.count() for model in apps.get_app_config("archive").get_models()}


@pytest.mark.parametrize("method", WRITE_METHODS)
def test_public_urls_refuse_every_write_method(seed_collection, method):
    pages = public_pages()
    before = row_counts()
    with_token = Client()  # CSRF checks off: the view itself must refuse
    strict = Client(enforce_csrf_checks=True)
    for url in pages.values():
        response = getattr(with_token, method)(url, {"title": "Written", "q": "x"})
        assert response.status_code == 405, (method, url, response.status_code)
        assert "GET" in response["Allow"] and "POST" not in response["Allow"]
        assert getattr(strict, method)(url).status_code in (403, 405), (method, url)
    assert row_counts() == before


def test_head_requests_are_answered_without_a_body(client, seed_collection):
    for url in public_pages().values():
        response = client.head(url)
        assert response.status_code == 200, url


def test_the_admin_turns_anonymous_readers_away(client, seed_collection):
    archive_take = models.Take.objects.order_by("pk").first()
    for url in [
        reverse("admin:index"),
        reverse("admin:archive_take_changelist"),
        reverse("admin:archive_take_add"),
        reverse("admin:archive_take_change", args=[archive_take.pk]),
        reverse("admin:archive_take_delete", args=[archive_take.pk]),
        reverse("admin:auth_user_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), url
    before = row_counts()
    response = client.post(reverse("admin:archive_expert_add"), {"name": "Intruder", "slug": "intruder"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    response = client.post(reverse("admin:archive_take_delete", args=[archive_take.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert row_counts() == before


def test_a_signed_in_reader_without_staff_status_cannot_use_the_admin(client, seed_collection):
    reader = User.objects.create_user("reader", password="a-long-reader-password-1")
    client.force_login(reader)
    response = client.get(reverse("admin:archive_take_add"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    before = row_counts()
    client.post(reverse("admin:archive_expert_add"), {"name": "Intruder", "slug": "intruder"})
    assert row_counts() == before


def test_drafts_are_unreachable_through_every_public_page(client):
    archive = build_archive(6)
    draft = archive.draft
    ExpertFactory(name="Draft-only Expert", slug="draft-only-expert")
    models.TakeAuthor.objects.create(take=draft, expert=models.Expert.objects.get(slug="draft-only-expert"), order=9)
    urls = [
        *public_pages().values(),
        "/search/?q=secret",
        "/search/?q=draft&type=takes",
        "/search/?q=draft&type=quotes",
        '/quotes/?q="draft words"',
        f"/quotes/?speaker={archive.experts[0].slug}",
        f"/takes/?collection={archive.collection.slug}",
        f"/collections/{archive.collection.slug}/",
        f"/experts/{archive.experts[0].slug}/",
    ]
    for url in urls:
        html = client.get(url).content.decode()
        assert "Secret draft take" not in html, url
        assert "Draft words" not in html, url
        assert draft.slug not in html, url
        assert "Draft-only Expert" not in html, url
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/experts/draft-only-expert/").status_code == 404


# --------------------------------------------------------------------------- production configuration


def production_env(**extra: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "archive.example.org",
        **extra,
    }


def test_production_configuration_passes_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_turn_on_https_hsts_and_secure_cookies():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.X_FRAME_OPTIONS, s.STORAGES['staticfiles']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env={**production_env(), "DJANGO_SETTINGS_MODULE": "archive.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "31536000",
        "True",
        "True",
        "DENY",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]
