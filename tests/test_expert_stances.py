"""The who-holds-what table (archive/db/stances.py) stays exact whatever writes takes, positions or authors.

After every kind of write the table must equal an aggregate computed here in Python from the base
tables: per (expert, question, stance), the published takes the expert (co-)wrote holding it and
the newest of their dates.
"""

import datetime
import io
import json
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models.deletion import ProtectedError

from archive.db import bulk, search_index, stances
from archive.models import Expert, ExpertStance, Position, Question, Stance, Status, Take, TakeAuthor
from tests.factories import ExpertFactory, PositionFactory, QuestionFactory, StanceFactory, TakeFactory
from tests.generate_import import build

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY = datetime.date(2019, 3, 1), datetime.date(2019, 4, 1), datetime.date(2019, 5, 1)


def expected() -> set[tuple]:
    """The table as it should be, from the base tables (in Python, not with the module's SQL)."""
    authors = defaultdict(list)
    for take_id, expert_id in TakeAuthor.objects.values_list("take_id", "expert_id"):
        authors[take_id].append(expert_id)
    rows: dict[tuple, list] = {}
    for take_id, question_id, stance_id, published in Position.objects.filter(
        take__status=Status.PUBLISHED
    ).values_list("take_id", "question_id", "stance_id", "take__published"):
        for expert_id in authors[take_id]:
            entry = rows.setdefault((expert_id, question_id, stance_id), [0, None])
            entry[0] += 1
            if published is not None and (entry[1] is None or published > entry[1]):
                entry[1] = published
    return {(*key, takes, newest) for key, (takes, newest) in rows.items()}


def stored() -> set[tuple]:
    return set(ExpertStance.objects.values_list("expert_id", "question_id", "stance_id", "takes", "newest"))


def assert_exact() -> None:
    assert stored() == expected()
    assert stances.differences(connection) == 0


@pytest.fixture
def world():
    w = type("World", (), {})()
    w.ann, w.bob, w.cy = (ExpertFactory(name=name) for name in ("Ann", "Bob", "Cy"))
    w.q = QuestionFactory(slug="disarm")
    w.never = StanceFactory(question=w.q, slug="never", position=0)
    w.partly = StanceFactory(question=w.q, slug="partly", position=1)
    w.other_q = QuestionFactory(slug="sanctions")
    w.lift = StanceFactory(question=w.other_q, slug="lift", position=0)
    w.march = TakeFactory(authors=[w.ann, w.bob], published=MARCH)
    w.april = TakeFactory(authors=[w.ann], published=APRIL)
    PositionFactory(take=w.march, stance=w.never)
    PositionFactory(take=w.march, stance=w.lift)
    PositionFactory(take=w.april, stance=w.never)
    return w


def test_orm_inserts_count_each_take_once_per_author_with_the_newest_date(world):
    assert_exact()
    rows = {(r.expert_id, r.stance_id): (r.takes, r.newest) for r in ExpertStance.objects.all()}
    assert rows[(world.ann.pk, world.never.pk)] == (2, APRIL)
    assert rows[(world.bob.pk, world.never.pk)] == (1, MARCH)  # co-author: counted once for each author
    assert rows[(world.ann.pk, world.lift.pk)] == (1, MARCH)
    assert (world.cy.pk, world.never.pk) not in rows


def test_undated_takes_leave_the_newest_date_alone_or_empty(world):
    undated = TakeFactory(authors=[world.ann, world.cy], published=None)
    PositionFactory(take=undated, stance=world.never)
    assert_exact()
    assert ExpertStance.objects.get(expert=world.ann, stance=world.never).newest == APRIL
    assert ExpertStance.objects.get(expert=world.cy, stance=world.never).newest is None


def test_drafts_count_for_nothing(world):
    draft = TakeFactory(authors=[world.cy], status=Status.DRAFT)
    PositionFactory(take=draft, stance=world.partly)
    assert_exact()
    assert not ExpertStance.objects.filter(expert=world.cy).exists()


def test_changing_and_deleting_positions(world):
    position = Position.objects.get(take=world.april)
    position.stance = world.partly
    position.save()
    assert_exact()
    assert ExpertStance.objects.get(expert=world.ann, stance=world.never).takes == 1
    # Moved to another take and question at once.
    position.take, position.question, position.stance = TakeFactory(authors=[world.cy]), world.other_q, world.lift
    position.save()
    assert_exact()
    Position.objects.filter(take=world.march, question=world.q).delete()
    assert_exact()
    assert not ExpertStance.objects.filter(stance=world.never).exists()


def test_adding_changing_and_removing_authors(world):
    TakeAuthor.objects.create(take=world.april, expert=world.cy, order=1)
    assert_exact()
    authorship = TakeAuthor.objects.get(take=world.april, expert=world.cy)
    authorship.expert = world.bob
    authorship.save()
    assert_exact()
    world.march.authors.remove(world.ann)
    assert_exact()
    world.march.authors.add(world.cy, through_defaults={"order": 5})
    assert_exact()
    TakeAuthor.objects.filter(take=world.march).delete()
    assert_exact()


