"""Published positions per question, stance and date (archive/db/stance_dates.py): the journal's sums
stay exact whatever writes the positions or their takes, and the pages that chart or split every
published position on a question read them."""

import datetime
import io
import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from archive import cache
from archive.db import stance_dates
from archive.models import DatePrecision, Position, Status, Take
from archive.timeline import question_volume, stance_volume
from tests.factories import PositionFactory, QuestionFactory, StanceFactory, TakeFactory
from tests.generate_import import build

pytestmark = pytest.mark.django_db

MARCH, APRIL = datetime.date(2019, 3, 1), datetime.date(2019, 4, 1)


def expected() -> dict:
    """Published positions per (question, stance, date, precision), counted in Python."""
    rows = Position.objects.filter(take__status=Status.PUBLISHED).values_list(
        "question_id", "stance_id", "take__published", "take__date_precision"
    )
    return dict(Counter(rows))


def kept() -> dict:
    found = {}
    for question_id in set(Position.objects.values_list("question_id", flat=True)) | {0}:
        for day, precision, stance_id, n in stance_dates.counts(connection, question_id):
            found[(question_id, stance_id, day, precision)] = n
    return found


def assert_exact() -> None:
    assert kept() == expected()
    assert stance_dates.differences(connection) == 0
    assert stance_dates.split(connection) == Position.objects.split()


def journal_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {stance_dates.TABLE}")  # noqa: S608 - a fixed name
        return cursor.fetchone()[0]


@pytest.fixture
def world():
    w = type("World", (), {})()
    w.q = QuestionFactory(slug="disarm")
    w.never = StanceFactory(question=w.q, slug="never", position=0)
    w.partly = StanceFactory(question=w.q, slug="partly", position=1)
    w.other_q = QuestionFactory(slug="sanctions")
    w.lift = StanceFactory(question=w.other_q, slug="lift", position=0)
    w.march = TakeFactory(published=MARCH)
    w.april = TakeFactory(published=APRIL)
    w.draft = TakeFactory(published=MARCH, status=Status.DRAFT)
    w.position = PositionFactory(take=w.march, stance=w.never)
    PositionFactory(take=w.march, stance=w.lift)
    PositionFactory(take=w.april, stance=w.never)
    PositionFactory(take=w.draft, stance=w.partly)
    return w


