"""DATABASE_POOL_SIZE: Django's own PostgreSQL pool instead of persistent connections, with the web
process's statement timeout and the planner settings on every connection it hands out."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests.test_settings import BASE, start

CHECKOUTS = """
import django, json, os
os.environ['DJANGO_SETTINGS_MODULE'] = 'archive.settings'
django.setup()
from django.db import connection
from archive.limits import limit_web_requests
limit_web_requests()
seen = []
for _ in range(3):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('statement_timeout'), current_setting('random_page_cost'), pg_backend_pid()"
        )
        seen.append(cursor.fetchone())
        cursor.execute("SET statement_timeout = 0")  # a request that changed its session
    connection.close()  # back to the pool
print(json.dumps({"pooled": connection.pool is not None, "seen": seen}))
"""


def settings_of(**env: str) -> dict:
    script = (
        "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='archive.settings'; django.setup();"
        "from django.conf import settings as s; print(json.dumps({k: {'age': v['CONN_MAX_AGE'], "
        "'pool': v['OPTIONS'].get('pool')} for k, v in s.DATABASES.items()}))"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], env={**BASE, **env}, cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_without_the_setting_connections_are_persistent():
    found = settings_of(DATABASE_URL="postgres://u@h/db")
    assert found == {"default": {"age": 600, "pool": None}}


def test_pool_size_turns_on_djangos_pool_for_primary_and_replicas():
    found = settings_of(
        DATABASE_URL="postgres://u@h/db", DATABASE_REPLICA_URLS="postgres://u@r/db", DATABASE_POOL_SIZE="4"
    )
    pool = {"min_size": 1, "max_size": 4, "timeout": 10}
    assert found == {"default": {"age": 0, "pool": pool}, "replica1": {"age": 0, "pool": pool}}


def test_a_negative_pool_size_is_named_in_the_error():
    result = start(DATABASE_URL="postgres://u@h/db", DATABASE_POOL_SIZE="-1")
    assert result.returncode != 0 and "DATABASE_POOL_SIZE=-1" in result.stderr


@pytest.mark.django_db
def test_every_pooled_checkout_has_the_statement_timeout_and_planner_settings():
    if connection.vendor != "postgresql":
        pytest.skip("Django's pool is PostgreSQL's")
    params = connection.settings_dict
    url = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"
    env = {**BASE, "DATABASE_URL": url, "DATABASE_POOL_SIZE": "1", "WEB_STATEMENT_TIMEOUT_MS": "4321"}
    run = subprocess.run(
        [sys.executable, "-c", CHECKOUTS], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["pooled"]
    assert [row[:2] for row in found["seen"]] == [["4321ms", "1.1"]] * 3
    assert len({row[2] for row in found["seen"]}) == 1  # one connection, kept by the pool and reused
