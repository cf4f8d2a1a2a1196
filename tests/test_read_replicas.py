"""Read replicas (archive/db/routing.py): who reads where, read-your-writes, a failing replica.

The replicas here are stand-ins: the test database itself plays "the replica" (the middleware's
choice of alias is what is under test). Real processes — a primary, a streaming replica made by
pg_basebackup, two gunicorns, Redis — are driven by tests/test_failover_drill.py.
"""

import json

import pytest
from django.conf import settings
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory

from archive.db import data_version, routing
from tests.conftest import TWIN
from tests.test_settings import start

factory = RequestFactory()


@pytest.fixture(autouse=True)
def nothing_marked_down():
    routing._down_until.clear()
    yield
    routing._down_until.clear()


# --------------------------------------------------------------------------- settings


def test_without_replicas_nothing_is_installed():
    # The PostgreSQL pass's SQLite twin (tests/conftest.py) is the test run's own, not a replica.
    assert [alias for alias in settings.DATABASES if alias != TWIN] == ["default"]
    assert routing.replica_aliases() == []
    assert "archive.db.routing.ReplicaMiddleware" not in settings.MIDDLEWARE
    assert not getattr(settings, "DATABASE_ROUTERS", [])


def test_replica_urls_add_databases_router_and_middleware():
    script = (
        "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE']='archive.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(json.dumps([list(s.DATABASES), s.DATABASE_ROUTERS, s.MIDDLEWARE[0],"
        " s.DATABASES['replica2']['PORT'], s.DATABASES['replica1']['TEST'],"
        " s.DATABASES['replica1']['OPTIONS']['options']]))"
    )
    import subprocess
    import sys

    from tests.test_settings import BASE

    env = {
        **BASE,
        "DATABASE_URL": "postgres://u@127.0.0.1:5432/archive",
        "DATABASE_REPLICA_URLS": "postgres://u@10.0.0.2:5433/archive , postgres://u@10.0.0.3:5434/archive,",
    }
    run = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    names, routers, first, port, test, options = json.loads(run.stdout)
    assert names == ["default", "replica1", "replica2"]
    assert routers == ["archive.db.routing.ReplicaRouter"]
    assert first == "archive.db.routing.ReplicaMiddleware"
    assert port == 5434
    assert test["MIRROR"] == "default"
    assert "random_page_cost" in options  # the primary's planner settings apply on replicas too


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DATABASE_REPLICA_URLS": "postgres://u@h/db"}, "DATABASE_REPLICA_URLS needs a PostgreSQL DATABASE_URL"),
        (
            {"DATABASE_URL": "postgres://u@h/db", "DATABASE_REPLICA_URLS": "sqlite:///x.db"},
            "DATABASE_REPLICA_URLS item 1",
        ),
        (
            {"DATABASE_URL": "postgres://u@h/db", "DATABASE_REPLICA_URLS": "postgres://u@h/db,postgres://u@h:nope/db"},
            "DATABASE_REPLICA_URLS item 2",
        ),
        ({"DATABASE_URL": "postgres://u@h/db", "REPLICA_DOWN_SECONDS": "soon"}, "REPLICA_DOWN_SECONDS='soon'"),
    ],
)
def test_bad_replica_settings_are_named_in_the_error(env, message):
    result = start(**env)
    assert result.returncode != 0
    assert message in result.stderr


# --------------------------------------------------------------------------- who reads where


def test_public_reads_without_session_go_to_a_replica():
    assert routing.reads_from_replica(factory.get("/takes/?theme=x"))
    assert routing.reads_from_replica(factory.head("/"))


