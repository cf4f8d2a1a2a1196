"""The data version: moved by the database on every write, so figures cached against it are never stale."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from archive import cache
from archive.db import data_version
from archive.models import Position, Publication, Quote, Take, Theme
from tests.factories import PositionFactory, QuoteFactory, TakeFactory

pytestmark = pytest.mark.django_db


def version() -> int:
    return data_version.current()[0]


def test_every_table_the_pages_read_moves_the_version():
    tables = {model._meta.db_table for model in apps.get_app_config("archive").get_models(include_auto_created=True)}
    assert tables - set(data_version.TABLES) <= {*data_version.DERIVED_TABLES, *data_version.PRIVATE_TABLES}


@pytest.mark.parametrize(
    "write",
    [
        lambda take: Theme.objects.create(name="New theme", slug="new-theme"),
        lambda take: Take.objects.filter(pk=take.pk).update(title="Retitled"),
        lambda take: Quote.objects.bulk_create([Quote(take=take, text="Bulk quote")]),
        lambda take: take.quotes.all().delete(),
        lambda take: Publication.objects.filter(pk=take.publication_id).update(name="Renamed outlet"),
        lambda take: take.themes.add(Theme.objects.create(name="Tag", slug="tag")),
    ],
    ids=["create", "update", "bulk_create", "delete", "related update", "m2m add"],
)
@pytest.mark.django_db(transaction=True)
def test_any_committed_write_moves_the_version(write):
    take = TakeFactory()
    QuoteFactory(take=take)
    before = version()
    with transaction.atomic():
        write(take)
    assert version() != before


@pytest.mark.django_db(transaction=True)
def test_raw_sql_and_loaddata_move_it_and_a_rolled_back_write_never_reuses_a_version(tmp_path):
    take = TakeFactory(title="Raw")
    seen = {version()}
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_take SET title = 'Raw SQL' WHERE id = %s", [take.pk])
    assert version() not in seen
    seen.add(version())
    fixture = tmp_path / "theme.json"
    fixture.write_text('[{"model": "archive.theme", "pk": 900, "fields": {"name": "Loaded", "slug": "loaded"}}]')
    call_command("loaddata", str(fixture), verbosity=0)
    assert version() not in seen
    seen.add(version())
    with pytest.raises(RuntimeError), transaction.atomic():
        Theme.objects.create(name="Rolled back", slug="rolled-back")
        raise RuntimeError
    assert version() in seen  # the rollback restored the data and the version with it
    Theme.objects.create(name="Kept", slug="kept")
    assert version() not in seen  # ... and the next write gets a number never used before


@pytest.mark.django_db(transaction=True)
def test_kept_figures_are_reused_until_the_data_changes():
    cache.clear()
    calls = []

    def compute():
        calls.append(1)
        return Take.objects.count()

    assert cache.kept("test count", None, compute, version=data_version.reading_version()) == 0
    assert cache.kept("test count", None, compute, version=data_version.reading_version()) == 0
    assert len(calls) == 1
    TakeFactory()
    assert cache.kept("test count", None, compute, version=data_version.reading_version()) == 1
    assert len(calls) == 2


def test_a_transaction_sees_its_own_writes_and_caches_nothing_it_might_roll_back():
    cache.clear()
    assert cache.kept("takes", None, Take.objects.count, version=data_version.reading_version()) == 0
    TakeFactory()
    assert cache.kept("takes", None, Take.objects.count, version=data_version.reading_version()) == 1


def takes_total(client) -> str:
    body = client.get(reverse("home")).content.decode()
    return body.split("<dt>Takes</dt>")[1].split("</a>")[0].rsplit(">", 1)[1]


def test_the_home_page_counts_a_newly_published_take_at_once(client):
    draft = TakeFactory(status="draft", title="Not yet")
    PositionFactory(take=draft)
    assert takes_total(client) == "0"
    draft.status = "published"
    draft.save()
    assert takes_total(client) == "1"
    assert Position.objects.published().count() == 1


@pytest.mark.django_db(transaction=True)
def test_home_question_and_outlet_pages_follow_committed_writes(client):
    cache.clear()
    take = TakeFactory(status="draft")
    PositionFactory(take=take)
    for name in ("home", "question_list", "publication_list"):
        assert client.get(reverse(name)).status_code == 200
    outlets_before = client.get(reverse("publication_list")).content.decode()
    assert take.publication.name not in outlets_before
    Take.objects.filter(pk=take.pk).update(status="published")  # a raw-ish write: no signals
    assert take.publication.name in client.get(reverse("publication_list")).content.decode()
    assert takes_total(client) == "1"
    Take.objects.filter(pk=take.pk).update(status="draft")
    assert takes_total(client) == "0"


@pytest.mark.django_db(transaction=True)
def test_a_repeated_request_reads_the_whole_archive_figures_from_the_cache(client):
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    take = TakeFactory()
    PositionFactory(take=take)
    # Each page whole, from the cache: only the data version is read.
    for name in ("home", "question_list", "publication_list"):
        with CaptureQueriesContext(connection) as first:
            client.get(reverse(name))
        with CaptureQueriesContext(connection) as again:
            client.get(reverse(name))
        assert len(first) > 1 and len(again) == 1, name


@pytest.mark.django_db(transaction=True)
def test_a_generated_corpus_moves_the_version_once_and_leaves_the_triggers_in_place():
    before = version()
    call_command("generate_corpus", takes=30, quotes_per_take=2, experts=5, seed=9, verbosity=0)
    after = version()
    assert after != before
    Theme.objects.create(name="After the load", slug="after-the-load")
    assert version() != after
