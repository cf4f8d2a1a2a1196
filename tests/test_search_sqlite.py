"""SQLite specifics: FTS5 serves the search; a missing trigger is re-created and the index rebuilt."""

import io

import pytest
from django.db import connection
from django.db.models import F, Q

from archive.db import search_index
from archive.models import Quote, Take
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


def test_it_recreates_a_missing_trigger_and_reindexes_what_it_missed():
    take = TakeFactory(title="Before")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER archive_take_search_au")
    Take.objects.filter(pk=take.pk).update(title="Missed Sohae")
    assert list(Take.objects.search("sohae")) == []  # stale: the trigger was gone
    assert search_index.install(connection) is True
    assert list(Take.objects.search("sohae")) == [take]
    assert search_index.install(connection) is False  # nothing missing: no rebuild


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
    search_index.optimize(connection)
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


def sqlite_varint(value: int) -> bytes:
    """SQLite's variable-length integer, written the way FTS5 writes its records."""
    if value > 0x00FFFFFFFFFFFFFF:
        head, last = value >> 8, value & 0xFF
        out = [0x80 | ((head >> (7 * n)) & 0x7F) for n in range(7, -1, -1)]
        return bytes([*out, last])
    groups = [value & 0x7F]
    value >>= 7
    while value:
        groups.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(groups))


def test_it_reads_fts5_records():
    from archive.search.backends import sqlite as engine

    values = [0, 1, 127, 128, 16_383, 16_384, 1_000_315, 2**32, 2**56 + 5, 2**64 - 1]
    assert engine.varints(b"".join(sqlite_varint(v) for v in values)) == values
    assert engine.varints(b"\xbd\x86{") == [1_000_315]  # an averages record's row count, as stored


@pytest.mark.parametrize("q", ["korea", '"north korea"'])
def test_one_phrase_is_ranked_in_bm25_order_without_bm25(q):
    """bm25 reads every match of each phrase before its first score; a one-phrase query gets the
    same order from the candidates' own marks and lengths."""
    from archive.search.backends import sqlite as engine
    from archive.search.query import parse, to_fts5_match

    texts = [
        "North Korea.",
        "North Korea talks, and North Korea again, with North Korea in every clause.",
        "A long passage that mentions North Korea once among many other words about the summit in Hanoi.",
        "North Korea and North Korea.",
        "Sanctions on North Korea stay.",
        "Words about the summit, talks in Hanoi, and what North Korea said afterwards, at length.",
    ]
    ids = [QuoteFactory(text=text).pk for text in texts]
    for n in range(10):
        QuoteFactory(text=f"Nothing to see {n}")
    query = parse(q)
    with connection.cursor() as cursor:
        fast = engine._one_phrase_scores(cursor, "archive_quote", query, ids)
        cursor.execute(
            "SELECT rowid, -bm25(archive_quote_fts, 10.0) FROM archive_quote_fts WHERE archive_quote_fts MATCH %s",
            [to_fts5_match(query)],
        )
        exact = dict(cursor.fetchall())
    assert set(fast) == set(exact) == set(ids)
    assert sorted(ids, key=fast.__getitem__) == sorted(ids, key=exact.__getitem__)
    assert len(set(fast.values())) == len(ids)  # no ties: the order above is the whole test


def test_a_rebuild_merges_what_it_wrote(fragmented_index, monkeypatch):
    """A rebuild of 1,000,000 quotes wrote nine segments; a few rows fit in one, so the test
    checks that the rebuild merges, and that the rebuilt index finds the same rows."""
    merged = []
    real = search_index.optimize
    monkeypatch.setattr(search_index, "optimize", lambda conn: (merged.append(conn), real(conn)))
    search_index.sqlite_rebuild(connection)
    assert merged == [connection]
    assert segments("archive_quote") == 1
    assert Quote.objects.search("korea").count() == 4


def test_a_search_already_applied_is_left_out_of_what_reads_only_its_matches():
    """The take list ranks a queryset it has searched already: the window of the newest matches
    tests the caller's other filters, not the search a second time (which listed every match)."""
    from archive.search.backends import sqlite as engine
    from archive.search.query import parse

    query = parse("korea summit")
    base = Take.objects.published().filter(kind="analysis")
    searched = base.search("korea summit")

    def sql(queryset) -> str:
        return str(queryset.query)

    assert "MATCH" in sql(searched)
    pruned = engine._without_match(searched, query)
    assert "MATCH" not in sql(pruned)
    assert sql(pruned) == sql(base.alias(search_id=F("pk") + 0))  # the other filters stay, as they were
    assert "MATCH" in sql(searched)  # the caller's queryset is untouched
    # Another query's test, or one under a negation or an OR, is not the window's to leave out.
    assert "MATCH" in sql(engine._without_match(searched, parse("korea")))
    assert "MATCH" in sql(engine._without_match(base.exclude(pk__in=searched.values("pk")), query))
    either = base.filter(Q(pk__in=searched.values("pk")) | Q(title="x"))
    assert "MATCH" in sql(engine._without_match(either, query))
    negated = Take.objects.exclude(pk__in=Take.objects.none()).search("korea summit").filter(~Q(title="x"))
    assert "MATCH" not in sql(engine._without_match(negated, query))


def test_ranking_a_searched_list_lists_its_matches_once():
    """One statement reads the window (the newest matches, and their count): no listing of every
    match for the caller's own search."""
    from django.test.utils import CaptureQueriesContext

    from archive.search.results import ranked_ids

    for n in range(6):
        TakeFactory(title=f"Korea summit take {n}")
    TakeFactory(title="Nothing to see")
    searched = Take.objects.published().search("korea summit")
    with CaptureQueriesContext(connection) as ctx:
        ids, count, capped = ranked_ids(searched, "korea summit")
    assert (count, capped) == (6, False) and sorted(ids) == sorted(searched.values_list("pk", flat=True))
    window = next(q["sql"] for q in ctx.captured_queries if "ORDER BY rowid DESC LIMIT" in q["sql"])
    assert window.count("MATCH") == 2  # the window and its count: no "IN (SELECT rowid … MATCH …)"
    assert ids == ranked_ids(Take.objects.published(), "korea summit")[0]
