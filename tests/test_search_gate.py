"""At most SEARCH_CONCURRENCY searches rank at once; a search that gets no turn in time is answered
unranked, newest first, with the notice, never an error (issue 21: searches cannot take every
worker from the other pages). And a searched take list charts only the matches it counted."""

import datetime
import threading

import pytest
from django.test import Client

from archive.filters import facets
from archive.search import gate
from tests.factories import TakeFactory

NOTICE = "Ranking these matches by relevance took too long"


@pytest.fixture
def dated_takes(db):
    """Three takes about Korea: the oldest has the word in its title (it ranks first)."""
    return [
        TakeFactory(title="Korea talks", body="", published=datetime.date(2019, 3, 1)),
        TakeFactory(title="Another view", body="korea once", published=datetime.date(2019, 3, 2)),
        TakeFactory(title="A third view", body="korea once more", published=datetime.date(2019, 3, 3)),
    ]


@pytest.fixture
def one_slot(settings, tmp_path):
    settings.SEARCH_CONCURRENCY = 1
    settings.SEARCH_QUEUE_WAIT_MS = 0
    settings.SEARCH_SLOT_DIR = str(tmp_path)


def _titles(response) -> list[str]:
    return [take.title for take in response.context["take_page"].object_list]


def test_a_search_with_a_free_slot_is_ranked(dated_takes, one_slot):
    response = Client().get("/search/?q=korea&type=takes")
    assert response.status_code == 200
    assert NOTICE not in response.content.decode()
    assert _titles(response)[0] == "Korea talks"


def test_a_search_that_finds_every_slot_taken_comes_newest_first_with_the_notice(dated_takes, one_slot):
    held = gate.acquire()  # another search holds the only slot
    assert held is not None
    try:
        response = Client().get("/search/?q=korea&type=takes")
        assert NOTICE in response.content.decode()
        assert _titles(response) == ["A third view", "Another view", "Korea talks"]
        for path in ("/search/?q=korea", "/takes/?q=korea", "/quotes/?q=korea"):
            assert Client().get(path).status_code == 200, path
        # A page without words never waits for a slot.
        assert Client().get("/takes/").status_code == 200
    finally:
        gate.release(held)
    # The slot freed, the next search is ranked again.
    assert _titles(Client().get("/search/?q=korea&type=takes&n=1"))[0] == "Korea talks"


def test_slots_are_shared_between_threads_and_freed_on_release(settings, tmp_path):
    settings.SEARCH_CONCURRENCY = 2
    settings.SEARCH_SLOT_DIR = str(tmp_path)
    first, second = gate.acquire(0), gate.acquire(0)
    assert first is not None and second is not None
    from_thread = []
    thread = threading.Thread(target=lambda: from_thread.append(gate.acquire(0)))
    thread.start()
    thread.join()
    assert from_thread == [None]  # both slots held: none for the other thread either
    gate.release(first)
    third = gate.acquire(0)
    assert third is not None
    gate.release(second)
    gate.release(third)


def test_without_a_limit_nothing_waits(dated_takes, settings):
    settings.SEARCH_CONCURRENCY = 0
    with gate.search_slot() as holding:
        assert holding and not gate.degraded()


def test_a_searched_take_list_charts_only_the_matches_it_counted(db, monkeypatch):
    monkeypatch.setattr(facets, "FACET_CAP", 2)
    for day in (1, 2, 3):
        TakeFactory(title=f"Korea {day}", body="", published=datetime.date(2019, 3, day))
    response = Client().get("/takes/?q=korea")
    assert response.status_code == 200
    volume = response.context["volume"]
    assert sum(column.total for column in volume.columns) == 2
    assert volume.title.startswith("The newest 2 of these takes")


@pytest.mark.parametrize("resource", ["takes", "quotes"])
def test_an_api_search_takes_a_slot_and_runs_unranked_without_one(dated_takes, one_slot, monkeypatch, resource):
    """The API's lists with ``q`` wait for a slot as the pages do: with every slot held they answer
    200, unranked (the ranking sees ``degraded()``); with one free they rank."""
    seen = []
    real = gate.degraded
    monkeypatch.setattr(gate, "degraded", lambda: seen.append(real()) or seen[-1])
    assert Client().get(f"/api/v1/{resource}/?q=korea").status_code == 200
    assert seen and not any(seen)
    held = gate.acquire()
    assert held is not None
    try:
        seen.clear()
        assert Client().get(f"/api/v1/{resource}/?q=korea&n=1").status_code == 200
        assert seen and all(seen)
        seen.clear()
        assert Client().get(f"/api/v1/{resource}/").status_code == 200  # no words: no slot, no wait
        assert not seen
    finally:
        gate.release(held)
    titles = [row["title"] for row in Client().get("/api/v1/takes/?q=korea&n=2").json()["results"]]
    assert titles[0] == "Korea talks"