def test_deleting_a_take_through_the_orm(world):
    world.march.delete()
    assert_exact()
    assert set(ExpertStance.objects.values_list("expert_id", flat=True)) == {world.ann.pk}


def test_bulk_create(world):
    takes = Take.objects.bulk_create(
        Take(title=f"Bulk {n}", slug=f"bulk-{n}", status=Status.PUBLISHED, published=MAY) for n in range(3)
    )
    Position.objects.bulk_create(Position(take=t, question=world.q, stance=world.partly) for t in takes)
    TakeAuthor.objects.bulk_create(TakeAuthor(take=t, expert=e) for t in takes for e in (world.bob, world.cy))
    assert_exact()
    assert ExpertStance.objects.get(expert=world.cy, stance=world.partly).takes == 3


def test_one_statement_inserting_many_rows_for_the_same_holders(world):
    """PostgreSQL sums a statement's rows per holder at once: rows of one insert that meet on the
    same (expert, question, stance), new and already stored, dated, undated and drafts."""
    dates = [MAY, None, MARCH, APRIL, None]
    takes = [TakeFactory(authors=[world.ann, world.cy], published=d) for d in dates]
    draft = TakeFactory(authors=[world.cy], status=Status.DRAFT, published=MAY)
    bulk.insert_rows(
        Position,
        ["take_id", "question_id", "stance_id", "confidence", "note"],
        [(t.pk, world.q.pk, world.never.pk, "high", "") for t in [*takes, draft]]
        + [(t.pk, world.other_q.pk, world.lift.pk, "low", "") for t in takes[1:3]],
    )
    assert_exact()
    assert ExpertStance.objects.get(expert=world.ann, stance=world.never).takes == 7
    assert ExpertStance.objects.get(expert=world.cy, stance=world.never).newest == MAY
    # Authorships of takes whose positions are already there, in one statement.
    bulk.insert_rows(TakeAuthor, ["take_id", "expert_id", "order"], [(t.pk, world.bob.pk, 2) for t in [*takes, draft]])
    assert_exact()
    assert ExpertStance.objects.get(expert=world.bob, stance=world.never).takes == 6
    assert ExpertStance.objects.get(expert=world.bob, stance=world.lift).newest == MARCH


def test_publishing_unpublishing_and_redating(world):
    world.april.status = Status.DRAFT
    world.april.save()
    assert_exact()
    assert ExpertStance.objects.get(expert=world.ann, stance=world.never).newest == MARCH
    Take.objects.filter(pk=world.april.pk).update(status=Status.PUBLISHED, published=MAY)
    assert_exact()
    Take.objects.filter(pk=world.march.pk).update(published=None)
    assert_exact()
    Take.objects.update(status=Status.DRAFT)
    assert_exact()
    assert not ExpertStance.objects.exists()


def test_raw_sql_writes(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO archive_position (take_id, question_id, stance_id, confidence, note) "
            "VALUES (%s, %s, %s, 'high', '')",
            [world.april.pk, world.other_q.pk, world.lift.pk],
        )
        cursor.execute(
            'INSERT INTO archive_takeauthor (take_id, expert_id, "order") VALUES (%s, %s, 1)',
            [world.april.pk, world.cy.pk],
        )
    assert_exact()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE archive_position SET stance_id = %s WHERE stance_id = %s", [world.partly.pk, world.never.pk]
        )
        cursor.execute("UPDATE archive_take SET published = %s WHERE id = %s", [MAY, world.march.pk])
    assert_exact()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM archive_takeauthor WHERE expert_id = %s", [world.ann.pk])
        cursor.execute("DELETE FROM archive_position WHERE question_id = %s", [world.other_q.pk])
    assert_exact()


