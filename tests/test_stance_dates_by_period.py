"""A question's chart over time from the journal summed by month in the database
(``stance_dates.by_period``): the same chart as from the journal's rows per day, whatever the span
(weeks, months, years), the precisions and the keys whose sums are zero."""

import datetime

import pytest
from django.db import connection

from archive.db import stance_dates
from archive.models import Position, Question
from archive.timeline import WEEKS_UP_TO, build, question_volume
from tests.factories import PositionFactory, QuestionFactory, StanceFactory, TakeFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def chart_from_days(question: Question):
    """The chart as before: every (day, precision, stance) row of the journal placed in Python."""
    rows = stance_dates.counts(connection, question.pk)
    return build("q", "Q", rows, [(stance.pk, stance.label) for stance in question.stances.all()])


def world(days: list[tuple[datetime.date | None, str]]) -> Question:
    question = QuestionFactory(slug="disarm")
    stances = [
        StanceFactory(question=question, slug=slug, position=n) for n, slug in enumerate(["no", "partly", "yes"])
    ]
    for n, (day, precision) in enumerate(days):
        for copies in range(1 + n % 3):
            PositionFactory(take=TakeFactory(published=day, date_precision=precision), stance=stances[(n + copies) % 3])
    return Question.objects.prefetch_related("stances").get(pk=question.pk)


SPANS = {
    "weeks": [(D(2019, 2, 1), "day"), (D(2019, 2, 27), "day"), (D(2019, 3, 1), "month"), (D(2019, 5, 30), "day")],
    "months": [
        (D(2018, 6, 14), "day"),
        (D(2018, 6, 30), "day"),
        (D(2019, 1, 1), "month"),
        (D(2019, 1, 1), "year"),
        (D(2019, 2, 27), "day"),
        (D(2019, 2, 28), "day"),
        (None, "day"),
        (D(2020, 1, 31), "day"),
    ],
    "years": [(D(2008, 3, 3), "day"), (D(2012, 1, 1), "year"), (D(2015, 7, 1), "month"), (D(2020, 12, 31), "day")],
    "one day": [(D(2019, 2, 27), "day")],
    "undated only": [(None, "day")],
}


@pytest.mark.parametrize("days", SPANS.values(), ids=SPANS.keys())
def test_the_chart_is_the_chart_of_the_days(days):
    question = world(days)
    assert question_volume("q", "Q", question, "default") == chart_from_days(question)


def test_months_are_summed_in_the_database():
    question = world(SPANS["months"])
    rows, first, last = stance_dates.by_period(connection, question.pk, WEEKS_UP_TO)
    assert (first, last) == (D(2018, 6, 14), D(2020, 1, 31))
    assert {day for day, *_ in rows} == {D(2018, 6, 1), D(2019, 1, 1), D(2019, 2, 1), D(2020, 1, 1), None}
    assert len(rows) < len(stance_dates.counts(connection, question.pk))
    assert sum(n for *_, n in rows) == Position.objects.filter(question=question).count()


def test_a_key_counted_out_again_does_not_widen_the_span():
    question = world(SPANS["weeks"])
    gone = PositionFactory(take=TakeFactory(published=D(2016, 1, 1)), stance=question.stances.first())
    gone.delete()  # the journal keeps +1 and -1 rows for that day: their sum is zero
    rows, first, last = stance_dates.by_period(connection, question.pk, WEEKS_UP_TO)
    assert (first, last) == (D(2019, 2, 1), D(2019, 5, 30))
    volume = question_volume("q", "Q", question, "default")
    assert volume.unit == "week"
    assert volume == chart_from_days(question)


def test_a_question_without_positions_has_an_empty_chart():
    question = world([])
    assert stance_dates.by_period(connection, question.pk, WEEKS_UP_TO) == ([], None, None)
    assert question_volume("q", "Q", question, "default") == chart_from_days(question)
