"""Read replicas: public reads go to a PostgreSQL streaming replica, everything else to the primary.

Settings (archive/settings.py): ``DATABASE_REPLICA_URLS`` (comma-separated) adds the databases
``replica1``, ``replica2``, … next to ``default`` (the primary), and with them this module's
router and middleware. Without replicas neither is installed and nothing changes.

Which database a query reads from is decided once per request, by ``ReplicaMiddleware``, and kept
in a context variable the router reads:

- a public ``GET``/``HEAD`` (not ``/admin/``), from a reader without a session (no editor signed
  in) and without the read-your-writes cookie, reads from one replica, picked at random among
  those not marked down (spread across replicas);
- everything else reads from the primary: the admin, sign-in, any request that writes, editors
  (they carry a session), a reader who wrote in the last ``REPLICA_READ_YOUR_WRITES_SECONDS``
  (the cookie set on every unsafe request), and anything outside a request (management commands,
  the shell, migrations): the context variable is then unset.

Writes always go to the primary; migrations run only there (a replica replays them).

One snapshot per request: the replica's reads run in one ``REPEATABLE READ`` read-only transaction
(the replica's ``OPTIONS["isolation_level"]``), so the data version that keys the page cache and
the rows a page shows come from the same moment of the replica's replay. A lagging replica serves
a consistent older page, never a mix.

A replica that fails (cannot be connected to, or drops its connection mid-request) is marked down
for ``REPLICA_DOWN_SECONDS`` in this process, and the request is built again on the next replica,
or the primary: the reader sees no error. So is a request whose query the replica cancelled
because replay needed the rows its snapshot held (a recovery conflict), without marking it down.
"""

from __future__ import annotations

import contextvars
import logging
import random
import sys
import time
from collections.abc import Callable

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, connections, transaction
from django.http import HttpRequest, HttpResponse
from django.template import engines

log = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA_PREFIX = "replica"
#: Set on every unsafe request (POST, …): for a short while that reader's pages read the primary.
READ_YOUR_WRITES_COOKIE = "archive_primary"
SAFE_METHODS = ("GET", "HEAD")

#: SQLSTATE of "canceling statement due to conflict with recovery" (serialization_failure).
RECOVERY_CONFLICT = "40001"
_pinned: contextvars.ContextVar[str | None] = contextvars.ContextVar("archive_read_database", default=None)
#: alias -> time.monotonic() until which it is not tried (this process only).
_down_until: dict[str, float] = {}


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


def read_alias() -> str:
    """The database this request reads from (the primary outside a public request)."""
    return _pinned.get() or PRIMARY


class ReplicaRouter:
    """Django database router (settings ``DATABASE_ROUTERS``)."""

    def db_for_read(self, model, **hints) -> str:
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # every database holds the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY


def mark_down(alias: str) -> None:
    _down_until[alias] = time.monotonic() + settings.REPLICA_DOWN_SECONDS
    log.warning("database %s failed: reads go elsewhere for %s s", alias, settings.REPLICA_DOWN_SECONDS)
    try:
        connections[alias].close()
    except Exception:  # the connection is already broken; Django forgets it either way
        log.debug("closing %s failed", alias, exc_info=True)


def is_up(alias: str) -> bool:
    until = _down_until.get(alias)
    if until is None:
        return True
    if time.monotonic() >= until:
        _down_until.pop(alias, None)
        return True
    return False


def reads_from_replica(request: HttpRequest) -> bool:
    """Whether this request may read from a replica (see the module's docstring)."""
    if request.method not in SAFE_METHODS:
        return False
    if any(request.path_info.startswith(prefix) for prefix in settings.REPLICA_SKIP_PATHS):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and READ_YOUR_WRITES_COOKIE not in cookies


def _connect(alias: str) -> bool:
    """Open (or check) the replica's connection; ``False`` and marked down when it cannot be reached."""
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError:
        mark_down(alias)
        return False
    return True


def candidates() -> list[str]:
    """The replicas to try for one request, in order: those up, shuffled."""
    up = [alias for alias in replica_aliases() if is_up(alias)]
    random.shuffle(up)
    return up


def connection_lost(alias: str) -> bool:
    """After a database error on ``alias``: was it the connection (server gone), not the query?"""
    raw = connections[alias].connection
    return raw is None or bool(getattr(raw, "closed", False))


def _note_failure(sender, request=None, **kwargs) -> None:
    """``got_request_exception``: remember a database error raised while reading a replica, or a
    lost primary (the handler turns it into a 500 response before the middleware sees it)."""
    error = sys.exception()
    if request is None or not isinstance(error, DatabaseError):
        return
    alias = _pinned.get()
    if alias is not None:
        request._replica_failure = alias
        request._replica_conflict = getattr(error.__cause__, "sqlstate", None) == RECOVERY_CONFLICT
    elif connection_lost(PRIMARY):
        request._primary_failure = True


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with a page that says the archive cannot be edited now (the primary is away). Rendered by
    Django's engine without a request context: the admin's base template would ask the (absent)
    database who is signed in."""
    body = engines["django"].get_template("admin/database_unavailable.html").render({})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = "30"
    return response


got_request_exception.connect(_note_failure, dispatch_uid="archive.db.routing.note_failure")


class ReplicaMiddleware:
    """Pin each public read request to a replica; rebuild it elsewhere when that replica fails.

    Goes first in ``MIDDLEWARE``: everything inside it, the page cache's data version included,
    reads from the pinned database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if reads_from_replica(request):
            for alias in candidates():
                if not _connect(alias):
                    continue
                response = self._on_replica(alias, request)
                if response is not None:
                    return response
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "_primary_failure", False):
            return unavailable_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 500:
            response.set_cookie(
                READ_YOUR_WRITES_COOKIE,
                "1",
                max_age=settings.REPLICA_READ_YOUR_WRITES_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def _on_replica(self, alias: str, request: HttpRequest) -> HttpResponse | None:
        """The response built reading ``alias`` in one snapshot, or ``None`` when the replica failed."""
        token = _pinned.set(alias)
        request._replica_failure = None
        try:
            with transaction.atomic(using=alias):
                response = self.get_response(request)
        except DatabaseError:
            response = None  # the commit of a read-only transaction failed: the connection went
            request._replica_failure = alias
        finally:
            _pinned.reset(token)
        if request._replica_failure is not None and connection_lost(alias):
            mark_down(alias)
            return None
        if request._replica_failure is not None and getattr(request, "_replica_conflict", False):
            log.warning("a query on %s was cancelled by replay (recovery conflict): built elsewhere", alias)
            return None  # the replica is fine; its replay needed what this snapshot held
        if response is not None:
            response["X-Read-Database"] = alias
        return response
