"""/experts/ groups experts by stance (with dates when they changed); /experts/<slug>/ shows their record."""

import datetime
import html

import pytest

from archive.models import Expert, Relation, Status
from tests.factories import (
    AffiliationFactory,
    ExpertFactory,
    PositionFactory,
    PublicationFactory,
    QuestionFactory,
    QuoteFactory,
    ResponseFactory,
    StanceFactory,
    TakeFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = type("World", (), {})()
    w.ann = ExpertFactory(name="Ann Avery", slug="ann", sort_name="Avery, Ann")
    w.bob = ExpertFactory(name="Bob Brown", slug="bob", sort_name="Brown, Bob")
    w.cy = ExpertFactory(name="Cy Cole", slug="cy", sort_name="Cole, Cy")
    w.hidden = ExpertFactory(name="Dee Draft", slug="dee", sort_name="Draft, Dee")
    AffiliationFactory(expert=w.ann, organization="RAND")
    AffiliationFactory(expert=w.bob, organization="Brookings")
    w.times = PublicationFactory(slug="times", name="Times")
    w.blog = PublicationFactory(slug="blog", name="Blog")
    w.deterrence = ThemeFactory(slug="deterrence")
    w.q = QuestionFactory(slug="disarm", text="Will Kim disarm?")
    w.never = StanceFactory(question=w.q, slug="never", label="Never", position=0)
    w.partly = StanceFactory(question=w.q, slug="partly", label="Partly", position=1)
    # Ann changed her mind: "partly" in February, "never" in April.
    w.ann_feb = TakeFactory(
        title="Ann in February", authors=[w.ann], publication=w.blog, published=datetime.date(2019, 2, 10)
    )
    PositionFactory(take=w.ann_feb, stance=w.partly)
    w.ann_apr = TakeFactory(
        title="Ann in April", authors=[w.ann], publication=w.times, published=datetime.date(2019, 4, 2)
    )
    w.ann_apr.themes.set([w.deterrence])
    quote = QuoteFactory(take=w.ann_apr, speaker=w.ann, text="He will never give it up.")
    PositionFactory(take=w.ann_apr, stance=w.never, evidence=quote)
    w.bob_take = TakeFactory(
        title="Bob's take", authors=[w.bob], publication=w.times, published=datetime.date(2019, 3, 1)
    )
    PositionFactory(take=w.bob_take, stance=w.partly)
    QuoteFactory(take=w.bob_take, speaker=w.cy, text="Cy quoted by Bob.")
    ResponseFactory(take=w.bob_take, expert=w.ann, relation=Relation.DISPUTES, target_take=w.ann_apr)
    w.draft = TakeFactory(title="Dee's draft", authors=[w.hidden, w.cy], status=Status.DRAFT)
    PositionFactory(take=w.draft, stance=w.never)
    return w


def names(response) -> list[str]:
    return [e.name for e in response.context["page_obj"]]


def grouped(response) -> dict[str, list[str]]:
    return {stance.slug: [h.expert.name for h in holders] for stance, holders in response.context["listing"].groups}


def test_it_lists_public_experts_only_in_sort_name_order(client, world):
    # Cy never wrote a published take but is quoted in one: public. Dee appears only in a draft.
    assert names(client.get("/experts/")) == ["Ann Avery", "Bob Brown", "Cy Cole"]


def test_a_question_groups_experts_under_each_stance_they_held(client, world):
    response = client.get("/experts/?question=disarm")
    assert grouped(response) == {"never": ["Ann Avery"], "partly": ["Ann Avery", "Bob Brown"]}
    ann_never = response.context["listing"].groups[0][1][0]
    assert [p.take.title for p in ann_never.positions] == ["Ann in April"]
    assert [p.take.title for p in ann_never.others] == ["Ann in February"]
    html = response.content.decode()
    assert "2 April 2019" in html and "10 February 2019" in html
    assert "Also held: Partly" in html


def test_question_and_stance_show_only_those_holding_it_with_dates(client, world):
    response = client.get("/experts/?question=disarm&stance=never")
    assert names(response) == ["Ann Avery"]
    assert grouped(response) == {"never": ["Ann Avery"]}
    assert "2 April 2019" in response.content.decode()


def test_publication_and_theme_narrow_to_takes_meeting_them_together(client, world):
    assert names(client.get("/experts/?publication=times")) == ["Ann Avery", "Bob Brown"]
    assert names(client.get("/experts/?publication=blog")) == ["Ann Avery"]
    assert names(client.get("/experts/?theme=deterrence")) == ["Ann Avery"]
    # Ann held "partly" only in the Blog: with Times, her "partly" position is not counted.
    assert names(client.get("/experts/?publication=times&question=disarm&stance=partly")) == ["Bob Brown"]
    response = client.get("/experts/?publication=times&question=disarm")
    assert grouped(response) == {"never": ["Ann Avery"], "partly": ["Bob Brown"]}


def test_organization_and_initial_filters(client, world):
    assert names(client.get("/experts/?organization=rand")) == ["Ann Avery"]
    assert names(client.get("/experts/?letter=b")) == ["Bob Brown"]
    response = client.get("/experts/?organization=Brookings")
    assert dict(response.context["letters"])["B"] == 1
    assert dict(response.context["letters"])["A"] == 0


def test_the_a_to_z_counts_ignore_drafts(client, world):
    letters = dict(client.get("/experts/").context["letters"])
    assert letters["A"] == 1 and letters["B"] == 1 and letters["C"] == 1 and letters["D"] == 0


def test_a_stance_without_its_question_is_explained(client, world):
    response = client.get("/experts/?stance=never")
    assert response.status_code == 200
    assert any("question" in n for n in response.context["notices"])
    assert len(names(response)) == 3


def test_the_expert_page_shows_stances_over_time_and_flags_the_change(client, world):
    response = client.get("/experts/ann/")
    (entry,) = response.context["sections"].stances
    assert entry.changed
    assert [p.stance.slug for p in entry.positions] == ["partly", "never"]
    assert "changed over time" in response.content.decode()


def test_the_expert_page_lists_quotes_in_other_peoples_takes_and_who_answered_them(client, world):
    cy = client.get("/experts/cy/").content.decode()
    assert "Cy quoted by Bob." in cy and "Bob&#39;s take" in cy
    ann = client.get("/experts/ann/")
    received = list(ann.context["sections"].received)
    assert [(r.take.title, r.relation) for r in received] == [("Bob's take", Relation.DISPUTES)]
    bob = client.get("/experts/bob/")
    assert [(r.expert.name, r.relation) for r in bob.context["sections"].answered] == [("Ann Avery", Relation.DISPUTES)]


def test_an_expert_seen_only_in_drafts_is_404(client, world):
    assert client.get("/experts/dee/").status_code == 404


def test_draft_takes_stay_off_an_experts_page(client, world):
    response = client.get("/experts/cy/")
    assert "Dee's draft" not in html.unescape(response.content.decode())
    assert response.context["expert"].take_count == 0


def test_a_co_authored_take_lists_each_author_once_under_its_stance(client):
    from tests.factories import ExpertFactory, PositionFactory, TakeFactory

    first, second = ExpertFactory(name="First Coauthor"), ExpertFactory(name="Second Coauthor")
    take = TakeFactory(authors=[first, second])
    position = PositionFactory(take=take)
    response = client.get("/experts/", {"question": position.question.slug})
    assert response.status_code == 200
    holders = [holder for _, group in response.context["listing"].groups for holder in group]
    assert sorted(h.expert.name for h in holders) == ["First Coauthor", "Second Coauthor"]
    assert all(len(h.positions) == 1 for h in holders)


def test_a_prolific_holder_lists_the_five_newest_takes_and_counts_the_rest(client, world):
    from archive.models import ExpertStance

    for day in range(1, 9):  # Ann holds "never" in eight more takes, Bob's "partly" stays single
        take = TakeFactory(title=f"Ann {day}", authors=[world.ann], published=datetime.date(2019, 5, day))
        PositionFactory(take=take, stance=world.never)
    response = client.get("/experts/?question=disarm&stance=never")
    (holder,) = response.context["listing"].groups[0][1]
    assert [p.take.title for p in holder.recent] == [f"Ann {day}" for day in (8, 7, 6, 5, 4)]
    assert holder.earlier == 4  # 9 takes hold "never": 5 listed
    assert [p.take.title for p in holder.recent_others] == ["Ann in February"] and holder.earlier_others == 0
    assert ExpertStance.objects.get(expert=world.ann, stance=world.never).takes == 9
    html = response.content.decode()
    assert "and 4 earlier takes" in html and "8 May 2019" in html and "3 May 2019" not in html


@pytest.mark.parametrize("stance_count", [2, 3])
def test_the_summary_path_shows_what_every_position_would(client, stance_count):
    """Groups read from the summary (newest five per stance, counts) equal those built from all
    positions: with two stances an expert's other stance is one list, with three two merged."""
    from archive.models import Position
    from archive.reading import holders_by_stance

    q = QuestionFactory(slug="q")
    stances = [StanceFactory(question=q, position=n) for n in range(stance_count)]
    experts = [ExpertFactory(sort_name=f"Expert {n}") for n in range(4)]
    for n in range(40):
        authors = [experts[n % 4]] + ([experts[(n + 1) % 4]] if n % 3 == 0 else [])
        published = None if n % 7 == 0 else datetime.date(2019, 1 + n % 12, 1 + n % 28)
        take = TakeFactory(authors=authors, published=published, status=Status.DRAFT if n % 11 == 0 else "published")
        PositionFactory(take=take, stance=stances[(n * 5) % stance_count])
    response = client.get("/experts/", {"question": "q"})
    shown = {
        (s.pk, h.expert.pk): (h.recent, h.earlier, h.recent_others, h.earlier_others)
        for s, holders in response.context["listing"].groups
        for h in holders
    }
    every = holders_by_stance(Position.objects.published().filter(question=q).as_records())
    full = {
        (stance_id, h.expert.pk): (h.recent, h.earlier, h.recent_others, h.earlier_others)
        for stance_id, holders in every.items()
        for h in holders
    }
    assert shown.keys() == full.keys() and len(shown) > 4

    def pks(entry):
        return ([p.pk for p in entry[0]], entry[1], [p.pk for p in entry[2]], entry[3])

    assert {key: pks(value) for key, value in shown.items()} == {key: pks(value) for key, value in full.items()}


def test_experts_by_stance_list_exactly_the_holders_in_name_order(client):
    """The experts listed under a question (and a stance) are the experts holding it in the
    who-holds-what table, by name, whichever way the filter finds them (EXISTS per expert)."""
    from archive.models import ExpertStance
    from tests.archive_data import build_archive

    archive = build_archive(12, n_experts=9)
    question = archive.questions[1]
    stance = archive.stances[question.pk][0]
    for query, rows in (
        (f"question={question.slug}", ExpertStance.objects.filter(question=question)),
        (f"question={question.slug}&stance={stance.slug}", ExpertStance.objects.filter(stance=stance)),
    ):
        holders = Expert.objects.filter(pk__in=rows.values("expert_id")).order_by("sort_name", "name", "pk")
        page = client.get(f"/experts/?{query}").context["page_obj"]
        assert [e.pk for e in page.object_list] == [e.pk for e in holders][: len(page.object_list)]
        assert page.paginator.count == holders.count() > 0
        # Grouped under the question's stances the page prints no take counts, and reads none
        # (the list by name does: tests/test_cold_lists_expertlists14.py).
        assert not any(hasattr(e, "take_count") for e in page.object_list)
