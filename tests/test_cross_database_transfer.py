"""An export from either database imports into the other, hostile text included (issue 21, finding 6).

The hostile text is what the archive must store faithfully: right-to-left and other scripts, emoji,
combining marks, markup and quotes, line and paragraph separators, a byte-order mark, tabs and CRLF,
and searchable texts at their caps made of distinct words (the largest search vectors). On the
PostgreSQL suite the export goes PostgreSQL -> SQLite -> a new PostgreSQL database, each step by the
operator's commands in their own process, and every export is byte for byte the first; on the SQLite
suite, SQLite -> a new SQLite file. What no database may hold is refused by both alike
(tests/test_write_validation.py).
"""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from archive import models
from archive.models.text import SEARCH_TEXT_LIMITS
from tests.archive_data import build_archive
from tests.factories import ExpertFactory, QuoteFactory, TakeFactory
from tests.test_backup_drill import manage

pytestmark = pytest.mark.django_db

HOSTILE = [
    "عربي: القمة في هانوي",
    "עברית עם ‏סימן כיוון",
    "漢字と한국어 🙂👍🏽 family 👨‍👩‍👧",
    "Z\u0351\u0352a\u0300\u0301l\u0304g\u0306o combining",
    "</script><script>alert('x')</script> & \"quotes\" 'single' \\back\\slash",
    "line\u2028separator and paragraph\u2029separator",
    "\ufeffbyte-order mark and zero\u200bwidth",
    "tab\there\r\nCRLF\nand LF",
]


def capped_words(limit: int) -> str:
    return " ".join(f"k{n:x}z" for n in range(limit // 4))[:limit].rstrip()


def hostile_archive() -> None:
    build_archive(3)
    for n, text in enumerate(HOSTILE):
        expert = ExpertFactory(name=f"{text} {n}", bio=text)
        take = TakeFactory(title=f"{text} {n}", summary=text, standfirst=text, body=text, authors=[expert])
        QuoteFactory(take=take, text=text, speaker=expert)
    TakeFactory(
        title="At every cap",
        standfirst=capped_words(SEARCH_TEXT_LIMITS["standfirst"]),
        summary=capped_words(SEARCH_TEXT_LIMITS["summary"]),
        body=capped_words(SEARCH_TEXT_LIMITS["body"]),
    )


@pytest.fixture
def other_databases(tmp_path):
    """The databases an export goes through: [SQLite, new PostgreSQL] on PostgreSQL, [SQLite] on SQLite."""
    sqlite = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    if connection.vendor != "postgresql":
        yield [sqlite]
        return
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    name = f"{connection.settings_dict['NAME']}_xfer"[:63]
    admin = {**params, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    user, host, port = params.get("user", ""), params.get("host", ""), params.get("port", "")
    password = f":{params['password']}" if params.get("password") else ""
    try:
        yield [sqlite, f"postgres://{user}{password}@{host}:{port or 5432}/{name}"]
    finally:
        with psycopg.connect(**admin) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_export_with_hostile_text_moves_between_the_databases_unchanged(tmp_path, other_databases):
    hostile_archive()
    first = tmp_path / "first.json"
    call_command("export_takes", str(first), stdout=io.StringIO(), stderr=io.StringIO())
    document = json.loads(first.read_text(encoding="utf-8"))
    titles = {take["title"] for take in document["takes"]}
    assert {f"{text} {n}" for n, text in enumerate(HOSTILE)} <= titles

    previous = first
    for step, database in enumerate(other_databases):
        manage("migrate", "--noinput", "-v0", database=database)
        manage("import_takes", "--dry-run", str(previous), database=database)
        manage("import_takes", str(previous), database=database)
        again = tmp_path / f"step-{step}.json"
        manage("export_takes", str(again), database=database)
        assert again.read_bytes() == first.read_bytes(), database.split(":")[0]
        previous = again
    assert models.Take.objects.filter(title="At every cap").exists()
