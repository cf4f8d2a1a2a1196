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
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) AS w WHERE to_tsvector('archive_english', w) <> ''", [sorted(STOP_WORDS)]
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT count(*) FROM unnest(%s::text[]) AS w WHERE to_tsvector('archive_english', w) = ''",
            [["yongbyon", "summit", "kim", "deal"]],
        )
        assert cursor.fetchone()[0] == 0


def test_a_phrase_skips_over_stop_words_on_postgresql():
    """PostgreSQL drops stop words from a phrase and keeps their places: any stop words may stand
    there. (SQLite's FTS5 needs the very words: see test_search_sqlite.py and docs/search.md.)"""
    quote = QuoteFactory(text="The state of the union is strong.")
    assert list(Quote.objects.search('"state in a union"')) == [quote]
    assert list(Quote.objects.search('"state of the union"')) == [quote]


def test_it_collects_indexed_words_for_spelling_suggestions():
    QuoteFactory(text="Punggye-ri closed.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM archive_search_word WHERE word %% %s ORDER BY similarity(word, %s) DESC LIMIT 1",
            ["pungye", "pungye"],
        )
        assert cursor.fetchone() == ("punggye",)
