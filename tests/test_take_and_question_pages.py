"""A take's page (affiliations then, stances with evidence, conversation both ways, opposite takes),
question pages, outlet/collection/theme pages, and drafts staying invisible everywhere."""

import datetime

import pytest

from archive.models import Relation, Status
from tests.factories import (
    AffiliationFactory,
    CollectionFactory,
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
    w.ann = ExpertFactory(name="Ann Avery", slug="ann")
    w.bob = ExpertFactory(name="Bob Brown", slug="bob")
    AffiliationFactory(expert=w.ann, organization="Old Institute", role="Fellow", start_year=2001, end_year=2005)
    AffiliationFactory(expert=w.ann, organization="New Institute", role="Director", start_year=2016, current=True)
    AffiliationFactory(expert=w.ann, organization="Some University", role="", current=False)
    w.q = QuestionFactory(slug="disarm", text="Will Kim disarm?")
    w.never = StanceFactory(question=w.q, slug="never", label="Never", meaning="He keeps it all.")
    w.maybe = StanceFactory(question=w.q, slug="maybe", label="Maybe")
    w.take = TakeFactory(
        title="Ann says never",
        slug="ann-says-never",
        authors=[w.ann],
        published=datetime.date(2019, 3, 4),
        url="https://example.org/a",
        archived_url="https://web.archive.org/a",
    )
    w.evidence = QuoteFactory(take=w.take, speaker=w.ann, text="Never, ever.")
    QuoteFactory(take=w.take, speaker=w.bob, text="Bob's words inside Ann's take.")
    PositionFactory(take=w.take, stance=w.never, evidence=w.evidence)
    w.other = TakeFactory(title="Bob says maybe", authors=[w.bob])
    PositionFactory(take=w.other, stance=w.maybe)
    w.same = TakeFactory(title="Also never", authors=[w.bob])
    PositionFactory(take=w.same, stance=w.never)
    ResponseFactory(take=w.other, expert=w.ann, relation=Relation.DISPUTES, target_take=w.take)
    ResponseFactory(take=w.take, expert=w.bob, relation=Relation.AGREES, target_take=w.same)
    w.draft = TakeFactory(title="Draft says maybe", slug="draft-take", authors=[w.bob], status=Status.DRAFT)
    PositionFactory(take=w.draft, stance=w.maybe)
    ResponseFactory(take=w.draft, expert=w.ann, relation=Relation.CITES, target_take=w.take)
    return w


def test_the_take_page_shows_everything_about_the_take(client, world):
    html = client.get("/takes/ann-says-never/").content.decode()
    for text in (
        "Ann says never",
        "4 March 2019",
        "https://example.org/a",
        "https://web.archive.org/a",
        "Never, ever.",
        "Bob&#39;s words inside Ann&#39;s take.",
        "He keeps it all.",
    ):
        assert text in html, text


def test_it_shows_the_authors_affiliations_held_at_the_time(client, world):
    response = client.get("/takes/ann-says-never/")
    (authorship,) = response.context["sections"].authorships
    assert [a.organization for a in authorship.affiliations_then] == ["New Institute", "Some University"]


def test_the_conversation_is_linked_both_ways_and_drafts_are_left_out(client, world):
    response = client.get("/takes/ann-says-never/")
    assert [(r.expert.name, r.relation) for r in response.context["sections"].responses] == [
        ("Bob Brown", Relation.AGREES)
    ]
    assert [r.take.title for r in response.context["sections"].answered_by] == ["Bob says maybe"]
    assert "Draft says maybe" not in response.content.decode()


def test_other_takes_on_the_same_question_with_an_opposing_stance(client, world):
    world.never.opposes.add(world.maybe)  # issue 15: opposition is stated per pair
    response = client.get("/takes/ann-says-never/")
    (take,) = response.context["opposing"]
    assert take.title == "Bob says maybe"
    assert '">Bob says maybe</a></h3>' in response.content.decode()


def test_a_draft_take_is_404(client, world):
    assert client.get("/takes/draft-take/").status_code == 404


def test_the_question_page_groups_experts_with_one_quote_each(client, world):
    response = client.get("/questions/disarm/")
    stances = {stance.slug: holders for stance, holders, _takes, _experts in response.context["groups"]}
    assert [h.expert.name for h in stances["never"]] == ["Ann Avery", "Bob Brown"]
    assert stances["never"][0].quote.text == "Never, ever."
    assert [h.expert.name for h in stances["maybe"]] == ["Bob Brown"]
    split = {bar.label: bar.count for bar in response.context["split"].bars}
    assert split == {"Never": 2, "Maybe": 1}  # the draft's "maybe" is not counted
    assert "Never, ever." in response.content.decode()


def test_the_charts_count_published_takes_only(client, world):
    for url in ("/", "/questions/"):
        (split,) = client.get(url).context["splits"]
        assert {bar.label: (bar.count, bar.share) for bar in split.bars} == {"Never": (2, 67), "Maybe": (1, 33)}
        assert split.total == 3


def test_outlet_collection_and_theme_pages_list_their_published_takes(client):
    outlet = PublicationFactory(slug="times", name="Times")
    series = CollectionFactory(slug="series", publication=outlet, prompt="What next?")
    theme = ThemeFactory(slug="china", name="China")
    shown = TakeFactory(title="Shown", publication=outlet, collection=series)
    shown.themes.set([theme])
    TakeFactory(title="Elsewhere")
    hidden = TakeFactory(title="Hidden draft", publication=outlet, collection=series, status=Status.DRAFT)
    hidden.themes.set([theme])
    for url in ("/publications/times/", "/collections/series/", "/themes/china/"):
        response = client.get(url)
        assert [t.title for t in response.context["page_obj"]] == ["Shown"], url
        assert "Hidden draft" not in response.content.decode()
    PublicationFactory(name="Only drafts")
    outlets = {p.name: p.take_count for p in client.get("/publications/").context["publications"]}
    assert outlets["Times"] == 1 and "Only drafts" not in outlets


def test_drafts_are_absent_from_home_counts_and_latest(client, world):
    response = client.get("/")
    assert response.context["totals"]["takes"] == 3
    assert "Draft says maybe" not in response.content.decode()


def test_the_question_page_lists_the_first_holders_by_name_and_links_to_all(client, world, monkeypatch):
    from archive.views import questions

    monkeypatch.setattr(questions, "HOLDERS_SHOWN", 1)
    response = client.get("/questions/disarm/")
    stances = {stance.slug: (holders, takes, experts) for stance, holders, takes, experts in response.context["groups"]}
    holders, takes, experts = stances["never"]
    assert [h.expert.name for h in holders] == ["Ann Avery"] and (takes, experts) == (2, 2)
    html = response.content.decode()
    assert "All 2 experts holding this" in html
    assert "/experts/?question=disarm&amp;stance=never" in html
    assert [h.expert.name for h in stances["maybe"][0]] == ["Bob Brown"]
    assert html.count("experts holding this") == 1  # "maybe" has one holder: all of them shown
