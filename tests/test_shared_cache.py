"""Two app servers sharing one Redis: a page kept by one is served by the other, and a take
published through one is shown by the other on the next request. Without REDIS_URL the site runs
on local memory alone.

Real processes on loopback: two gunicorn servers on an SQLite file both can open, and the Redis
on 127.0.0.1:6379 (``.ci/run`` starts it when absent; ``TEST_REDIS_URL`` names another).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
#: The site's name, as a reverse proxy in front of both servers passes it (pages are kept per host:
#: their canonical links carry it).
HOST = "archive.test"
BASE = Path(settings.BASE_DIR)
SETUP = """
from django.contrib.auth import get_user_model
from archive.models import Publication, Take
outlet = Publication.objects.create(name="Loopback Weekly", slug="loopback-weekly")
Take.objects.create(slug="shared-cache-take", title="Published through the first server", url="https://example.org/a",
                    publication=outlet, status="draft", summary="A take for the shared-cache test.")
Take.objects.create(slug="already-public", title="Already public", url="https://example.org/b",
                    publication=outlet, status="published", summary="Shown from the start.")
get_user_model().objects.create_superuser("editor", "editor@example.org", "a-long-test-password-1")
print(Take.objects.get(slug="shared-cache-take").pk)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_reachable() -> bool:
    parsed = urllib.parse.urlparse(REDIS_URL)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def site(tmp_path):
    """An SQLite archive file with one draft, one published take and an editor; the environment
    the servers run with."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'archive.sqlite3'}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"127.0.0.1,{HOST}",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "CACHE_KEY_PREFIX": f"test-{secrets.token_hex(6)}",  # this run's keys only
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(manage + command, cwd=BASE, env=env, check=True, timeout=300)
    run = subprocess.run(
        [*manage, "shell", "-c", SETUP], cwd=BASE, env=env, check=True, capture_output=True, text=True, timeout=120
    )
    return env, int(run.stdout.strip().splitlines()[-1])


@contextmanager
def server(env: dict[str, str]):
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "archive.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
               "--access-logfile", "/dev/null", "--log-level", "warning"]  # fmt: skip
    process = subprocess.Popen(command, cwd=BASE, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "gunicorn exited during start-up"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start within 30 s"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def request(url: str, data: bytes | None = None) -> urllib.request.Request:
    return urllib.request.Request(url, data=data, headers={"Host": HOST})  # noqa: S310 - http on loopback


def get(url: str, opener=None) -> tuple[int, dict[str, str], str]:
    opener = opener or urllib.request.build_opener()
    with opener.open(request(url), timeout=30) as response:
        return response.status, dict(response.headers), response.read().decode()


def sign_in(base: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _, _, form = get(f"{base}/admin/login/?next=/admin/", opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {"username": "editor", "password": "a-long-test-password-1", "csrfmiddlewaretoken": token, "next": "/admin/"}
    ).encode()
    with opener.open(request(f"{base}/admin/login/?next=/admin/", data), timeout=30) as response:
        assert response.url.endswith("/admin/"), "the editor could not sign in"
    return opener


def publish(base: str, opener, take_id: int) -> None:
    _, _, listing = get(f"{base}/admin/archive/take/", opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', listing).group(1)
    data = urllib.parse.urlencode(
        {
            "action": "publish",
            "_selected_action": take_id,
            "index": 0,
            "select_across": 0,
            "csrfmiddlewaretoken": token,
        }  # fmt: skip
    ).encode()
    with opener.open(request(f"{base}/admin/archive/take/", data), timeout=30) as response:
        assert response.status == 200


def test_two_app_servers_share_one_redis_and_see_each_others_writes(site):
    if not redis_reachable():
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: start it (.ci/run does) or set TEST_REDIS_URL")
    env, draft_id = site
    env = {**env, "REDIS_URL": REDIS_URL}
    with server(env) as first, server(env) as second:
        status, headers, page = get(f"{first}/takes/")
        assert status == 200 and "Already public" in page and "Published through the first server" not in page
        assert "X-Page-Cache" not in headers
        status, headers, again = get(f"{second}/takes/")  # never requested there: kept by the first
        assert status == 200 and headers.get("X-Page-Cache") == "hit"
        assert again == page

        publish(first, sign_in(first), draft_id)
        status, headers, after = get(f"{second}/takes/")  # the next request, on the other server
        assert "Published through the first server" in after
        assert "X-Page-Cache" not in headers  # a new data version: built afresh
        assert get(f"{second}/takes/shared-cache-take/")[0] == 200
        assert get(f"{first}/takes/")[1].get("X-Page-Cache") == "hit"  # ... and kept for the first


def test_without_redis_each_server_keeps_pages_in_its_own_memory(site):
    env, draft_id = site
    with server(env) as only:
        status, headers, page = get(f"{only}/")
        assert status == 200 and "X-Page-Cache" not in headers
        status, headers, again = get(f"{only}/")
        assert status == 200 and headers.get("X-Page-Cache") == "hit" and again == page
        publish(only, sign_in(only), draft_id)
        assert "Published through the first server" in get(f"{only}/takes/")[2]
