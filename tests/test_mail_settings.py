"""Mail settings come from EMAIL_URL or the EMAIL_HOST family; a bad EMAIL_URL stops start-up."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

BASE = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_") and k not in {"DEBUG", "DATABASE_URL"}}
PRINT = (
    "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='archive.settings'; django.setup(); "
    "from django.conf import settings; print(json.dumps(settings.MAILERS['default']))"
)


def mailer(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PRINT],
        env={**BASE, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize(
    "env, backend, options",
    [
        ({}, "django.core.mail.backends.console.EmailBackend", None),
        ({"EMAIL_URL": "console://"}, "django.core.mail.backends.console.EmailBackend", None),
        (
            {"EMAIL_URL": "smtp+tls://me%40x.org:p%3Ass@mail.example.org"},
            SMTP,
            {"host": "mail.example.org", "port": 587, "username": "me@x.org", "password": "p:ss", "use_tls": True},
        ),
        ({"EMAIL_URL": "smtps://mail.example.org:2465"}, SMTP, {"port": 2465, "use_ssl": True, "use_tls": False}),
        ({"EMAIL_HOST": "relay", "EMAIL_PORT": "2525", "EMAIL_USE_TLS": "1"}, SMTP, {"host": "relay", "port": 2525}),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "a.example"}, SMTP, {"host": "localhost", "port": 25}),
    ],
)
def test_the_mail_server_is_read_from_the_environment(env, backend, options):
    result = mailer(**env)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["BACKEND"] == backend
    for name, value in (options or {}).items():
        assert config["OPTIONS"][name] == value, name


@pytest.mark.parametrize("url", ["ftp://mail.example.org", "smtp://", "smtp://mail.example.org:port"])
def test_a_malformed_email_url_stops_start_up(url):
    result = mailer(EMAIL_URL=url)
    assert result.returncode != 0 and "EMAIL_URL" in result.stderr
