"""The expert page reads its expert's published positions once (round expertpage14).

- ``stance_phases.expert_position_rows``: every published position of the expert's takes, no draft's.
- ``stance_phases.expert_phases`` made from those rows: the same stances per phase, counts and
  newest dates as the SQL aggregate it replaces (``phase_expression`` grouped in the database).
- ``expert_timeline.newest_positions_of`` ranked from those rows: the same positions as the window ranking.
- The page reads the positions once for both sections, and its timeline chips and take cards,
  called as macros, print what the includes printed.
"""

import datetime

import pytest
from django.db import connection
from django.db.models import Count, F, Max, Window
from django.db.models.functions import RowNumber
from django.template import engines
from django.test.utils import CaptureQueriesContext

from archive.expert_timeline import TIMELINE_FIELDS, newest_positions_of
from archive.models import Position, Status, Take, TakeAuthor
from archive.pagination import paginate
from archive.phases import phase_expression
from archive.reading import take_cards
from archive.stance_phases import expert_phases, expert_position_rows
from tests.factories import ExpertFactory, PositionFactory, QuestionFactory, StanceFactory, TakeFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def phased():
    """Two questions; three experts whose takes fall in every phase, at every date precision (a month
    straddling the summit, a bare year: in no phase), undated, on the same days, co-written, one a
    draft; two stances tied in a phase (same newest day, same count)."""
    questions = [QuestionFactory(order=i) for i in range(2)]
    stances = {q.pk: [StanceFactory(question=q, position=i) for i in range(3)] for q in questions}
    experts = [ExpertFactory(name=f"Phased {i}", sort_name=f"Phased {i}") for i in range(3)]
    days = [D(2018, 5, 1), D(2019, 2, 27), D(2019, 3, 31), D(2019, 7, 4), D(2020, 1, 1), D(2021, 6, 30)]
    precisions = ["day", "day", "month", "day", "year", "day"]
    for i in range(36):
        published = None if i % 11 == 0 else days[i % 6]
        take = TakeFactory(
            published=published,
            date_precision=precisions[i % 6] if published else "day",
            status=Status.DRAFT if i == 7 else Status.PUBLISHED,
            authors=[experts[i % 3]] + ([experts[(i + 1) % 3]] if i % 4 == 0 else []),
        )
        for q, question in enumerate(questions[: 1 + i % 2]):
            PositionFactory(take=take, question=question, stance=stances[question.pk][(i + q + i // 6) % 3])
    return experts


def the_sql_way(expert_id):
    """The stance per phase as the page counted it before: grouped by the database."""
    their_takes = TakeAuthor.objects.filter(expert_id=expert_id).values("take_id")
    rows = (
        Position.objects.published()
        .filter(take__in=their_takes)
        .annotate(phase=phase_expression("take__published", "take__date_precision"))
        .order_by()
        .values("question_id", "question__text", "question__slug", "question__order", "stance__label")
        .annotate(stance_at=F("stance__position"), phase_n=F("phase"), n=Count("id"), newest=Max("take__published"))
    )
    found = {}
    for row in rows:
        key = (row["question_id"], row["phase_n"])
        found.setdefault(key, set()).add((row["stance__label"], row["stance_at"], row["n"], row["newest"]))
    return found


def cells_of(entries, questions_by_slug):
    found = {}
    for entry in entries:
        question_id = questions_by_slug[entry.slug]
        if entry.unplaced:
            found[question_id, None] = entry.unplaced
        for number, cell in enumerate(entry.cells):
            if cell:
                found[question_id, number] = {(held.label, held.position, held.takes, held.newest) for held in cell}
    return found


def test_the_rows_are_every_published_position_of_the_expert_and_no_drafts(phased):
    for expert in phased:
        rows = expert_position_rows(expert.pk)
        expected = Position.objects.filter(take__authorships__expert=expert, take__status=Status.PUBLISHED)
        assert sorted(row[0] for row in rows) == sorted(expected.values_list("pk", flat=True))
        draft = Position.objects.filter(take__authorships__expert=expert, take__status=Status.DRAFT)
        assert not {row[0] for row in rows} & set(draft.values_list("pk", flat=True))
        assert rows


def test_the_stance_per_phase_from_the_rows_equals_the_sql_aggregate(phased):
    from archive.models import Question

    slugs = dict(Question.objects.values_list("slug", "pk"))
    for expert in phased:
        expected = the_sql_way(expert.pk)
        entries = expert_phases(expert.pk)
        found = cells_of(entries, slugs)
        unplaced = {key: sum(n for *_, n, _ in held) for key, held in expected.items() if key[1] is None}
        assert {k: v for k, v in found.items() if k[1] is None} == unplaced
        assert {k: v for k, v in found.items() if k[1] is not None} == {
            k: v for k, v in expected.items() if k[1] is not None
        }
        assert entries == expert_phases(expert.pk, expert_position_rows(expert.pk))
        for entry in entries:
            for cell in entry.cells:  # newest first, then most takes; a tie keeps the stances' label order
                keys = [(held.newest, held.takes) for held in cell]
                assert keys == sorted(keys, reverse=True)
                for one, other in zip(cell, cell[1:], strict=False):
                    if (one.newest, one.takes) == (other.newest, other.takes):
                        assert (one.label, one.position) < (other.label, other.position)


def test_tied_stances_in_a_phase_come_in_the_same_order_on_every_database():
    question = QuestionFactory()
    expert = ExpertFactory()
    stances = [StanceFactory(question=question, label=label, position=i) for i, label in enumerate("CAB")]
    for stance in stances:  # the same day, one take each: tied on newest date and count
        PositionFactory(take=TakeFactory(published=D(2019, 6, 1), authors=[expert]), question=question, stance=stance)
    (entry,) = expert_phases(expert.pk)
    assert [held.label for held in entry.cells[2]] == ["A", "B", "C"]


def the_window_way(expert_id, limit):
    their_takes = TakeAuthor.objects.filter(expert_id=expert_id).values("take_id")
    newest = [F("take__published").desc(nulls_last=True), F("take_id").desc(), F("question_id").asc()]
    ranked = (
        Position.objects.published()
        .filter(take__in=their_takes)
        .annotate(rank=Window(RowNumber(), order_by=newest))
        .filter(rank__lte=limit)
        .values("pk")
    )
    return list(Position.objects.filter(pk__in=ranked).order_by(*newest).values_list("pk", flat=True))


@pytest.mark.parametrize("limit", [1, 5, 13, 61])
def test_the_timeline_ranked_from_the_rows_equals_the_window_ranking(phased, limit):
    for expert in phased:
        rows = expert_position_rows(expert.pk)
        expected = the_window_way(expert.pk, limit)
        assert [p.pk for p in newest_positions_of(expert.pk, limit, rows)] == expected
        assert [p.pk for p in newest_positions_of(expert.pk, limit)] == expected
        assert expected


def test_an_expert_without_positions_has_an_empty_timeline_and_no_phases():
    expert = ExpertFactory()
    TakeFactory(published=D(2019, 6, 1), authors=[expert])
    rows = expert_position_rows(expert.pk)
    assert rows == []
    assert list(newest_positions_of(expert.pk, 61, rows)) == []
    assert expert_phases(expert.pk, rows) == []


def test_the_page_reads_the_experts_positions_once(client, phased):
    expert = phased[0]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(expert.get_absolute_url())
    assert response.status_code == 200
    walks = [q["sql"] for q in captured.captured_queries if 'FROM "archive_position"' in q["sql"]]
    walks = [sql for sql in walks if '"archive_takeauthor"' in sql]
    assert len(walks) == 1, walks
    html = response.content.decode()
    assert "Stances over time" in html and "Stance per phase" in html


def test_a_chip_and_a_card_called_as_macros_print_what_their_includes_printed(phased):
    jinja = engines["jinja2"]
    position = Position.objects.select_related("take", "question", "stance").only(*TIMELINE_FIELDS).first()
    chip = '{% from "archive/cards/_stance_chip.html" import stance_chip %}{{ stance_chip(position) }}'
    included = '{% include "archive/cards/_stance_chip.html" %}'
    assert jinja.from_string(chip).render({"position": position}) == jinja.from_string(included).render(
        {"position": position}
    )
    take = take_cards(Take.objects.published().filter(positions__isnull=False)[:1])[0]
    card = '{% from "archive/cards/_take_card.html" import take_card %}{{ take_card(take, 3) }}'
    included = '{% with level=3 %}{% include "archive/cards/_take_card.html" %}{% endwith %}'
    html = jinja.from_string(card).render({"take": take})
    assert html == jinja.from_string(included).render({"take": take})
    assert "<h3" in html and 'class="chip' in html


def test_phase_number_is_what_the_sql_phase_expression_gives_every_row():
    """Dates on and around every phase's bounds, at each precision, stored as the model asks (the
    first of a month or year) or not (a factory or raw SQL may store any day)."""
    from archive.models import Take
    from archive.phases import PHASES, phase_number

    bounds = {bound for phase in PHASES for bound in (phase.start, phase.end) if bound is not None}
    days = sorted({day + datetime.timedelta(days=shift) for day in bounds for shift in (-32, -1, 0, 1, 31)})
    days += [D(2018, 1, 1), D(2019, 1, 1), D(2019, 2, 1), D(2019, 3, 1), D(2019, 12, 1), D(2020, 1, 1)]
    for day in days:
        for precision in ("day", "month", "year"):
            TakeFactory(published=day, date_precision=precision)
    TakeFactory(published=None)
    rows = Take.objects.annotate(phase=phase_expression()).values_list("published", "date_precision", "phase")
    assert len(rows) == 3 * len(days) + 1
    for published, precision, phase in rows:
        assert phase_number(published, precision) == phase, (published, precision)


def test_the_experts_take_ids_read_from_their_authorships_are_the_newest_first_list(phased):
    """Undated takes, takes on the same day, co-written ones and a draft: the same ids, in the
    same order, as the page's take list gives; their number is the expert's take count."""
    from archive.models import Expert
    from archive.views.experts import newest_take_ids_of

    for expert in phased:
        expected = list(Take.objects.published().by_experts([expert.pk]).newest_first().values_list("pk", flat=True))
        assert newest_take_ids_of(expert) == expected
        counted = Expert.objects.with_take_counts().get(pk=expert.pk).take_count
        assert len(expected) == counted > 0
    assert newest_take_ids_of(ExpertFactory()) == []


def test_the_page_lists_the_takes_from_those_ids_with_no_count_of_its_own(client, phased, monkeypatch):
    from archive.views import experts

    monkeypatch.setattr(experts, "paginate", lambda request, items, **kw: paginate(request, items, per_page=4, **kw))
    expert = phased[1]
    expected = list(Take.objects.published().by_experts([expert.pk]).newest_first().values_list("pk", flat=True))
    shown = []
    for number in range(1, 5):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{expert.get_absolute_url()}?page={number}")
        shown += [take.pk for take in response.context["cards"]]
        assert response.context["expert"].take_count == len(expected)
        assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
        assert not [q for q in captured.captured_queries if q["sql"].startswith('SELECT "archive_take"."id" AS')]
    assert shown == expected[:16] and len(expected) > 12