def test_raw_sql_deleting_a_take_before_its_rows(world):
    """Foreign keys are checked at commit: a take may go before its positions and authorships."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM archive_take WHERE id = %s", [world.march.pk])
        assert_exact()
        cursor.execute("DELETE FROM archive_position WHERE take_id = %s", [world.march.pk])
        cursor.execute("DELETE FROM archive_takeauthor WHERE take_id = %s", [world.march.pk])
    assert_exact()


def test_loaddata(world, tmp_path):
    fixture = tmp_path / "takes.json"
    rows = [
        {
            "model": "archive.take",
            "pk": 990001,
            "fields": {
                "title": "Loaded",
                "slug": "loaded",
                "status": "published",
                "published": "2019-05-01",
                "created": "2019-05-01T00:00:00Z",
                "updated": "2019-05-01T00:00:00Z",
            },
        },
        {"model": "archive.takeauthor", "pk": 990001, "fields": {"take": 990001, "expert": world.cy.pk, "order": 0}},
        {
            "model": "archive.position",
            "pk": 990001,
            "fields": {"take": 990001, "question": world.q.pk, "stance": world.never.pk},
        },
    ]
    fixture.write_text(json.dumps(rows))
    call_command("loaddata", str(fixture), verbosity=0)
    assert_exact()
    assert ExpertStance.objects.get(expert=world.cy).stance_id == world.never.pk
    rows[2]["fields"]["stance"] = world.partly.pk
    fixture.write_text(json.dumps(rows))
    call_command("loaddata", str(fixture), verbosity=0)  # over existing rows: updates them
    assert_exact()
    assert ExpertStance.objects.get(expert=world.cy).stance_id == world.partly.pk


def test_dumpdata_leaves_the_derived_table_out(world):
    out = io.StringIO()
    call_command("dumpdata", "archive", stdout=out, verbosity=0)
    models = {row["model"] for row in json.loads(out.getvalue())}
    assert "archive.position" in models and "archive.expertstance" not in models


def test_import_takes_and_a_reimport_changing_a_stance(tmp_path):
    document = build(40)
    path = tmp_path / "takes.json"
    path.write_text(json.dumps(document))
    call_command("import_takes", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert ExpertStance.objects.exists()
    assert_exact()
    take = next(t for t in document["takes"] if t["status"] == "published")
    take["positions"][0]["stance"] = "s3" if take["positions"][0]["stance"] != "s3" else "s0"
    take["authors"] = [*take["authors"], "expert-9"] if "expert-9" not in take["authors"] else take["authors"][:1]
    path.write_text(json.dumps(document))
    call_command("import_takes", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert_exact()
    imported = Take.objects.get(slug=take["slug"])
    assert imported.positions.filter(stance__slug=take["positions"][0]["stance"]).exists()


def test_a_bulk_load_sums_its_rows_set_wise_and_puts_the_triggers_back(world):
    with transaction.atomic(), search_index.bulk_load(connection):
        take = Take.objects.create(title="Bulk", slug="bulk", status=Status.PUBLISHED, published=MAY)
        TakeAuthor.objects.create(take=take, expert=world.cy)
        Position.objects.create(take=take, question=world.q, stance=world.partly)
    assert_exact()
    later = TakeFactory(authors=[world.cy], published=MAY)
    PositionFactory(take=later, stance=world.partly)
    assert_exact()
    assert ExpertStance.objects.get(expert=world.cy, stance=world.partly).takes == 2


def test_rebuild_stances_checks_and_repairs(world):
    call_command("rebuild_stances", "--check", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_expertstance SET takes = takes + 5")
        cursor.execute("DELETE FROM archive_expertstance WHERE expert_id = %s", [world.bob.pk])
    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_stances", "--check", stdout=io.StringIO())
    call_command("rebuild_stances", stdout=io.StringIO())
    assert_exact()


def test_deleting_experts_stances_and_questions_is_refused_or_works_as_before(world):
    with pytest.raises(ProtectedError):
        world.ann.delete()
    with pytest.raises(ProtectedError):
        world.never.delete()
    with pytest.raises(ProtectedError):
        world.q.delete()
    loner = ExpertFactory()
    loner.delete()
    unused = QuestionFactory()
    StanceFactory(question=unused)
    unused.delete()
    world.march.delete()
    world.april.delete()
    world.bob.delete()  # wrote nothing any more: nothing holds on to him
    Question.objects.filter(pk=world.q.pk).delete()
    assert not Stance.objects.filter(pk=world.never.pk).exists()
    assert not Expert.objects.filter(pk=world.bob.pk).exists()
    assert_exact()


def _migrate_signal(signal) -> None:
    from django.apps import apps
    from django.db.migrations import Migration

    config = apps.get_app_config("archive")
    plan = [(Migration("0099_alter_something", "archive"), False)]
    signal.send(sender=config, app_config=config, using="default", verbosity=0, interactive=False, plan=plan, apps=apps)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("model", "field_name"), [(Take, "language"), (Position, "note"), (TakeAuthor, "order")])
def test_it_stays_exact_after_a_migration_rebuilds_a_table(model, field_name):
    """SQLite remakes a table to alter it, dropping its triggers: pre_migrate lifts ours (they name
    the tables), post_migrate puts them back and rebuilds what was written in between."""
    from django.db.models.signals import post_migrate, pre_migrate

    ann = ExpertFactory()
    take = TakeFactory(authors=[ann], published=MARCH)
    position = PositionFactory(take=take)
    old_field = model._meta.get_field(field_name)
    new_field = old_field.clone()
    new_field.null = True
    new_field.set_attributes_from_name(field_name)
    new_field.model = model
    _migrate_signal(pre_migrate)
    try:
        with connection.schema_editor() as editor:
            editor.alter_field(model, old_field, new_field)
        # A write while the triggers are gone, as a data migration in the same run would make.
        Take.objects.filter(pk=take.pk).update(published=APRIL)
        _migrate_signal(post_migrate)
        assert set(stances.TRIGGERS) <= stances._present(connection)
        assert_exact()
        assert ExpertStance.objects.get(expert=ann, stance=position.stance).newest == APRIL
        later = TakeFactory(authors=[ann], published=MAY)
        PositionFactory(take=later, stance=position.stance)
        assert ExpertStance.objects.get(expert=ann, stance=position.stance).takes == 2
        assert_exact()
    finally:
        _migrate_signal(pre_migrate)
        with connection.schema_editor() as editor:
            editor.alter_field(model, new_field, old_field)
        _migrate_signal(post_migrate)
