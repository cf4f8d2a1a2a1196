"""The home page's totals (archive/db/totals.py): published quotes, public experts and outlets stay
exact whatever writes the takes, quotes, authorships or responses, and the home page reads them."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count

from archive import cache
from archive.db import totals
from archive.models import Expert, Quote, Response, Status, Take, TakeAuthor
from tests.factories import ExpertFactory, PublicationFactory, QuoteFactory, ResponseFactory, TakeFactory
from tests.generate_import import build

pytestmark = pytest.mark.django_db


def expected() -> dict:
    """The totals counted with the ORM, as the home page counted them before."""
    outlets = Take.objects.published().aggregate(n=Count("publication", distinct=True))["n"]
    return {
        "quotes": Quote.objects.published().count(),
        "experts": Expert.objects.public().count(),
        "outlets": outlets,
    }


def assert_exact() -> None:
    assert totals.totals(connection) == expected()
    assert totals.differences(connection) == 0


@pytest.fixture
def world():
    w = type("World", (), {})()
    w.ann, w.bob, w.cy, w.dee = (ExpertFactory(name=name) for name in ("Ann", "Bob", "Cy", "Dee"))
    w.outlet, w.other = PublicationFactory(), PublicationFactory()
    w.take = TakeFactory(authors=[w.ann], publication=w.outlet)
    w.second = TakeFactory(authors=[w.ann, w.bob], publication=w.outlet)
    w.draft = TakeFactory(authors=[w.dee], publication=w.other, status=Status.DRAFT)
    w.quote = QuoteFactory(take=w.take, speaker=w.cy)
    QuoteFactory(take=w.second, speaker=None)
    QuoteFactory(take=w.draft, speaker=w.dee)
    w.response = ResponseFactory(take=w.second, expert=w.cy)
    return w


WRITES = {
    "create a take": lambda w: TakeFactory(authors=[w.dee], publication=w.other),
    "create a draft": lambda w: TakeFactory(authors=[w.dee], status=Status.DRAFT),
    "create a quote": lambda w: QuoteFactory(take=w.second, speaker=w.dee),
    "quote on a draft": lambda w: QuoteFactory(take=w.draft, speaker=w.bob),
    "move a quote": lambda w: Quote.objects.filter(pk=w.quote.pk).update(take=w.draft),
    "change a speaker": lambda w: Quote.objects.filter(pk=w.quote.pk).update(speaker=w.dee),
    "unset a speaker": lambda w: Quote.objects.filter(pk=w.quote.pk).update(speaker=None),
    "delete a quote": lambda w: w.quote.delete(),
    "add an author": lambda w: TakeAuthor.objects.create(take=w.take, expert=w.dee),
    "change an author": lambda w: TakeAuthor.objects.filter(expert=w.bob).update(expert=w.dee),
    "remove an author": lambda w: TakeAuthor.objects.filter(expert=w.bob).delete(),
    "change a response": lambda w: Response.objects.filter(pk=w.response.pk).update(expert=w.bob),
    "delete a response": lambda w: w.response.delete(),
    "publish": lambda w: Take.objects.filter(pk=w.draft.pk).update(status=Status.PUBLISHED),
    "unpublish": lambda w: Take.objects.filter(pk=w.take.pk).update(status=Status.DRAFT),
    "move outlet": lambda w: Take.objects.filter(pk=w.second.pk).update(publication=w.other),
    "no outlet": lambda w: Take.objects.filter(pk=w.second.pk).update(publication=None),
    "update many": lambda w: Take.objects.all().update(status=Status.PUBLISHED, publication=w.other),
    "delete a take": lambda w: w.second.delete(),
    "delete all": lambda w: Take.objects.all().delete(),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_keeps_the_totals_exact(world, write):
    assert_exact()
    write(world)
    assert_exact()


def test_raw_sql_and_a_take_deleted_before_its_rows(world):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_take SET status = 'draft' WHERE id = %s", [world.take.pk])
        cursor.execute("UPDATE archive_quote SET speaker_id = %s WHERE take_id = %s", [world.bob.pk, world.second.pk])
    assert_exact()
    with transaction.atomic(), connection.cursor() as cursor:  # foreign keys are checked at commit
        cursor.execute("DELETE FROM archive_take WHERE id = %s", [world.second.pk])
        assert totals.totals(connection)["quotes"] == 0
        for table in ("archive_quote", "archive_takeauthor", "archive_response", "archive_take_themes"):
            cursor.execute(f"DELETE FROM {table} WHERE take_id = %s", [world.second.pk])  # noqa: S608 - fixed names
    assert_exact()


def test_bulk_inserts_and_rows_before_their_take(world):
    takes = Take.objects.bulk_create(
        [Take(title=f"Bulk {n}", slug=f"bulk-{n}", status=Status.PUBLISHED, publication=world.other) for n in range(3)]
    )
    Quote.objects.bulk_create([Quote(take=take, text="Words.", speaker=world.dee) for take in takes for _ in range(2)])
    assert_exact()
    with transaction.atomic(), connection.cursor() as cursor:  # as loaddata may: the quote first
        cursor.execute(
            'INSERT INTO archive_quote (id, take_id, text, speaker_id, is_headline, "order", source_url) '
            "VALUES (990001, 990001, 'Early.', %s, false, 0, '')",
            [world.bob.pk],
        )
        Take.objects.create(pk=990001, title="Late", slug="late", status=Status.PUBLISHED)
    assert_exact()


def test_import_takes(tmp_path):
    document = build(40)
    path = tmp_path / "takes.json"
    path.write_text(json.dumps(document))
    call_command("import_takes", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Quote.objects.exists()
    assert_exact()
    take = next(t for t in document["takes"] if t["status"] == "published")
    take["status"] = "draft"
    path.write_text(json.dumps(document))
    call_command("import_takes", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert_exact()


def test_compaction_and_install_again(world):
    for status in (Status.DRAFT, Status.PUBLISHED, Status.DRAFT):
        Take.objects.filter(pk=world.second.pk).update(status=status)
    totals.compact(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {totals.TABLE}")  # noqa: S608 - a fixed name
        assert cursor.fetchone()[0] == 4  # Ann and Cy, the quotes, the outlet
    assert_exact()
    totals.uninstall(connection)
    QuoteFactory(take=world.take, speaker=world.bob)  # written with no journal at all
    totals.install(connection)
    totals.install(connection)  # idempotent
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_journal(world):
    call_command("flush", "--no-input")
    assert totals.totals(connection) == {"quotes": 0, "experts": 0, "outlets": 0}
    assert totals.differences(connection) == 0


def test_the_home_page_reads_the_kept_totals(client, world):
    cache.clear()
    response = client.get("/")
    assert response.status_code == 200
    assert (response.context["quote_count"], response.context["expert_count"]) == (2, 3)
    assert response.context["totals"] == {"takes": 2, "outlets": 1}
