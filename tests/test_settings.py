"""Settings come from the environment; a bad value is a clear start-up error."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

BASE = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}}


def start(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='archive.settings'; django.setup()",
        ],
        env={**BASE, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_local_defaults_start_without_any_environment():
    assert start().returncode == 0


def test_debug_off_without_secret_key_refuses_to_start():
    result = start(DEBUG="0", ALLOWED_HOSTS="example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "unsupported database"),
        ({"DATABASE_URL": "postgres://x:notaport/db"}, "DATABASE_URL"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS must be set"),
    ],
)
def test_bad_values_are_named_in_the_error(env, message):
    result = start(**env)
    assert result.returncode != 0
    assert message in result.stderr
