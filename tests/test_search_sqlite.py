"""SQLite specifics: FTS5 serves the search; a missing trigger is re-created and the index rebuilt."""

import io

import pytest
from django.db import connection

from archive.models import Quote, Take
from archive.search import schema
from tests.factories import QuoteFactory, TakeFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite engine (the PostgreSQL run covers tsvector)"),
]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(row[-1] for row in cursor.fetchall())


def test_it_searches_quotes_through_the_fts5_table():
    text = plan(Quote.objects.published().search("yongbyon -sanctions").values("pk"))
    assert "VIRTUAL TABLE INDEX" in text and "archive_quote_fts" in text, text


def test_it_searches_takes_through_the_fts5_table():
    text = plan(Take.objects.published().search('"comeback kid" OR yongbyon').values("pk"))
    assert "VIRTUAL TABLE INDEX" in text and "archive_take_fts" in text, text


def test_a_phrase_needs_its_stop_words_on_sqlite():
    """FTS5 indexes every word, so a phrase matches only with the very words it names.
    (PostgreSQL lets any stop word stand in: see test_search_postgres.py and docs/search.md.)"""
    quote = QuoteFactory(text="The state of the union is strong.")
    assert list(Quote.objects.search('"state in a union"')) == []
    assert list(Quote.objects.search('"state of the union"')) == [quote]


def test_it_recreates_a_missing_trigger_and_reindexes_what_it_missed():
    take = TakeFactory(title="Before")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER archive_take_search_au")
    Take.objects.filter(pk=take.pk).update(title="Missed Sohae")
    assert list(Take.objects.search("sohae")) == []  # stale: the trigger was gone
    assert schema.install(connection) is True
    assert list(Take.objects.search("sohae")) == [take]
    assert schema.install(connection) is False  # nothing missing: no rebuild


def test_it_lists_indexed_words_for_spelling_suggestions():
    QuoteFactory(text="Punggye-ri closed.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT term, doc FROM archive_search_words_vocab WHERE term = 'punggye'")
        assert cursor.fetchone() == ("punggye", 1)
    Quote.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM archive_search_words_vocab WHERE term = 'punggye'")
        assert cursor.fetchone() == (0,)


def segments(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT segid) FROM {table}_fts_idx")  # noqa: S608 (a fixed name)
        return cursor.fetchone()[0]


@pytest.fixture
def fragmented_index():
    """Quotes written in separate savepoints: FTS5 flushes a segment at each, as separate
    transactions and large loads do."""
    from django.db import transaction

    for n in range(4):
        with transaction.atomic():
            QuoteFactory(text=f"Segment {n} of the Korea index")
    assert segments("archive_quote") > 1


def test_merging_the_index_leaves_one_segment_and_the_same_matches(fragmented_index):
    before = set(Quote.objects.search("korea").values_list("pk", flat=True))
    schema.optimize(connection)
    assert segments("archive_quote") == 1
    assert set(Quote.objects.search("korea").values_list("pk", flat=True)) == before and len(before) == 4


def test_a_large_import_merges_the_index(fragmented_index, tmp_path, monkeypatch):
    import json

    from django.core.management import call_command

    from archive.transfer import importer
    from tests.generate_import import build

    monkeypatch.setattr(importer, "OPTIMIZE_AFTER_TAKES", 3)
    path = tmp_path / "takes.json"
    path.write_text(json.dumps(build(3)), encoding="utf-8")
    call_command("import_takes", str(path), stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert "merging the search index" in err.getvalue()
    assert segments("archive_quote") == 1
    assert (
        Quote.objects.search("korea").count()
        == 4 + Quote.objects.filter(text__icontains="korea").exclude(text__startswith="Segment").count()
    )


def test_a_small_import_leaves_the_index_as_it_is(fragmented_index, tmp_path):
    import json

    from django.core.management import call_command

    from tests.generate_import import build

    before = segments("archive_quote")
    path = tmp_path / "takes.json"
    path.write_text(json.dumps(build(3)), encoding="utf-8")
    call_command("import_takes", str(path), stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert "merging" not in err.getvalue()
    assert segments("archive_quote") >= before > 1
