"""Published takes per date (archive/db/take_dates.py): the journal's sums stay exact whatever writes
the takes, and the pages that chart every published take read them."""

import datetime
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from archive import cache
from archive.db import take_dates
from archive.filters import facets
from archive.models import DatePrecision, Status, Take, TakeKind
from archive.timeline import published_volume, take_volume
from tests.factories import TakeFactory

pytestmark = pytest.mark.django_db

MARCH, APRIL = datetime.date(2019, 3, 1), datetime.date(2019, 4, 1)


def expected() -> dict:
    """Published takes per (date, precision), counted in Python from the takes."""
    return dict(Counter(Take.objects.filter(status=Status.PUBLISHED).values_list("published", "date_precision")))


def assert_exact() -> None:
    assert {(day, precision): n for day, precision, n in take_dates.counts(connection)} == expected()
    assert take_dates.differences(connection) == 0


def journal_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {take_dates.TABLE}")  # noqa: S608 - a fixed name
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    "write",
    [
        lambda take: TakeFactory(published=APRIL),
        lambda take: TakeFactory(published=None),
        lambda take: TakeFactory(status=Status.DRAFT, published=APRIL),
        lambda take: Take.objects.filter(pk=take.pk).update(status=Status.DRAFT),
        lambda take: Take.objects.filter(pk=take.pk).update(published=APRIL),
        lambda take: Take.objects.filter(pk=take.pk).update(published=None),
        lambda take: Take.objects.filter(pk=take.pk).update(date_precision=DatePrecision.MONTH),
        lambda take: Take.objects.filter(pk=take.pk).update(title="Retitled"),
        lambda take: Take.objects.all().update(published=APRIL, status=Status.PUBLISHED),
        lambda take: take.delete(),
        lambda take: Take.objects.all().delete(),
    ],
    ids=[
        "create",
        "create undated",
        "create draft",
        "unpublish",
        "redate",
        "undate",
        "precision",
        "retitle",
        "update many",
        "delete",
        "delete all",
    ],
)
def test_every_write_keeps_the_sums_exact(write):
    take = TakeFactory(published=MARCH)
    TakeFactory(published=MARCH)
    TakeFactory(status=Status.DRAFT, published=MARCH)
    assert_exact()
    write(take)
    assert_exact()


def test_publishing_a_draft_and_raw_sql():
    draft = TakeFactory(status=Status.DRAFT, published=MARCH)
    draft.status = Status.PUBLISHED
    draft.save()
    assert_exact()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_take SET published = %s WHERE id = %s", [APRIL, draft.pk])
        cursor.execute("DELETE FROM archive_take_themes")
    assert_exact()


def test_bulk_inserts_count_each_take():
    TakeFactory(published=MARCH)
    Take.objects.bulk_create(
        [Take(title=f"Bulk {n}", slug=f"bulk-{n}", published=APRIL, status=Status.PUBLISHED) for n in range(5)]
        + [Take(title="Draft", slug="bulk-draft", published=APRIL, status=Status.DRAFT)]
    )
    assert expected()[(APRIL, "day")] == 5
    assert_exact()


def test_a_rolled_back_write_leaves_nothing():
    TakeFactory(published=MARCH)
    with pytest.raises(RuntimeError), transaction.atomic():
        TakeFactory(published=APRIL)
        raise RuntimeError
    assert_exact()


def test_compaction_keeps_one_row_per_date():
    for _ in range(3):
        take = TakeFactory(published=MARCH)
        Take.objects.filter(pk=take.pk).update(published=APRIL)
    assert journal_rows() > 2
    TakeFactory(published=MARCH)
    take_dates.compact(connection)
    assert journal_rows() == 2  # March and April
    assert_exact()


def test_install_again_recounts():
    TakeFactory(published=MARCH)
    take_dates.uninstall(connection)
    TakeFactory(published=APRIL)  # written with no journal at all
    take_dates.install(connection)
    take_dates.install(connection)  # idempotent
    assert_exact()
    TakeFactory(published=APRIL)
    assert_exact()


def test_the_chart_of_every_take_is_the_chart_of_the_takes():
    TakeFactory(published=MARCH)
    TakeFactory(published=APRIL)
    TakeFactory(published=None)
    TakeFactory(published=datetime.date(2019, 1, 1), date_precision=DatePrecision.YEAR)
    kept = published_volume("all", "Takes", "default")
    counted = take_volume("all", "Takes", Take.objects.published())
    assert [(c.start, c.total) for c in kept.columns] == [(c.start, c.total) for c in counted.columns]
    assert (kept.left_out, kept.counted) == (counted.left_out, counted.counted) == (2, 4)


def test_the_take_list_counts_from_the_journal(client):
    for _ in range(3):
        TakeFactory(published=MARCH)
    TakeFactory(status=Status.DRAFT)
    cache.clear()
    response = client.get("/takes/")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 3
    assert response.context["volume"].counted == 3


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_journal():
    TakeFactory(published=MARCH)
    call_command("flush", "--no-input")
    assert take_dates.counts(connection) == []


@pytest.mark.parametrize("query", ["", "?kind=analysis", "?kind=analysis&sort=oldest"])
def test_past_the_facet_cap_the_total_is_the_charts_and_no_count_is_made(client, monkeypatch, query):
    monkeypatch.setattr(facets, "FACET_CAP", 2)
    for n in range(5):
        TakeFactory(published=MARCH if n % 2 else APRIL, kind=TakeKind.ANALYSIS if n < 4 else TakeKind.OP_ED)
    TakeFactory(published=None, kind=TakeKind.ANALYSIS)
    TakeFactory(status=Status.DRAFT, kind=TakeKind.ANALYSIS)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/takes/" + query)
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == (6 if not query else 5)
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
