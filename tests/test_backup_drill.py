"""Backup drill: export everything, restore it into a brand-new database, export again: identical.

The restore runs as an operator would run it: separate processes on a freshly migrated database
(`migrate`, `import_takes`, `export_takes`), not the test database emptied in place. Row counts of
every archive table are compared too, so nothing the export leaves out goes unnoticed.
"""

import io
import json
import os
import subprocess
import sys

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from archive import models
from tests.archive_data import build_archive
from tests.factories import ExpertFactory, QuestionFactory, StanceFactory, ThemeFactory

pytestmark = pytest.mark.django_db

COUNT_SCRIPT = (
    "import json; from django.apps import apps; "
    "print(json.dumps({m._meta.label: m.objects.count() for m in apps.get_app_config('archive').get_models()}))"
)


def manage(*args: str, database: str) -> str:
    env = {**os.environ, "DATABASE_URL": database}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    run = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, f"manage.py {' '.join(args)}: {run.stdout[-2000:]}{run.stderr[-2000:]}"
    return run.stdout


def row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_app_config("archive").get_models()}


@pytest.fixture
def new_database(tmp_path):
    """A brand-new database of the engine under test: a fresh PostgreSQL database, or a SQLite file."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    name = f"{connection.settings_dict['NAME']}_drill"[:63]
    admin = {**params, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')
    user, host, port = params.get("user", ""), params.get("host", ""), params.get("port", "")
    password = f":{params['password']}" if params.get("password") else ""
    try:
        yield f"postgres://{user}{password}@{host}:{port or 5432}/{name}"
    finally:
        with psycopg.connect(**admin) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_everything_exported_restores_into_a_new_database_and_exports_identically(
    tmp_path, seed_collection, new_database
):
    archive = build_archive(12)  # drafts included
    models.Take.objects.filter(pk=archive.takes[3].pk).update(status=models.Status.DRAFT)
    ExpertFactory(name="Expert without takes yet", bio="Added before their first take.")
    ThemeFactory(name="Theme without takes yet", description="Waiting.")
    StanceFactory(question=QuestionFactory(text="A question nobody has answered yet?"), label="Nobody yet")
    backup = tmp_path / "backup.json"
    call_command("export_takes", str(backup), stdout=io.StringIO(), stderr=io.StringIO())
    document = json.loads(backup.read_text(encoding="utf-8"))
    statuses = {take["status"] for take in document["takes"]}
    assert statuses == {"draft", "published"}
    assert len(document["takes"]) == models.Take.objects.count()

    restored = new_database
    manage("migrate", "--noinput", "-v0", database=restored)
    manage("import_takes", str(backup), database=restored)
    again = tmp_path / "again.json"
    manage("export_takes", str(again), database=restored)
    assert again.read_bytes() == backup.read_bytes()
    assert json.loads(manage("shell", "-v0", "-c", COUNT_SCRIPT, database=restored)) == row_counts()
