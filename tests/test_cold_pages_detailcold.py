"""The expert page's cheaper cold path shows exactly what the longer way showed.

- Its quotes are ranked by id first (``views.experts.newest_quotes_of``): the same quotes, in the
  same order, as ``ORDER BY … LIMIT`` over every quote joined with its take.
- Its timeline reads only what a line shows (``expert_timeline.TIMELINE_FIELDS``): rendering it reads
  nothing more from the database.
- Its prediction record is counted in one query, the expert being loaded already: the same record
  as the leaderboard's aggregate gives.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive import scores
from archive.expert_timeline import newest_positions_of
from archive.models import Outcome, Prediction, Quote, Status
from archive.views.experts import newest_quotes_of
from tests.factories import ExpertFactory, PositionFactory, QuoteFactory, StanceFactory, TakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def quoted():
    """Three experts quoted in 30 takes: some undated, some on the same day, one a draft, several
    quotes to a take (each speaker twice, stored out of order), some takes co-written."""
    experts = [ExpertFactory(name=f"Quoted {i}", sort_name=f"Quoted {i}") for i in range(3)]
    stance = StanceFactory()
    for i in range(30):
        take = TakeFactory(
            published=None if i % 7 == 0 else datetime.date(2019, 2, 1) + datetime.timedelta(days=i % 9),
            status=Status.DRAFT if i == 12 else Status.PUBLISHED,
            authors=[experts[i % 3]] + ([experts[(i + 1) % 3]] if i % 4 == 0 else []),
        )
        PositionFactory(take=take, stance=stance)
        for n in (2, 0, 1)[: 1 + i % 3]:
            QuoteFactory(take=take, speaker=experts[(i + n) % 3], order=n)
            QuoteFactory(take=take, speaker=experts[(i + n) % 3], order=5 - n)  # the same speaker again
        if i % 5 == 0:
            Prediction.objects.create(
                take=take,
                claim=f"Claim {i}",
                probability=70 if i % 10 else None,
                confidence="high",
                outcome=Outcome.CAME_TRUE if i % 3 else Outcome.DID_NOT,
                resolved="2020-01-01",
                source_title="Report",
                source_date="2020-01-01",
                source_url="https://news.example/r",
            )
    return experts


def the_long_way(expert, limit):
    return list(
        Quote.objects.published()
        .filter(speaker=expert)
        .order_by("-take__published", "take_id", "order", "id")
        .values_list("pk", flat=True)[:limit]
    )


@pytest.mark.parametrize("limit", [1, 4, 21, 100])
def test_an_experts_newest_quotes_ranked_by_id_equal_the_sorted_joined_rows(quoted, limit):
    for expert in quoted:
        expected = the_long_way(expert, limit)
        assert [quote.pk for quote in newest_quotes_of(expert, limit)] == expected, expert
        assert expected


def test_the_expert_page_shows_the_same_quotes_in_the_same_order(client, quoted, monkeypatch):
    from archive.views import experts

    monkeypatch.setattr(experts, "QUOTES_SHOWN", 3)
    for expert in quoted:
        sections = client.get(expert.get_absolute_url()).context["sections"]
        assert [quote.pk for quote in sections.quotes] == the_long_way(expert, 3)
        assert sections.more_quotes == (len(the_long_way(expert, 4)) > 3)


def test_the_quotes_and_the_timeline_read_nothing_more_as_they_render(quoted):
    expert = quoted[0]
    quotes = newest_quotes_of(expert, 21)
    positions = list(newest_positions_of(expert.pk, 61))
    with CaptureQueriesContext(connection) as captured:
        for quote in quotes:
            _ = (quote.text, quote.take.title, quote.take.date_display, quote.take.get_absolute_url())
            _ = (quote.take.publication.name, [a.expert.name for a in quote.take.authorships.all()])
        for position in positions:
            _ = (position.take.date_display, position.take.title, position.take.get_absolute_url())
            _ = (position.question.text, position.question.short_label, position.question.slug, position.question.order)
            _ = (position.stance.label, position.stance.slug, position.stance.position)
    assert captured.captured_queries == []
    assert positions and quotes


def test_the_expert_page_renders_its_timeline_without_a_query_per_line(client, quoted):
    expert = quoted[1]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(expert.get_absolute_url())
    assert response.status_code == 200
    assert "Stances over time" in response.content.decode()
    assert len(captured.captured_queries) <= 15  # the page's count cold, whatever the number of lines


def test_the_record_of_an_expert_is_one_query_and_the_leaderboards_figure(quoted):
    for expert in quoted:
        with CaptureQueriesContext(connection) as captured:
            record = scores.record_of(expert)
        assert len(captured.captured_queries) == 1
        (everyone,) = [r for r in scores.records() if r.expert.pk == expert.pk]
        assert record.expert is expert
        assert (record.resolved, record.came_true, record.partly, record.scored, record.brier) == (
            everyone.resolved,
            everyone.came_true,
            everyone.partly,
            everyone.scored,
            everyone.brier,
        )
        assert record.resolved > 0
