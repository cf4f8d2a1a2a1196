"""Issue 20's reading pages: phases, takes over time, who changed their mind, the comparison and
the agreement matrix. Definitions are checked against a computation from the base rows."""

import datetime
import itertools

import pytest

from archive import comparison, phases, timeline
from archive.models import Position, Status, Take
from archive.stance_phases import changes, expert_phases
from tests.archive_data import build_archive
from tests.factories import (
    ExpertFactory,
    PositionFactory,
    QuestionFactory,
    QuoteFactory,
    ResponseFactory,
    StanceFactory,
    TakeFactory,
)

D = datetime.date


# --------------------------------------------------------------------------- phases


@pytest.mark.parametrize(
    ("published", "precision", "slug"),
    [
        (D(2018, 6, 1), "day", "before"),
        (D(2019, 2, 26), "day", "before"),
        (D(2019, 2, 27), "day", "aftermath"),
        (D(2019, 3, 31), "day", "aftermath"),
        (D(2019, 4, 1), "day", "later-2019"),
        (D(2019, 12, 31), "day", "later-2019"),
        (D(2020, 1, 1), "day", "from-2020"),
        (D(2019, 1, 1), "month", "before"),
        (D(2019, 2, 1), "month", None),  # February 2019 straddles the summit
        (D(2019, 3, 1), "month", "aftermath"),
        (D(2019, 4, 1), "month", "later-2019"),
        (D(2018, 1, 1), "year", "before"),
        (D(2019, 1, 1), "year", None),  # 2019 could be either side
        (D(2021, 1, 1), "year", "from-2020"),
        (None, "day", None),
    ],
)
def test_a_take_belongs_to_the_phase_its_whole_period_lies_in(published, precision, slug):
    phase = phases.phase_of(published, precision)
    assert (phase.slug if phase else None) == slug


@pytest.mark.django_db
def test_the_databases_phase_is_the_one_python_gives():
    dates = [D(2018, 1, 1), D(2019, 1, 1), D(2019, 2, 1), D(2019, 2, 26), D(2019, 2, 27), D(2019, 3, 1)]
    dates += [D(2019, 3, 31), D(2019, 4, 1), D(2019, 12, 1), D(2020, 1, 1), D(2023, 5, 1)]
    for published, precision in itertools.product(dates, ["day", "month", "year"]):
        if precision == "month" and published.day != 1 or precision == "year" and published.timetuple()[1:3] != (1, 1):
            continue
        TakeFactory(published=published, date_precision=precision)
    TakeFactory(published=None)
    rows = Take.objects.annotate(phase=phases.phase_expression()).values_list("published", "date_precision", "phase")
    assert len(rows) > 20
    for published, precision, number in rows:
        expected = phases.phase_of(published, precision)
        assert number == (expected.number if expected else None), (published, precision)


# --------------------------------------------------------------------------- takes over time


def test_the_span_chooses_weeks_months_or_years():
    assert timeline.unit_for(D(2019, 2, 1), D(2019, 5, 1)) == "week"
    assert timeline.unit_for(D(2019, 2, 1), D(2021, 5, 1)) == "month"
    assert timeline.unit_for(D(2001, 2, 1), D(2021, 5, 1)) == "year"


def test_a_chart_counts_what_it_can_place_and_says_what_it_left_out():
    rows = [(D(2019, 2, 27), "day", None, 3), (D(2019, 3, 4), "day", None, 2), (D(2019, 3, 1), "month", None, 4)]
    rows.append((None, "day", None, 1))
    volume = timeline.build("t", "Takes", rows, [(None, "Takes")])
    assert volume.unit == "week"
    assert [c.total for c in volume.columns] == [3, 2]  # weeks of 25 February and 4 March
    assert volume.left_out == 5  # the month-dated and the undated
    assert volume.summit_x == volume.columns[0].x
    assert volume.most == 3


