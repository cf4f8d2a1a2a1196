"""Limits: query length and page size are capped, and PostgreSQL cancels long web statements."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.signals import request_finished
from django.db import OperationalError, connection, transaction
from django.db.backends.signals import connection_created

from archive import limits
from archive.search.query import MAX_QUERY_CHARS
from tests.factories import QuoteFactory, TakeFactory

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's (the PostgreSQL run covers it)"
)


@pytest.fixture
def many_takes():
    takes = [TakeFactory(title=f"Korea take {n}") for n in range(45)]
    for take in takes:
        QuoteFactory(take=take, text=f"Korea quote for {take.title}")
    return takes


def test_a_huge_query_is_cut_to_the_cap_not_refused(client, many_takes):
    huge = "korea " * 20_000  # 120,000 characters
    for path in ("/search/", "/quotes/", "/takes/"):
        response = client.get(path, {"q": huge})
        assert response.status_code == 200, path
        # the page echoes the capped query only: far smaller than what was sent
        body = response.content.decode()
        assert len(body) < len(huge) / 2, (path, len(body))
        assert all(len(value) <= MAX_QUERY_CHARS for value in re.findall(r'name="q" value="([^"]*)"', body)), path
    assert "characters long" in client.get("/takes/", {"q": huge}).content.decode()


def test_every_page_cuts_a_query_at_the_same_length_and_says_so(client, many_takes):
    just_fits = "korea " + "." * (MAX_QUERY_CHARS - 6)  # one term: the parser's term cap plays no part
    too_long = just_fits + "."
    # /search/ says it in the same words as the lists now (issue 18: Query.cuts names each cut).
    for path in ("/takes/", "/search/", "/quotes/"):
        said = "characters long"
        assert said not in client.get(path, {"q": just_fits}).content.decode(), path
        assert said in client.get(path, {"q": too_long}).content.decode(), path


@pytest.mark.parametrize("param", ["per_page", "page_size", "limit", "size", "n"])
def test_readers_cannot_choose_a_bigger_page(client, many_takes, param):
    for path, card in (("/takes/", 'class="take-card'), ("/search/?q=korea&type=takes", 'class="take-card')):
        separator = "&" if "?" in path else "?"
        body = client.get(f"{path}{separator}{param}=100000").content.decode()
        assert 0 < body.count(card) <= 20, (path, param)
    body = client.get(f"/quotes/?q=korea&{param}=100000").content.decode()
    assert 0 < body.count("<blockquote") <= 20


def test_absurd_page_numbers_give_a_normal_page(client, many_takes):
    for url in (
        "/takes/?page=99999999999999999999",
        "/search/?q=korea&type=quotes&page=10000000000",
        "/quotes/?page=-5",
    ):
        assert client.get(url).status_code == 200, url


def test_hundreds_of_filter_values_are_cut_to_the_cap(client, many_takes):
    response = client.get("/takes/", {"theme": [f"theme-{n}" for n in range(1000)]})
    assert response.status_code == 200
    assert "Only the first 20 values" in response.content.decode()


@postgres_only
def test_web_connections_cancel_statements_past_the_timeout(settings):
    settings.WEB_STATEMENT_TIMEOUT_MS = 200
    limits.set_statement_timeout(sender=None, connection=connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "200ms"
            with pytest.raises(OperationalError, match="statement timeout"), transaction.atomic():
                cursor.execute("SELECT pg_sleep(2)")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")


def show_timeout(code: str, **env: str) -> str:
    """statement_timeout as seen by a new process that runs ``code`` first, on the test database."""
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
    script = (
        f"{code}\nfrom django.db import connection\n"
        "with connection.cursor() as c:\n    c.execute('SHOW statement_timeout'); print(c.fetchone()[0])"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "archive.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout.strip().splitlines()[-1]


@postgres_only
def test_the_web_process_gets_the_timeout_and_management_commands_do_not():
    web = "import archive.wsgi"
    command = "import django; django.setup()"
    assert show_timeout(web) == "5s"  # the default, 5000 ms
    assert show_timeout(web, WEB_STATEMENT_TIMEOUT_MS="1500") == "1500ms"
    assert show_timeout(web, WEB_STATEMENT_TIMEOUT_MS="0") == "0"
    assert show_timeout(command) == "0"  # imports, exports and corpus generation run unlimited


def test_the_timeout_handler_is_not_connected_outside_the_web_process():
    # Each receiver entry starts with its lookup key (uid, sender); Django 6 stores more than two
    # fields, and the signal has receivers now (archive.db.search_text.register, issue 18).
    assert not any(entry[0] and entry[0][0] == limits.DISPATCH_UID for entry in connection_created.receivers)


def show_mmap(tmp_path, code: str, **env: str) -> int:
    """``PRAGMA mmap_size`` of a new SQLite connection in a fresh process that ran ``code``."""
    script = (
        f"{code}\nfrom django.db import connection\n"
        "with connection.cursor() as c:\n    c.execute('PRAGMA mmap_size'); print(c.fetchone()[0])"
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'mapped.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "archive.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return int(run.stdout.strip().splitlines()[-1])


def test_the_web_process_maps_the_sqlite_file_and_management_commands_do_not(tmp_path):
    """The web process reads SQLite through a memory map (the OS page cache, shared); a command
    keeps SQLite's default, so an import's peak memory counts no mapped pages."""
    web, command = "import archive.wsgi", "import django; django.setup()"
    assert show_mmap(tmp_path, web) == 1024 * 1024 * 1024
    assert show_mmap(tmp_path, web, SQLITE_MMAP_MB="64") == 64 * 1024 * 1024
    assert show_mmap(tmp_path, web, SQLITE_MMAP_MB="0") == 0
    assert show_mmap(tmp_path, command) == 0


def test_the_benchmark_reads_like_the_web_process_and_lets_go_afterwards(monkeypatch):
    def mapped() -> bool:
        return any(entry[0] and entry[0][0] == limits.MMAP_UID for entry in connection_created.receivers)

    calls = []
    monkeypatch.setattr(limits.session, "map_sqlite_file", lambda conn, size: calls.append((conn.alias, size)))
    connection.ensure_connection()
    assert not mapped()
    limits.read_like_the_web_process()
    try:
        assert mapped()
        assert ("default", settings.SQLITE_MMAP_MB * 1024 * 1024) in calls  # the open connection too
    finally:
        limits.read_like_a_command()
    assert not mapped()


def test_the_web_process_freezes_start_up_objects_and_collects_less_often():
    import gc

    script = (
        "import gc, archive.wsgi; from archive.limits import GC_YOUNGEST, REFREEZE_UID; "
        "from django.core.signals import request_finished; "
        "print(gc.get_freeze_count() > 10000, gc.get_threshold()[0] == GC_YOUNGEST, "
        "any(entry[0][0] == REFREEZE_UID for entry in request_finished.receivers))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "archive.settings"}
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=settings.BASE_DIR, capture_output=True, text=True, env=env, check=False
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["True", "True", "True"]
    # ... and only the web process: this test process (like management commands) is untouched.
    assert gc.get_threshold()[0] != limits.GC_YOUNGEST
    assert not any(entry[0][0] == limits.REFREEZE_UID for entry in request_finished.receivers)


def test_the_web_process_freezes_again_once_after_its_first_requests(client):
    """What the first requests build (compiled templates, resolvers, caches) is frozen too, once."""
    import gc

    request_finished.connect(limits._RefreezeAfter(3), dispatch_uid=limits.REFREEZE_UID, weak=False)
    frozen = gc.get_freeze_count()
    try:
        client.get("/search/help/")
        client.get("/search/help/")
        assert gc.get_freeze_count() == frozen  # not yet
        client.get("/search/help/")
        assert gc.get_freeze_count() > frozen
        assert not any(entry[0][0] == limits.REFREEZE_UID for entry in request_finished.receivers)
    finally:
        request_finished.disconnect(dispatch_uid=limits.REFREEZE_UID)
        gc.unfreeze()
