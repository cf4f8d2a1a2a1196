"""Bulk writes leave the planner statistics (archive/db/stats.py), and the benchmark says whether there are any."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from archive.db import stats
from tests.generate_import import build

pytestmark = pytest.mark.django_db

PROBE = "archive_stats_probe"


@pytest.fixture
def analyzed(monkeypatch):
    """The tables each ``stats.analyze`` call was given (the real one still runs)."""
    calls = []
    real = stats.analyze

    def recording(conn, tables=stats.ARCHIVE_TABLES):
        calls.append(list(tables))
        return real(conn, tables)

    monkeypatch.setattr(stats, "analyze", recording)
    return calls


@pytest.fixture
def probe():
    """A table of the test's own with rows and, until something analyzes it, no statistics."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {PROBE} (id integer PRIMARY KEY, word varchar(20))")
        cursor.execute(f"CREATE INDEX {PROBE}_word ON {PROBE} (word)")
        cursor.execute(f"INSERT INTO {PROBE} (id, word) VALUES (1, 'kim'), (2, 'trump'), (3, 'hanoi')")  # noqa: S608 - a fixed name
    yield PROBE
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {PROBE}")


def import_file(tmp_path, document: dict) -> str:
    path = tmp_path / "takes.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    err = io.StringIO()
    call_command("import_takes", str(path), stdout=io.StringIO(), stderr=err)
    return err.getvalue()


def test_a_table_with_rows_has_no_statistics_until_it_is_analyzed(probe):
    assert stats.without_statistics(connection, [probe]) == [probe]
    assert "MISSING on archive_stats_probe" in stats.describe(connection, [probe])
    assert stats.analyze(connection, [probe, "archive_no_such_table"]) == [probe]
    assert stats.without_statistics(connection, [probe]) == []
    assert stats.describe(connection, [probe]) == "Planner statistics: present on every archive table with rows."


def test_an_import_of_enough_takes_analyzes_the_tables_it_wrote(tmp_path, analyzed):
    err = import_file(tmp_path, build(stats.ANALYZE_AFTER_TAKES))
    assert analyzed == [list(stats.ARCHIVE_TABLES)]
    assert "import_takes: Updating planner statistics…" in err
    assert stats.without_statistics(connection) == []


def test_a_small_import_leaves_the_statistics_alone(tmp_path, analyzed):
    err = import_file(tmp_path, build(30))
    assert analyzed == []
    assert "planner statistics" not in err


def test_generate_corpus_analyzes_what_it_generated(analyzed):
    err = io.StringIO()
    call_command("generate_corpus", takes=200, quotes_per_take=3, experts=40, seed=5, stdout=io.StringIO(), stderr=err)
    assert analyzed == [list(stats.ARCHIVE_TABLES)]
    assert "Updating planner statistics…" in err.getvalue()
    assert stats.without_statistics(connection) == []


def test_load_fixtures_analyzes_the_shipped_collection(analyzed):
    err = io.StringIO()
    call_command("load_fixtures", stdout=io.StringIO(), stderr=err)
    assert analyzed == [list(stats.ARCHIVE_TABLES)]
    assert err.getvalue().count("Updating planner statistics…") == 1
    assert stats.without_statistics(connection) == []


@pytest.mark.django_db(transaction=True)
def test_the_benchmark_says_whether_the_tables_have_statistics(tmp_path):
    call_command("generate_corpus", takes=300, quotes_per_take=3, experts=60, seed=12, verbosity=0)
    output = tmp_path / "bench.md"
    err = io.StringIO()
    options = {"repeat": 1, "cold_repeat": 0, "baseline_repeat": 0, "only": "takes: page 1", "output": str(output)}
    call_command("benchmark", **options, stdout=io.StringIO(), stderr=err)
    assert "Planner statistics: present on every archive table with rows." in output.read_text(encoding="utf-8")
    assert "Planner statistics: present" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_postgresql_also_vacuums_so_index_only_scans_skip_the_heap():
    """After a bulk load, ANALYZE alone leaves PostgreSQL's visibility map empty: a count of the
    published takes then read every heap page (116 ms cold at 100,000 takes, 8 ms after VACUUM).
    Inside a transaction VACUUM cannot run, and ANALYZE alone is the fallback (the other tests)."""
    assert not connection.in_atomic_block
    assert stats.analyze(connection, ["archive_take"]) == ["archive_take"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'archive_take'")
            assert cursor.fetchone() == (True,)
        else:  # SQLite has no visibility map: its ANALYZE leaves sqlite_stat1
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone() == (1,)
