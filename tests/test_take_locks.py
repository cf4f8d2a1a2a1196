"""Two writers meeting on one take (PostgreSQL, archive/db/take_locks.py): one writes a take's rows
(positions, authorships, predictions, quotes) while the other publishes or unpublishes the take, or
writes another row of it that a journal counts in pairs with the first (an author with a prediction
or a position). Whichever order they run and commit in, every journal of counts and the
who-holds-what table stay exact.

Each case runs the two writers on two connections of their own. The second writer runs in a thread
and is given a second to finish before the first commits: without the locks it finishes (and the
counts go wrong), with them it waits for the first writer's commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
import pytest
from django.db import connection

from archive.db import expert_records, prediction_counts, stance_dates, stances, take_dates, take_locks, totals
from archive.models import Outcome, Status
from tests.factories import (
    ExpertFactory,
    PositionFactory,
    QuestionFactory,
    QuoteFactory,
    StanceFactory,
    TakeFactory,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time"),
]

JOURNALS = {
    "take dates": take_dates.differences,
    "stance dates": stance_dates.differences,
    "totals": totals.differences,
    "expert records": expert_records.differences,
    "prediction counts": prediction_counts.differences,
    "who holds what": stances.differences,
}


def differences() -> dict[str, int]:
    return {name: found(connection) for name, found in JOURNALS.items()}


def exact() -> dict[str, int]:
    return dict.fromkeys(JOURNALS, 0)


def open_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=False)


@pytest.fixture
def world():
    w = type("World", (), {})()
    w.question = QuestionFactory(slug="disarm")
    w.stance = StanceFactory(question=w.question, slug="never", position=0)
    w.other = StanceFactory(question=w.question, slug="partly", position=1)
    w.second_question = QuestionFactory(slug="sanctions")
    w.lift = StanceFactory(question=w.second_question, slug="lift", position=0)
    w.expert = ExpertFactory(slug="kim")
    w.coauthor = ExpertFactory(slug="lee")
    w.draft = TakeFactory(status=Status.DRAFT)
    w.live = TakeFactory(status=Status.PUBLISHED)
    for take in (w.draft, w.live):
        take.authors.add(w.expert, through_defaults={"order": 0})
        PositionFactory(take=take, question=w.question, stance=w.stance)
        QuoteFactory(take=take, speaker=w.expert)
    assert differences() == exact()
    return w


def child_writes(w) -> dict[str, Callable[[psycopg.Cursor, int], None]]:
    """SQL that writes rows under take ``take_id``."""

    def insert_position(cursor, take_id):
        cursor.execute(
            "INSERT INTO archive_position (confidence, note, question_id, stance_id, take_id) "
            "VALUES ('high', '', %s, %s, %s)",
            [w.second_question.pk, w.lift.pk, take_id],
        )

    def insert_author(cursor, take_id):
        cursor.execute(
            'INSERT INTO archive_takeauthor ("order", expert_id, take_id) VALUES (1, %s, %s)', [w.coauthor.pk, take_id]
        )

    def insert_prediction(cursor, take_id):
        cursor.execute(
            "INSERT INTO archive_prediction (claim, confidence, outcome, resolved, source_title, source_outlet, "
            "source_date, source_url, note, \"order\", take_id) VALUES ('It will', 'high', %s, '2020-01-01', "
            "'It did', 'An outlet', '2020-01-01', 'https://example.com/', '', 0, %s)",
            [Outcome.CAME_TRUE, take_id],
        )

    def insert_quote(cursor, take_id):
        cursor.execute(
            'INSERT INTO archive_quote (text, is_headline, "order", speaker_id, take_id) '
            "VALUES ('Said so.', false, 5, %s, %s)",
            [w.expert.pk, take_id],
        )

    def change_stance(cursor, take_id):
        cursor.execute("UPDATE archive_position SET stance_id = %s WHERE take_id = %s", [w.other.pk, take_id])

    def delete_positions(cursor, take_id):
        cursor.execute("DELETE FROM archive_position WHERE take_id = %s", [take_id])

    return {
        "insert a position": insert_position,
        "insert an author": insert_author,
        "insert a prediction": insert_prediction,
        "insert a quote": insert_quote,
        "change a stance": change_stance,
        "delete positions": delete_positions,
    }


CHILD_WRITES = [
    "insert a position",
    "insert an author",
    "insert a prediction",
    "insert a quote",
    "change a stance",
    "delete positions",
]


def set_status(cursor: psycopg.Cursor, take_id: int, status: str) -> None:
    cursor.execute("UPDATE archive_take SET status = %s WHERE id = %s", [status, take_id])


def meet(first: Callable[[psycopg.Cursor], None], second: Callable[[psycopg.Cursor], None]) -> None:
    """``first`` writes and holds its transaction open; ``second`` runs on another connection in a
    thread and commits; ``first`` commits after the thread has finished or waited a second."""
    with open_connection() as one, open_connection() as two:
        failures = []

        def run_second():
            try:
                with two.cursor() as cursor:
                    second(cursor)
                two.commit()
            except Exception as exc:  # reported by the test below
                failures.append(exc)

        with one.cursor() as cursor:
            first(cursor)
        thread = threading.Thread(target=run_second)
        thread.start()
        thread.join(timeout=1.0)
        one.commit()
        thread.join(timeout=30)
        assert not thread.is_alive() and not failures


@pytest.mark.parametrize("write", CHILD_WRITES)
@pytest.mark.parametrize("publish", [True, False], ids=["publish", "unpublish"])
def test_rows_written_then_the_take_changes(world, write, publish):
    take = world.draft if publish else world.live
    status = Status.PUBLISHED if publish else Status.DRAFT
    meet(lambda cursor: child_writes(world)[write](cursor, take.pk), lambda cursor: set_status(cursor, take.pk, status))
    assert differences() == exact()


@pytest.mark.parametrize("write", CHILD_WRITES)
@pytest.mark.parametrize("publish", [True, False], ids=["publish", "unpublish"])
def test_the_take_changes_then_rows_are_written(world, write, publish):
    take = world.draft if publish else world.live
    status = Status.PUBLISHED if publish else Status.DRAFT
    meet(lambda cursor: set_status(cursor, take.pk, status), lambda cursor: child_writes(world)[write](cursor, take.pk))
    assert differences() == exact()


def test_installed_on_every_counted_table():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE 'archive_0_take_lock_%%'"
        )
        found = {(table, name) for table, name in cursor.fetchall()}
    wanted = {(table, name) for table in take_locks.TABLES for name in take_locks._names(table)}
    assert found == wanted


PAIRS = [
    ("insert a prediction", "insert an author"),
    ("insert an author", "insert a prediction"),
    ("insert a position", "insert an author"),
    ("insert an author", "insert a position"),
]


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=[f"{a}, then {b}" for a, b in PAIRS])
def test_two_rows_of_a_published_take_that_count_together(world, first, second):
    writes = child_writes(world)
    take = world.live
    meet(lambda cursor: writes[first](cursor, take.pk), lambda cursor: writes[second](cursor, take.pk))
    assert differences() == exact()