WRITES = {
    "create": lambda w: PositionFactory(take=TakeFactory(published=APRIL), stance=w.partly),
    "create undated": lambda w: PositionFactory(take=TakeFactory(published=None), stance=w.partly),
    "create on a draft": lambda w: PositionFactory(take=w.draft, stance=w.lift),
    "change stance": lambda w: Position.objects.filter(pk=w.position.pk).update(stance=w.partly),
    "save stance": lambda w: setattr(w.position, "stance", w.partly) or w.position.save(),
    "move to another take": lambda w: Position.objects.filter(pk=w.position.pk).update(
        take=TakeFactory(status=Status.DRAFT)
    ),
    "delete a position": lambda w: w.position.delete(),
    "publish": lambda w: Take.objects.filter(pk=w.draft.pk).update(status=Status.PUBLISHED),
    "unpublish": lambda w: Take.objects.filter(pk=w.march.pk).update(status=Status.DRAFT),
    "redate": lambda w: Take.objects.filter(pk=w.march.pk).update(published=APRIL),
    "undate": lambda w: Take.objects.filter(pk=w.march.pk).update(published=None),
    "precision": lambda w: Take.objects.filter(pk=w.march.pk).update(date_precision=DatePrecision.MONTH),
    "retitle": lambda w: Take.objects.filter(pk=w.march.pk).update(title="Retitled"),
    "update many": lambda w: Take.objects.all().update(published=APRIL, status=Status.PUBLISHED),
    "delete a take": lambda w: w.march.delete(),
    "delete all": lambda w: Take.objects.all().delete(),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_keeps_the_sums_exact(world, write):
    assert_exact()
    write(world)
    assert_exact()


def test_raw_sql_writes(world):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_position SET stance_id = %s WHERE id = %s", [world.partly.pk, world.position.pk])
        cursor.execute(
            "UPDATE archive_take SET published = %s, status = 'published' WHERE id = %s", [APRIL, world.draft.pk]
        )
        cursor.execute("DELETE FROM archive_position WHERE question_id = %s", [world.other_q.pk])
    assert_exact()


def test_raw_sql_deleting_a_take_before_its_positions(world):
    """Foreign keys are checked at commit: a take may go before its positions."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM archive_take WHERE id = %s", [world.march.pk])
        cursor.execute("DELETE FROM archive_takeauthor WHERE take_id = %s", [world.march.pk])
        assert stance_dates.split(connection) == {world.never.pk: 1}
        cursor.execute("DELETE FROM archive_position WHERE take_id = %s", [world.march.pk])
    assert_exact()


def test_bulk_inserts_and_positions_before_their_take(world):
    takes = Take.objects.bulk_create(
        [Take(title=f"Bulk {n}", slug=f"bulk-{n}", published=APRIL, status=Status.PUBLISHED) for n in range(3)]
    )
    Position.objects.bulk_create([Position(take=take, question=world.q, stance=world.partly) for take in takes])
    assert_exact()
    with transaction.atomic(), connection.cursor() as cursor:  # as loaddata may: the position first
        cursor.execute(
            "INSERT INTO archive_position (id, take_id, question_id, stance_id, confidence, note) "
            "VALUES (990001, 990001, %s, %s, 'medium', '')",
            [world.q.pk, world.never.pk],
        )
        Take.objects.create(pk=990001, title="Late", slug="late", published=MARCH, status=Status.PUBLISHED)
    assert_exact()


def test_a_rolled_back_write_leaves_nothing(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        PositionFactory(take=world.april, stance=world.lift)
        raise RuntimeError
    assert_exact()


def test_import_takes_and_a_reimport_changing_a_stance(tmp_path):
    document = build(40)
    path = tmp_path / "takes.json"
    path.write_text(json.dumps(document))
    call_command("import_takes", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Position.objects.exists()
    assert_exact()
    take = next(t for t in document["takes"] if t["status"] == "published")
    take["positions"][0]["stance"] = "s3" if take["positions"][0]["stance"] != "s3" else "s0"
    take["published"] = "2020-01-01"
    path.write_text(json.dumps(document))
    call_command("import_takes", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert_exact()


def test_compaction_keeps_one_row_per_key(world):
    for day in (APRIL, MARCH, APRIL):
        Take.objects.filter(pk=world.march.pk).update(published=day)
    assert journal_rows() > 4
    stance_dates.compact(connection)
    assert journal_rows() == 2  # every position now in April: (disarm, never) and (sanctions, lift)
    assert_exact()


def test_install_again_recounts(world):
    stance_dates.uninstall(connection)
    PositionFactory(take=world.april, stance=world.lift)  # written with no journal at all
    stance_dates.install(connection)
    stance_dates.install(connection)  # idempotent
    assert_exact()
    PositionFactory(take=TakeFactory(published=MARCH), stance=world.partly)
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_journal(world):
    call_command("flush", "--no-input")
    assert stance_dates.split(connection) == {}
    assert stance_dates.differences(connection) == 0


def test_the_kept_chart_is_the_chart_of_the_positions(world):
    PositionFactory(take=TakeFactory(published=None), stance=world.partly)
    PositionFactory(take=TakeFactory(published=datetime.date(2019, 1, 1), date_precision="year"), stance=world.never)
    question = type(world.q).objects.prefetch_related("stances").get(pk=world.q.pk)
    kept_chart = question_volume("q", "Q", question, "default")
    counted = stance_volume("q", "Q", Position.objects.published().filter(question=question), question)
    assert [(c.start, [s.count for s in c.segments]) for c in kept_chart.columns] == [
        (c.start, [s.count for s in c.segments]) for c in counted.columns
    ]
    assert (kept_chart.left_out, kept_chart.counted) == (counted.left_out, counted.counted) == (2, 4)


def test_the_question_page_reads_the_journal(client, world):
    cache.clear()
    response = client.get(f"/questions/{world.q.slug}/")
    assert response.status_code == 200
    assert response.context["volume"].counted == 2
    Take.objects.filter(pk=world.draft.pk).update(status=Status.PUBLISHED)
    cache.clear()
    assert client.get(f"/questions/{world.q.slug}/").context["volume"].counted == 3
