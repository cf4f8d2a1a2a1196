"""A question's "who changed their mind" (archive/stance_phases.py ``changes``) reads only experts holding
more than one stance, a batch at a time: the same answer as comparing every author's newest stance per
phase, whichever batch size, and with more changers than are shown."""

import datetime
import random
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive import stance_phases
from archive.models import Expert, Position, Status
from archive.phases import phase_of
from tests.factories import ExpertFactory, PositionFactory, QuestionFactory, StanceFactory, TakeFactory

pytestmark = pytest.mark.django_db

DAYS = [datetime.date(2019, 1, 5), datetime.date(2019, 3, 2), datetime.date(2019, 6, 1), datetime.date(2020, 5, 1)]


def reference(question, shown: int) -> tuple[list[tuple], bool]:
    """The changes computed in Python from every published position on the question."""
    newest: dict[tuple[int, int], tuple] = {}
    positions = Position.objects.filter(question=question, take__status=Status.PUBLISHED)
    for position in positions.select_related("take", "stance").prefetch_related("take__authorships"):
        phase = phase_of(position.take.published, position.take.date_precision)
        if phase is None:
            continue
        for authorship in position.take.authorships.all():
            key = (authorship.expert_id, phase.number)
            rank = (position.take.published, position.take_id)
            if key not in newest or rank > newest[key][0]:
                newest[key] = (rank, position.stance.label)
    by_expert = defaultdict(list)
    for (expert, phase), (_, stance) in sorted(newest.items()):
        by_expert[expert].append((phase, stance))
    found = []
    for expert in sorted(by_expert):
        held = by_expert[expert]
        found += [(expert, a[0], a[1], b[0], b[1]) for a, b in zip(held, held[1:], strict=False) if a[1] != b[1]]
    return found[:shown], len(found) > shown


@pytest.fixture
def question():
    question = QuestionFactory()
    stances = [StanceFactory(question=question, position=n) for n in range(3)]
    rng = random.Random(14)
    for n in range(16):
        expert = ExpertFactory(name=f"Expert {n:02d}")
        held = rng.sample(stances, k=1 + n % 3)  # one, two or three stances
        for m, day in enumerate(DAYS[: 2 + n % 3]):
            stance = held[m % len(held)]
            take = TakeFactory(published=day, authors=[expert], status=Status.DRAFT if n == 5 and m else "published")
            PositionFactory(take=take, stance=stance)
    return question


@pytest.mark.parametrize("first", [1, 2, 5, 150, 250])
@pytest.mark.parametrize("shown", [2, 7, 100])
def test_changes_are_those_of_every_author_whatever_the_batch(monkeypatch, question, first, shown):
    monkeypatch.setattr(stance_phases, "CANDIDATES_FIRST", first)
    monkeypatch.setattr(stance_phases, "CHANGERS_SHOWN", shown)
    expected, expected_more = reference(question, shown)
    assert expected  # the fixture has changers
    with CaptureQueriesContext(connection) as queries:
        found, more = stance_phases.changes(question)
    assert more == expected_more
    names = dict(Expert.objects.values_list("pk", "slug"))
    got = sorted((c.expert_slug, c.before.number, c.before_stance, c.after.number, c.after_stance) for c in found)
    assert got == sorted((names[e], *rest) for e, *rest in expected)
    assert len(queries.captured_queries) <= 2