@pytest.mark.django_db
def test_the_take_lists_chart_follows_its_filters_and_hides_drafts(client):
    archive = build_archive(12)
    question = archive.questions[0]
    stance = archive.stances[question.pk][0]
    response = client.get(f"/takes/?question={question.slug}&stance={stance.slug}")
    volume = response.context["volume"]
    holding = Position.objects.filter(stance=stance, take__status=Status.PUBLISHED).count()
    assert volume.total == holding
    assert len(volume.series) == 3  # split by the question's stances
    outlet = archive.publications[1]
    narrowed = client.get(f"/takes/?question={question.slug}&publication={outlet.slug}").context["volume"]
    on_question = Position.objects.filter(question=question, take__status=Status.PUBLISHED)
    assert 0 < narrowed.total == on_question.filter(take__publication=outlet).count() < on_question.count()
    whole = client.get("/takes/").context["volume"]
    assert whole.total == Take.objects.published().count() == 12  # the draft is not counted
    assert "<svg" in response.content.decode() and "The numbers" in response.content.decode()


@pytest.mark.django_db
def test_home_question_and_outlet_pages_draw_the_chart(client):
    archive = build_archive(5)
    for url in ["/", archive.questions[0].get_absolute_url(), archive.publications[0].get_absolute_url()]:
        html = client.get(url).content.decode()
        assert 'class="volume-chart"' in html, url
        assert "(summit)" in html, url  # the build_archive takes start on 28 February 2019


# --------------------------------------------------------------------------- who changed their mind


@pytest.fixture
def mind_changer(db):
    question = QuestionFactory()
    yes, no = StanceFactory(question=question, position=0), StanceFactory(question=question, position=1)
    expert, steady = ExpertFactory(name="Ada Changer"), ExpertFactory(name="Bo Steady")
    before = TakeFactory(title="Before words", published=D(2019, 1, 10), authors=[expert, steady])
    after = TakeFactory(title="After words", published=D(2019, 6, 1), authors=[expert])
    later = TakeFactory(title="Steady later", published=D(2020, 6, 1), authors=[steady])
    draft = TakeFactory(title="Draft words", published=D(2021, 6, 1), authors=[steady], status=Status.DRAFT)
    PositionFactory(take=before, stance=yes)
    PositionFactory(take=after, stance=no)
    PositionFactory(take=later, stance=yes)
    PositionFactory(take=draft, stance=no)  # a draft changing Bo's mind must stay invisible
    return question, expert, steady, yes, no


def test_who_changed_their_mind_lists_the_expert_with_both_takes(client, mind_changer):
    question, expert, steady, yes, no = mind_changer
    found, more = changes(question)
    assert not more
    assert [(c.expert_slug, c.before.slug, c.before_stance, c.after.slug, c.after_stance) for c in found] == [
        (expert.slug, "before", yes.label, "later-2019", no.label)
    ]
    html = client.get(question.get_absolute_url()).content.decode()
    section = html.split('id="changed-title"')[1]
    assert "Ada Changer" in section and "Before words" in section and "After words" in section
    assert "Bo Steady" not in section and "Draft words" not in html


def test_the_expert_page_shows_the_stance_per_phase(client, mind_changer):
    question, expert, steady, _, _ = mind_changer
    (entry,) = expert_phases(expert.pk)
    assert [len(cell) for cell in entry.cells] == [1, 0, 1, 0]
    assert entry.changed
    (steady_entry,) = expert_phases(steady.pk)
    assert [len(cell) for cell in steady_entry.cells] == [1, 0, 0, 1]  # the draft is not there
    assert not steady_entry.changed
    html = client.get(expert.get_absolute_url()).content.decode()
    assert "Stance per phase" in html and "Compare with" in html


# --------------------------------------------------------------------------- /compare/


@pytest.mark.django_db
def test_compare_ignores_unknown_and_surplus_experts_with_a_notice(client):
    archive = build_archive(6)
    slugs = [expert.slug for expert in archive.experts[:7]]
    response = client.get("/compare/?" + "&".join(f"experts={s}" for s in ["nobody-at-all", *slugs]))
    assert response.status_code == 200
    notices = " ".join(response.context["notices"])
    assert "nobody-at-all" in notices and "At most 6" in notices
    assert len(response.context["experts"]) == 5  # six kept, one of them unknown
    assert len(response.context["rows"]) == len(archive.questions)


