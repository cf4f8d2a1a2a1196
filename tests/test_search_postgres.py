"""PostgreSQL specifics: the GIN indexes serve the search, stop words agree with the parser's."""

import pytest
from django.db import connection

from archive.models import Quote, Take
from archive.search.query import STOP_WORDS
from tests.factories import QuoteFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL engine (the SQLite run covers FTS5)"),
]


def explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: make the planner show its index choice
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_it_searches_quotes_through_the_gin_index():
    QuoteFactory(text="Yongbyon")
    plan = explain(Quote.objects.search("yongbyon -sanctions").order_by().values("pk"))
    assert "archive_quote_search_idx" in plan, plan


def test_it_searches_takes_through_the_gin_index():
    plan = explain(Take.objects.search('"comeback kid" OR yongbyon').order_by().values("pk"))
    assert "archive_take_search_idx" in plan, plan


def test_its_stop_words_are_postgresqls():
    """The parser's list is english_stem's, which leaves them out; the archive's own dictionary
    keeps every word (issue 18: a phrase needs its very words on both databases)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) AS w WHERE ts_lexize('english_stem', w) <> '{}'", [sorted(STOP_WORDS)]
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT count(*) FROM unnest(%s::text[]) AS w WHERE to_tsvector('archive_english', w) = ''",
            [sorted(STOP_WORDS)],
        )
        assert cursor.fetchone()[0] == 0


def test_it_collects_indexed_words_for_spelling_suggestions():
    QuoteFactory(text="Punggye-ri closed.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM archive_search_word WHERE word %% %s ORDER BY similarity(word, %s) DESC LIMIT 1",
            ["pungye", "pungye"],
        )
        assert cursor.fetchone() == ("punggye",)


def test_a_multi_row_insert_collects_every_rows_words_once():
    take = QuoteFactory(text="Seed").take
    Quote.objects.bulk_create([Quote(take=take, text=f"Plutonium reprocessing line {n}") for n in range(30)])
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM archive_search_word WHERE word IN ('plutonium', 'reprocessing', 'line')")
        assert sorted(row[0] for row in cursor.fetchall()) == ["line", "plutonium", "reprocessing"]
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = 'archive_quote_words_inserted' AND tgtype & 1 = 0"
        )
        assert cursor.fetchone()[0] == 1  # a statement-level trigger (tgtype bit 0 clear)


def index_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename LIKE 'archive_%%'")
        return {row[0] for row in cursor.fetchall()}


def test_a_bulk_load_rebuilds_its_gin_indexes_and_collects_the_same_words_as_the_triggers():
    from django.core.management import call_command

    call_command("generate_corpus", takes=60, quotes_per_take=4, experts=10, seed=5, verbosity=0)
    assert {"archive_quote_search_idx", "archive_take_search_idx", "archive_search_word_trgm"} <= index_names()
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM archive_search_word")
        bulk = {row[0] for row in cursor.fetchall()}
        # The per-row collector, re-run over the same rows, finds the same words and nothing more.
        cursor.execute("DELETE FROM archive_search_word")
        cursor.execute("UPDATE archive_quote SET text = text")
        cursor.execute("UPDATE archive_take SET title = title")
        cursor.execute("SELECT word FROM archive_search_word")
        per_row = {row[0] for row in cursor.fetchall()}
    assert bulk == per_row
    assert {"korea", "yongbyon"} & bulk and "synthetic" in bulk
    assert not any(len(word) < 3 or word.isdigit() for word in bulk)
