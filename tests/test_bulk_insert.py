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