@pytest.mark.django_db
def test_compare_marks_agreement_and_shows_the_responses_between_them(client):
    question = QuestionFactory()
    yes = StanceFactory(question=question, position=0)
    a, b = ExpertFactory(name="Ann A"), ExpertFactory(name="Ben B")
    take_a = TakeFactory(authors=[a], published=D(2019, 3, 2))
    take_b = TakeFactory(authors=[b], published=D(2019, 3, 3))
    quote = QuoteFactory(take=take_a, speaker=a, text="We agree, plainly.")
    PositionFactory(take=take_a, stance=yes, evidence=quote)
    PositionFactory(take=take_b, stance=yes)
    ResponseFactory(take=take_a, expert=b, relation="agrees", quote=quote)
    draft = TakeFactory(authors=[b], status=Status.DRAFT, title="Hidden draft")
    ResponseFactory(take=draft, expert=a, relation="disputes")
    response = client.get(f"/compare/?experts={a.slug}&experts=Ben B")  # a name finds the slug
    (row,) = response.context["rows"]
    assert row.verdict == "agree"
    assert [r.relation for r in response.context["responses"]] == ["agrees"]
    html = response.content.decode()
    assert "We agree, plainly." in html and "Hidden draft" not in html


@pytest.mark.django_db
def test_an_expert_only_in_drafts_cannot_be_compared(client):
    hidden = ExpertFactory(name="Draft Only")
    TakeFactory(authors=[hidden], status=Status.DRAFT)
    response = client.get(f"/compare/?experts={hidden.slug}")
    assert response.context["experts"] == []
    assert hidden.slug in " ".join(response.context["notices"])


# --------------------------------------------------------------------------- /agreement/


def current_stances(expert_ids):
    """The definition, from the positions themselves: the stance of the newest take (then more takes,
    then the scale's first)."""
    found = {}
    for expert_id in expert_ids:
        held = {}
        for p in Position.objects.published().filter(take__authorships__expert_id=expert_id).select_related("take"):
            key = (p.question_id, p.stance_id)
            newest, takes = held.get(key, (None, 0))
            date = p.take.published
            held[key] = (max(filter(None, [newest, date]), default=None), takes + 1)
        per_question = {}
        for (question_id, stance_id), (newest, takes) in held.items():
            position = Position.objects.filter(stance_id=stance_id).first().stance.position
            rank = (newest is None, -(newest.toordinal() if newest else 0), -takes, position)
            if question_id not in per_question or rank < per_question[question_id][0]:
                per_question[question_id] = (rank, stance_id)
        found[expert_id] = {q: s for q, (_, s) in per_question.items()}
    return found


@pytest.mark.django_db
def test_the_matrix_is_the_share_of_common_questions_with_the_same_current_stance(client):
    build_archive(20)
    result = client.get("/agreement/?n=6").context["matrix"]
    ids = [expert["expert_id"] for expert in result.experts]
    assert len(ids) == 6
    current = current_stances(ids)
    for (i, a), (j, b) in itertools.product(enumerate(ids), repeat=2):
        cell = result.rows[i][j]
        if a == b:
            assert cell.diagonal
            continue
        both = set(current[a]) & set(current[b])
        assert cell.both == len(both)
        assert cell.same == sum(current[a][q] == current[b][q] for q in both)
        assert f"experts={result.experts[i]['expert__slug']}" in cell.url
    assert any(cell.agrees or cell.disputes for row in result.rows for cell in row)


@pytest.mark.django_db
def test_the_matrix_ranks_by_positions_and_ignores_a_bad_size_with_a_notice(client):
    build_archive(6)
    for value, n in [("lots", comparison.MATRIX_DEFAULT), ("1", 2), ("500", comparison.MATRIX_MAX), ("3", 3)]:
        response = client.get(f"/agreement/?n={value}")
        assert response.status_code == 200
        assert response.context["n"] == n
        assert bool(response.context["notices"]) == (value != "3"), value
    top = comparison.top_experts(3)
    assert [row["positions"] for row in top] == sorted((row["positions"] for row in top), reverse=True)
