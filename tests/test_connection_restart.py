"""A persistent web worker survives the loss of its database connection (issue 21, finding 7).

gunicorn serves with ``CONN_MAX_AGE`` > 0, so each worker keeps its connection between requests.
When PostgreSQL ends that connection (a restart, a failover, ``pg_terminate_backend``), the next
request must be answered: ``CONN_HEALTH_CHECKS`` (on by default) finds the dead connection and
opens another before the request uses it. With ``CONN_HEALTH_CHECKS=0`` that request was a 500.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.db import connection

APP_NAME = "archive-conn-restart-test"

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="terminating a server connection is PostgreSQL's (run on PostgreSQL)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=20) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _terminate_worker_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [APP_NAME],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def server(transactional_db):
    port = _free_port()
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PGAPPNAME": APP_NAME,  # libpq names the worker's connections, so only they are ended
        "CONN_MAX_AGE": "600",
        "PAGE_CACHE": "0",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    env.pop("CONN_HEALTH_CHECKS", None)  # the default setting is what is tested
    if "TEST_CONN_HEALTH_CHECKS" in os.environ:  # TEST_CONN_HEALTH_CHECKS=0 shows the 500 it prevents
        env["CONN_HEALTH_CHECKS"] = os.environ["TEST_CONN_HEALTH_CHECKS"]
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "archive.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_request_after_the_database_ends_the_workers_connection_is_answered(server):
    assert _status(server, "/takes/") == 200
    assert _terminate_worker_connections() == 1  # the worker kept its connection, and it is gone
    assert _status(server, "/takes/") == 200
    assert _status(server, "/about/") == 200
