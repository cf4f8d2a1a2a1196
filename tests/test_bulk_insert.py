"""archive.db.bulk.insert_rows: the import's plain multi-row insert, on both databases."""

import pytest
from django.db import IntegrityError, transaction

from archive.db import bulk
from archive.models import Quote
from tests.factories import ExpertFactory, TakeFactory

pytestmark = pytest.mark.django_db


def test_it_inserts_in_batches_and_returns_the_new_ids_in_row_order(monkeypatch):
    monkeypatch.setattr(bulk, "_batch_size", lambda using, width: 3)
    take, speaker = TakeFactory(), ExpertFactory()
    rows = [(take.pk, f"Quote number {n}", speaker.pk if n % 2 else None, n == 0, n) for n in range(8)]
    ids = bulk.insert_rows(Quote, ["take_id", "text", "speaker_id", "is_headline", "order"], rows, returning=True)
    assert len(ids) == 8 and len(set(ids)) == 8
    stored = {q.pk: q for q in Quote.objects.filter(take=take)}
    for pk, (_take, text, speaker_id, headline, order) in zip(ids, rows, strict=True):
        quote = stored[pk]
        assert (quote.text, quote.speaker_id, quote.is_headline, quote.order) == (text, speaker_id, headline, order)
    # Searchable at once: the database's own index triggers saw the rows.
    assert Quote.objects.search("number").count() == 8


def test_it_does_nothing_for_no_rows():
    assert bulk.insert_rows(Quote, ["take_id", "text"], [], returning=True) == []


def test_it_stores_awkward_values_and_columns_of_nulls_exactly():
    take = TakeFactory()
    texts = ['{"braces", quotes\' and \\ backslashes}', "NULL", " x ", "ünïcödé — 𝔘 ✓", "a,b\nc\td"]
    rows = [(take.pk, text, None, False, n) for n, text in enumerate(texts)]
    ids = bulk.insert_rows(Quote, ["take_id", "text", "speaker_id", "is_headline", "order"], rows, returning=True)
    stored = {q.pk: q for q in Quote.objects.filter(take=take)}
    assert [(stored[pk].text, stored[pk].speaker_id, stored[pk].order) for pk in ids] == [
        (text, None, n) for n, text in enumerate(texts)
    ]


def test_a_refused_row_raises_djangos_integrity_error_and_the_transaction_rolls_back():
    take = TakeFactory()
    rows = [(take.pk, "Fine", None, False, 0), (take.pk, "", None, False, 1)]  # blank text is refused
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_rows(Quote, ["take_id", "text", "speaker_id", "is_headline", "order"], rows)
    assert not Quote.objects.filter(take=take).exists()


def test_batches_have_a_few_sizes_whatever_the_number_of_rows():
    """SQLite keeps a connection's statements prepared by their text: the import's inserts must
    come in a few sizes, not one per chunk (docs/performance.md, "Import in bounded memory")."""
    sizes = set()
    for count in range(0, 2000, 7):
        batches = list(bulk.shaped(list(range(count)), 256))
        assert [n for batch in batches for n in batch] == list(range(count))
        sizes.update(len(batch) for batch in batches)
    assert sizes == {256, 128, 64, 32, 16, 8, 4, 2, 1}
    assert [len(b) for b in bulk.shaped(list(range(1000)), 256)] == [256, 256, 256, 128, 64, 32, 8]


def test_sqlite_statements_repeat_across_chunks_of_different_sizes():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    take, speaker = TakeFactory(), ExpertFactory()
    with CaptureQueriesContext(connection) as captured:
        for count in (300, 301, 517, 1000):
            rows = [(take.pk, f"Quote {n}", speaker.pk, False, n) for n in range(count)]
            bulk.insert_rows(Quote, ["take_id", "text", "speaker_id", "is_headline", "order"], rows)
    if connection.vendor == "sqlite":  # PostgreSQL's statements are one text whatever the rows
        texts = {q["sql"].split(" VALUES ")[1].count("(") for q in captured.captured_queries}
        assert texts <= {256, 128, 64, 32, 16, 8, 4, 2, 1}
    assert Quote.objects.filter(take=take).count() == 2118
