"""The failure drill on real processes (archive/benchmark/drill.py): a PostgreSQL primary and two
streaming replicas of its own (initdb + pg_basebackup -R on free ports), two gunicorn app servers
and a redis-server of its own. Each failure — a replica, Redis, the primary stopping, a replica
lagging — must cost the public pages no error, and the admin a clear 503, never a partial save.

Runs once, on the PostgreSQL pass (about a minute); skipped on the SQLite pass. Skipped when the
PostgreSQL server binaries are missing, unless REQUIRE_POSTGRES=1, which makes that a failure.
"""

import os
import shutil

import pytest
from django.db import connection

from archive.benchmark import drill
from archive.db.cluster import server_binaries

pytestmark = [pytest.mark.drill, pytest.mark.django_db]


def needs_the_tools() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the drill runs once, on the PostgreSQL pass")
    missing = [name for name, found in (("PostgreSQL server binaries", server_binaries()),
                                         ("redis-server", shutil.which("redis-server"))) if not found]  # fmt: skip
    if missing:
        message = f"{' and '.join(missing)} not installed"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 and {message}")
        pytest.skip(message)


def test_each_failure_costs_public_pages_no_error_and_the_admin_a_clear_503():
    needs_the_tools()
    outcomes = drill.run(log=lambda line: print(line, flush=True))
    print(drill.table(outcomes))
    assert [o.scenario for o in outcomes] == ["replica stops", "Redis stops", "replica lags", "primary stops"]
    for outcome in outcomes:
        assert outcome.requests > 50, outcome
        assert outcome.errors == 0, outcome
        assert outcome.failures == [], outcome
