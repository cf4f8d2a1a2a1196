"""The expert list's cheaper cold path gives the page exactly what the longer way gave
(docs/performance.md, "Expert lists, cold: what the page reads").

- ``reading.newest_positions`` joins only the take and its outlet to its ranked rows: each row's
  stance comes from the question's loaded stances, its evidence quote (text, speaker and the
  speaker's name) from scalar subqueries. The rows, stances and quotes equal those of the joined
  rows (``select_related``), evidence or none, quoted speaker or none, in one query.
- A whole question's A–Z counts probe the summary per expert (EXISTS); chosen stances keep the
  list of their holders (IN). Both count what the list of every holder counts.
- The expert list calls the holder card as a macro: the same HTML as the included partial.
"""

import pytest
from django.db import connection
from django.db.models import F
from django.http import QueryDict
from django.template import engines
from django.test.utils import CaptureQueriesContext

from archive.filters import ExpertFilter
from archive.models import Expert, ExpertStance, Position, Question, Quote
from archive.reading import StanceHolder, holder_positions, holders_by_stance, newest_positions
from tests.archive_data import build_archive

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    built = build_archive(14, n_experts=9)
    # Evidence of every kind: none, a quote without a speaker, a quote by someone else.
    Position.objects.filter(take__in=built.takes[::4]).update(evidence=None)
    Quote.objects.filter(take__in=built.takes[1::4]).update(speaker=None)
    return built


def joined_rows(question: Question, expert_ids: list[int]) -> dict[tuple[int, int], tuple]:
    """What each (position, holder) of the newest ranked rows showed when every relation was joined."""
    ranked = {(p.pk, p.holder_id) for p in newest_positions(question, expert_ids)}
    rows = Position.objects.filter(pk__in={pk for pk, _ in ranked}).select_related(
        "take", "take__publication", "stance", "evidence", "evidence__speaker"
    )
    by_pk = {p.pk: p for p in rows}
    return {(pk, holder): shown(by_pk[pk]) for pk, holder in ranked}


def shown(position: Position) -> tuple:
    quote = position.evidence
    speaker = quote.speaker if quote is not None and quote.speaker_id is not None else None
    return (
        position.stance.pk,
        position.stance.label,
        position.take.title,
        position.take.published,
        position.take.publication.name if position.take.publication else None,
        position.evidence_id,
        quote.text if quote else None,
        quote.speaker_id if quote else None,
        speaker.name if speaker else None,
        quote.get_absolute_url() if quote else None,
    )


def test_the_newest_positions_carry_the_stance_and_evidence_the_joins_gave(archive):
    question = Question.objects.prefetch_related("stances").get(pk=archive.questions[1].pk)
    expert_ids = [expert.pk for expert in archive.experts]
    with CaptureQueriesContext(connection) as queries:
        rows = newest_positions(question, expert_ids)
        found = {(p.pk, p.holder_id): shown(p) for p in rows}
    assert len(queries) == 1
    assert found == joined_rows(question, expert_ids)
    kinds = {(row[5] is None, row[7] is None) for row in found.values()}
    assert kinds == {(True, True), (False, True), (False, False)}  # none, no speaker, a speaker


def test_the_newest_positions_are_each_holders_newest_per_stance(archive, monkeypatch):
    monkeypatch.setattr(StanceHolder, "SHOWN", 2)
    question = Question.objects.prefetch_related("stances").get(pk=archive.questions[0].pk)
    expert_ids = [expert.pk for expert in archive.experts[:4]]
    found = {(p.holder_id, p.stance_id, p.pk, p.held) for p in newest_positions(question, expert_ids)}
    expected = set()
    for expert_id in expert_ids:
        mine = Position.objects.published().filter(question=question, take__authorships__expert_id=expert_id)
        for stance in question.stances.all():
            held = mine.filter(stance=stance).order_by(F("take__published").desc(nulls_last=True), "-take_id")
            n = held.count()
            expected |= {(expert_id, stance.pk, pk, n) for pk in held.values_list("pk", flat=True)[:2]}
    assert found == expected


