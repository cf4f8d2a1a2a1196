"""Malformed or unknown parameters give a normal page with a short explanation, never an error."""

import pytest

from archive.search.query import MAX_QUERY_CHARS
from tests.factories import ExpertFactory, QuestionFactory, StanceFactory, TakeFactory

pytestmark = pytest.mark.django_db

BAD_TAKE_QUERIES = [
    "?page=abc",
    "?page=0",
    "?page=-3",
    "?page=99999999999999999999999",
    "?date_from=2019-13-45",
    "?date_to=not-a-date",
    "?stance=nope",
    "?question=nope&stance=nope",
    "?expert=no-such-person",
    "?expert=%00",
    "?q=%00kim",
    "?publication=%27%22%3Cscript%3E",
    "?theme=a&theme_mode=sometimes",
    "?kind=poem",
    "?collection=ghost",
    "?sort=random",
    "?q=" + "yongbyon " * 1200,
    "?q=%22unbalanced AND ( NEAR *",
    "?expert=" + "&expert=".join(f"x{i}" for i in range(60)),
]


@pytest.mark.parametrize("query", BAD_TAKE_QUERIES)
def test_it_answers_bad_take_filters_with_a_normal_page(client, query):
    TakeFactory(title="Kim keeps the bomb")
    response = client.get("/takes/" + query)
    assert response.status_code == 200
    assert response.context["notices"] or response.context["page_obj"].paginator.count == 0 or "q=" in query


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("?page=abc", "not a page number"),
        ("?date_from=2019-13-45", "valid date"),
        ("?stance=nope", "no stance “nope”"),
        ("?expert=ghost", "no expert “ghost”"),
        ("?kind=poem", "poem"),
        ("?q=" + "x" * 10_000, "10,000 characters"),
    ],
)
def test_it_explains_what_it_ignored(client, query, words):
    TakeFactory()
    html = client.get("/takes/" + query).content.decode()
    assert 'class="notices"' in html
    assert words in html


def test_an_unknown_value_is_dropped_but_the_known_ones_still_filter(client):
    ann = ExpertFactory(slug="ann")
    TakeFactory(title="Ann's take", authors=[ann])
    TakeFactory(title="Someone else's")
    response = client.get("/takes/?expert=ann&expert=ghost&date_from=2019-13-45")
    assert [t.title for t in response.context["page_obj"]] == ["Ann's take"]


def test_a_long_query_is_shortened_not_refused(client):
    TakeFactory(title="Yongbyon again")
    response = client.get("/takes/?q=" + "Yongbyon " * 2000)
    assert response.status_code == 200
    assert len(response.context["filter"].query) <= MAX_QUERY_CHARS


def test_an_unknown_stance_keeps_the_question_filter(client):
    question = QuestionFactory(slug="disarm")
    StanceFactory(question=question, slug="no")
    response = client.get("/takes/?question=disarm&stance=nope")
    assert any("nope" in n for n in response.context["notices"])
    assert response.context["filter"].data_cleaned["question"] == [question]


def test_a_page_past_the_end_shows_the_last_page(client):
    for _ in range(25):
        TakeFactory()
    response = client.get("/takes/?page=7")
    assert response.status_code == 200
    assert response.context["page_obj"].number == 2
    assert any("last" in notice for notice in response.context["notices"])


def test_a_start_date_after_the_end_date_is_swapped(client):
    response = client.get("/takes/?date_from=2019-12-31&date_to=2019-01-01")
    assert any("swapped" in notice for notice in response.context["notices"])


@pytest.mark.parametrize(
    "url",
    [
        "/experts/?question=nope",
        "/experts/?stance=never",
        "/experts/?letter=ABC",
        "/experts/?page=abc&organization=" + "x" * 5000,
        "/experts/?publication=%00",
        "/publications/?page=zz",
        "/experts/ann/?page=-1",
        "/themes/t/?page=abc",
        "/collections/c/?page=999",
        "/publications/p/?page=9",
    ],
)
def test_other_pages_survive_bad_parameters(client, url):
    from tests.factories import CollectionFactory, PublicationFactory, ThemeFactory

    ann = ExpertFactory(slug="ann")
    TakeFactory(authors=[ann])
    ThemeFactory(slug="t")
    CollectionFactory(slug="c")
    PublicationFactory(slug="p")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url", ["/takes/no-such-take/", "/experts/nobody/", "/questions/nothing/", "/publications/none/", "/themes/x/"]
)
def test_unknown_slugs_in_paths_are_404(client, url):
    assert client.get(url).status_code == 404