@pytest.mark.parametrize(
    "request_",
    [
        factory.post("/search/"),
        factory.get("/admin/archive/take/"),
        factory.get("/", HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abc"),
        factory.get("/", HTTP_COOKIE=f"{routing.READ_YOUR_WRITES_COOKIE}=1"),
    ],
    ids=["write", "admin", "signed-in editor", "just wrote"],
)
def test_writes_admin_editors_and_recent_writers_read_the_primary(request_):
    assert not routing.reads_from_replica(request_)


def test_router_sends_writes_to_the_primary_and_reads_to_the_pinned_database():
    router = routing.ReplicaRouter()
    assert router.db_for_read(None) == "default"  # outside a request: management commands
    token = routing._pinned.set("replica1")
    try:
        assert router.db_for_read(None) == "replica1"
        assert router.db_for_write(None) == "default"
    finally:
        routing._pinned.reset(token)
    assert router.allow_migrate("default", "archive") and not router.allow_migrate("replica1", "archive")


def test_a_failed_replica_is_left_alone_for_the_configured_time(settings, monkeypatch):
    settings.REPLICA_DOWN_SECONDS = 15
    now = [1000.0]
    monkeypatch.setattr(routing.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(routing, "replica_aliases", lambda: ["replica1", "replica2"])
    routing._down_until["replica1"] = 1015.0
    assert routing.candidates() == ["replica2"]
    now[0] = 1015.0
    assert sorted(routing.candidates()) == ["replica1", "replica2"]


# --------------------------------------------------------------------------- the middleware


@pytest.fixture
def default_as_replica(monkeypatch):
    """The test database stands in for one replica called "default" (so its reads still work)."""
    monkeypatch.setattr(routing, "replica_aliases", lambda: ["default"])
    monkeypatch.setattr(routing, "_connect", lambda alias: True)


@pytest.mark.django_db
def test_a_public_page_is_built_inside_one_snapshot_of_the_replica(default_as_replica):
    seen = {}

    def view(request):
        seen["alias"] = routing.read_alias()
        seen["version"] = data_version.for_request(request)
        from django.db import connections

        seen["in_transaction"] = connections["default"].in_atomic_block
        return HttpResponse("ok")

    response = routing.ReplicaMiddleware(view)(factory.get("/"))
    assert response.status_code == 200 and response["X-Read-Database"] == "default"
    assert seen["alias"] == "default" and seen["in_transaction"] and seen["version"] is not None
    assert routing.read_alias() == "default"  # unpinned after the request


@pytest.mark.django_db
def test_a_replica_that_drops_its_connection_is_marked_down_and_the_page_rebuilt(default_as_replica, monkeypatch):
    calls = []

    def view(request):
        calls.append(routing._pinned.get())
        if routing._pinned.get() is not None:
            from django.core.handlers.exception import response_for_exception

            try:
                raise OperationalError("server closed the connection unexpectedly")
            except OperationalError as exc:
                return response_for_exception(request, exc)
        return HttpResponse("from the primary")

    monkeypatch.setattr(routing, "connection_lost", lambda alias: True)
    monkeypatch.setattr(routing, "mark_down", lambda alias: routing._down_until.setdefault(alias, 1e18))
    response = routing.ReplicaMiddleware(view)(factory.get("/"))
    assert response.status_code == 200 and response.content == b"from the primary"
    assert calls == ["default", None]
    assert "default" in routing._down_until


@pytest.mark.django_db
def test_a_query_error_on_a_replica_is_not_retried(default_as_replica):
    def view(request):
        from django.core.handlers.exception import response_for_exception

        try:
            raise OperationalError("canceling statement due to statement timeout")
        except OperationalError as exc:
            return response_for_exception(request, exc)

    response = routing.ReplicaMiddleware(view)(factory.get("/"))
    assert response.status_code == 500  # the connection is still there: the query was at fault
    assert not routing._down_until


def test_a_write_sets_the_read_your_writes_cookie(settings):
    settings.REPLICA_READ_YOUR_WRITES_SECONDS = 10
    response = routing.ReplicaMiddleware(lambda request: HttpResponse("saved"))(factory.post("/admin/x/"))
    cookie = response.cookies[routing.READ_YOUR_WRITES_COOKIE]
    assert cookie["max-age"] == 10 and cookie["httponly"]


def test_a_lost_primary_answers_a_clear_503_page(monkeypatch):
    monkeypatch.setattr(routing, "connection_lost", lambda alias: True)

    def view(request):
        from django.core.handlers.exception import response_for_exception

        try:
            raise OperationalError("connection refused")
        except OperationalError as exc:
            return response_for_exception(request, exc)

    response = routing.ReplicaMiddleware(view)(factory.get("/admin/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert b"Editing is unavailable" in response.content and b"Nothing you sent was saved" in response.content


@pytest.mark.django_db
def test_a_query_cancelled_by_replay_is_rebuilt_elsewhere_without_marking_the_replica_down(default_as_replica):
    class RecoveryConflict(Exception):
        sqlstate = "40001"

    calls = []

    def view(request):
        calls.append(routing._pinned.get())
        if routing._pinned.get() is None:
            return HttpResponse("from the primary")
        from django.core.handlers.exception import response_for_exception

        try:
            try:
                raise RecoveryConflict("canceling statement due to conflict with recovery")
            except RecoveryConflict as cause:
                raise OperationalError("canceling statement due to conflict with recovery") from cause
        except OperationalError as exc:
            return response_for_exception(request, exc)

    response = routing.ReplicaMiddleware(view)(factory.get("/"))
    assert response.status_code == 200 and response.content == b"from the primary"
    assert calls == ["default", None]
    assert not routing._down_until


def test_the_503_page_is_valid_html(tmp_path):
    from tests.test_valid_html import nu_check

    page = tmp_path / "unavailable.html"
    page.write_bytes(routing.unavailable_response(factory.get("/admin/")).content)
    messages = [m for m in nu_check([page]) if m.get("type") == "error" or m.get("subType") == "warning"]
    assert messages == []
