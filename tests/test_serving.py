"""Serving: far-future caching of hashed static files (whitenoise + manifest storage), and ETags
with 304 Not Modified on pages."""

import os
import secrets
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_a_matching_if_none_match_gets_304_not_modified(client, seed_collection):
    for url in ("/", "/takes/", "/takes/hanoi-summit-we-asked-soo-kim/", "/search/?q=korea", "/about/"):
        first = client.get(url)
        assert first.status_code == 200, url
        etag = first.headers["ETag"]
        assert etag, url
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.content == b""
        assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200, url


def test_a_changed_page_gets_a_new_etag(client, seed_collection):
    from archive.models import Take

    before = client.get("/takes/").headers["ETag"]
    shown_first = Take.objects.published().newest_first().first()
    Take.objects.filter(pk=shown_first.pk).update(title="A changed title")
    after = client.get("/takes/", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["ETag"] != before


def test_hashed_static_files_are_cached_for_a_year_under_production_settings(tmp_path):
    """collectstatic into a temporary STATIC_ROOT with the production storage, then ask whitenoise."""
    script = textwrap.dedent(
        f"""
        import django, re
        from django.conf import settings
        from django.core.management import call_command
        django.setup()
        settings.STATIC_ROOT = {str(tmp_path / "static")!r}
        call_command("collectstatic", "--noinput", verbosity=0)
        from django.templatetags.static import static
        hashed = static("archive/style.css")
        assert re.search(r"style\\.[0-9a-f]{{12}}\\.css$", hashed), hashed
        # whitenoise reads STATIC_ROOT when the middleware is built: build it now
        from django.test import Client
        client = Client(SERVER_NAME="archive.example.org")
        client.handler.load_middleware()
        response = client.get(hashed, secure=True)
        print(response.status_code, response.headers.get("Cache-Control"))
        response = client.get(hashed, secure=True, headers={{"Accept-Encoding": "gzip"}})
        print(response.headers.get("Content-Encoding"))
        page = client.get("/search/help/", secure=True)  # a page that needs no database
        print(hashed in page.content.decode())
        """
    )
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "archive.example.org",
        "DJANGO_SETTINGS_MODULE": "archive.settings",
    }
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=180
    )
    assert run.returncode == 0, run.stdout + run.stderr
    status_line, encoding, linked = run.stdout.strip().splitlines()[-3:]
    assert status_line == "200 max-age=315360000, public, immutable"
    assert encoding == "gzip"
    assert linked == "True"  # pages link the hashed name
