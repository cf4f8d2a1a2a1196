"""/quotes/ follows the take list's conventions: an unknown or malformed value is left out with a
notice naming it, the other filters still apply, and the same caps hold."""

import datetime

import pytest

from tests.factories import PositionFactory, QuoteFactory, TakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quotes():
    early = TakeFactory(published=datetime.date(2019, 2, 1))
    late = TakeFactory(published=datetime.date(2019, 5, 1))
    position = PositionFactory(take=late)
    return {
        "early": QuoteFactory(take=early, text="Hanoi early quote"),
        "late": QuoteFactory(take=late, text="Hanoi late quote"),
        "position": position,
    }


def shown(client, **params) -> tuple[set[int], list[str]]:
    response = client.get("/quotes/", params)
    assert response.status_code == 200
    return {quote.pk for quote in response.context["page"]}, response.context["notices"]


def test_an_unknown_speaker_is_named_and_the_other_filters_still_apply(client, quotes):
    found, notices = shown(client, q="hanoi", speaker="ghost", date_from="2019-03-01")
    assert found == {quotes["late"].pk}
    assert notices == ["There is no expert “ghost” in the archive; that filter was ignored."]


def test_a_malformed_date_is_named(client, quotes):
    found, notices = shown(client, date_from="2019-13-45")
    assert found == {quotes["early"].pk, quotes["late"].pk}
    assert notices == ["From “2019-13-45”: Enter a valid date. That filter was ignored."]


def test_an_unknown_stance_keeps_its_question(client, quotes):
    question = quotes["position"].question
    found, notices = shown(client, question=question.slug, stance="nope")
    assert found == {quotes["late"].pk}
    assert notices == [f"“{question.short_label or question.text}” has no stance “nope”; showing all its quotes."]


def test_a_stance_without_its_question_is_named(client, quotes):
    found, notices = shown(client, stance=quotes["position"].stance.slug)
    assert found == {quotes["early"].pk, quotes["late"].pk}
    assert notices and "Choose a question" in notices[0]


def test_dates_the_wrong_way_round_are_swapped(client, quotes):
    found, notices = shown(client, date_from="2019-12-31", date_to="2019-01-01")
    assert found == {quotes["early"].pk, quotes["late"].pk}
    assert any("swapped" in notice for notice in notices)


def test_relevance_without_words_gives_the_newest_with_a_notice(client, quotes):
    response = client.get("/quotes/", {"sort": "relevance"})
    assert any("relevance" in notice for notice in response.context["notices"])
    assert response.context["sort"] == "date"


def test_the_same_query_cap_as_the_take_list(client, quotes):
    _, notices = shown(client, q="hanoi " * 100)
    assert notices == ["Your search was 599 characters long; the first 300 were used."]


def test_a_known_value_is_chosen_in_its_menu(client, quotes):
    speaker = quotes["early"].speaker
    body = client.get("/quotes/", {"speaker": speaker.slug}).content.decode()
    assert f'<option value="{speaker.slug}" selected>' in body