@pytest.mark.parametrize("stances", [0, 1, 2])
def test_a_questions_initial_counts_equal_the_list_of_every_holder(archive, stances):
    question = archive.questions[0]
    chosen = archive.stances[question.pk][:stances]
    query = QueryDict(mutable=True)
    query["question"] = question.slug
    query.setlist("stance", [stance.slug for stance in chosen])
    filterset = ExpertFilter(query, queryset=Expert.objects.public())
    counted = filterset.filtered(exclude=("letter",), every=True)
    holders = ExpertStance.objects.on(question.pk, [stance.pk for stance in chosen]).values("expert_id")
    assert counted.initial_counts() == Expert.objects.filter(pk__in=holders).initial_counts()
    assert sum(counted.initial_counts().values()) > 0
    # A whole question is probed per expert; chosen stances keep the list of their holders.
    sql = str(counted.query).upper()
    assert ("EXISTS" in sql) == (stances == 0)


@pytest.mark.parametrize("show_quote", [False, True])
def test_the_holder_macro_renders_what_the_included_card_did(client, archive, show_quote):
    question = archive.questions[0]
    response = client.get(f"/experts/?question={question.slug}")
    holders = [holder for _, entries in response.context["listing"].groups for holder in entries]
    assert holders
    env = engines["jinja2"].env
    included = env.from_string(
        '{% for entry in holders %}{% with holder=entry %}{% include "archive/cards/_holder.html" %}'
        "{% endwith %}{% endfor %}"
    )
    called = env.from_string(
        '{% from "archive/cards/_holder.html" import holder_card %}'
        "{% for entry in holders %}{{ holder_card(entry, show_quote) }}{% endfor %}"
    )
    expected = included.render(holders=holders, show_quote=show_quote)
    assert called.render(holders=holders, show_quote=show_quote) == expected
    assert expected.count('<li class="holder">') == len(holders)
    assert response.content.decode().count('<li class="holder">') == len(holders)


def test_experts_under_a_question_are_not_counted_and_the_list_by_name_is(client, archive):
    question = archive.questions[0]
    grouped = client.get(f"/experts/?question={question.slug}")
    assert grouped.context["listing"].groups
    assert all(not hasattr(expert, "take_count") for expert in grouped.context["listing"].experts)
    by_name = client.get("/experts/")
    experts = by_name.context["listing"].experts
    assert experts and all(
        expert.take_count == expert.authorships.filter(take__status="published").count() for expert in experts
    )
    assert f"{experts[0].take_count} takes" in by_name.content.decode()


def test_the_holder_positions_under_an_outlet_give_what_the_records_gave(archive):
    question = Question.objects.prefetch_related("stances").get(pk=archive.questions[2].pk)
    positions = Position.objects.filter(question=question, take__publication=archive.publications[1])
    with CaptureQueriesContext(connection) as queries:
        found = holder_positions(positions, question)
        rows = {p.pk: (shown(p), [(a.expert_id, a.expert.name) for a in p.take.authorships.all()]) for p in found}
    assert len(queries) == 2  # the positions, their authorships
    expected = {
        p.pk: (shown(p), [(a.expert_id, a.expert.name) for a in p.take.authorships.all()])
        for p in positions.as_records()
    }
    assert rows == expected
    assert {(row[0][5] is None, row[0][7] is None) for row in rows.values()} == {
        (True, True),
        (False, True),
        (False, False),
    }

    def entries(holders):
        return {
            stance: [(h.expert.pk, [p.pk for p in h.positions], [p.pk for p in h.others]) for h in listed]
            for stance, listed in holders.items()
        }

    assert entries(holders_by_stance(found)) == entries(holders_by_stance(positions.as_records()))
