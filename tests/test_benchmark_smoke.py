"""The benchmark, small: a 10,000-quote synthetic corpus, every scenario once, on whichever database
the suite runs on. It fails on a page that is not 200 or that makes more queries than its pin
(``Scenario.max_queries`` in archive/benchmark/run.py), never on timings: speed targets are measured at
full size and recorded in docs/performance.md.
"""

import io

import pytest
from django.core.management import call_command

from archive import cache
from archive.benchmark import run as bench

# Committed (transaction=True): a PostgreSQL transaction that has written keeps nothing in the
# cache, so inside one every served request would be a cold one.
pytestmark = pytest.mark.django_db(transaction=True)

SCENARIOS = {
    "quotes: rare word",
    "quotes: common word",
    "quotes: phrase",
    "quotes: word + 2 filters",
    "quotes: word, newest first",
    "search: quotes and takes",
    "takes: 3 filters + facets",
    "takes: page 1",
    "takes: page 500",
    "take detail (most quotes)",
    "expert detail (~500 takes)",
    "experts by stance",
    # issue 15: the expert list's menu counts
    "experts: question + outlet, menus counted",
    # issue 20's pages (archive/benchmark/issue20.py)
    "compare: 2 experts",
    "compare: 6 experts",
    "agreement: top 12",
    "agreement: top 40",
    "home (takes over time)",
    "question (over time, changes)",
    "outlet (over time)",
    "takes by question (over time)",
    "predictions",
    "predictions: outcome + horizon",
}


@pytest.fixture
def corpus():
    cache.clear()  # each test starts from an empty cache, as in test_page_cache.py
    call_command("generate_corpus", takes=1000, quotes_per_take=10, experts=300, seed=11, verbosity=0)
    yield
    cache.clear()


def test_it_runs_every_scenario_of_the_issue_within_its_query_pins(corpus, tmp_path):
    output = tmp_path / "bench.md"
    # --check-queries exits non-zero on a query-count regression or a page that is not 200.
    call_command(
        "benchmark",
        repeat=1,
        baseline_repeat=1,
        check_queries=True,
        output=str(output),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    report = output.read_text(encoding="utf-8")
    rows = [line for line in report.splitlines() if line.startswith("| ") and not line.startswith("| scenario")]
    assert {row.split(" | ")[0].lstrip("| ") for row in rows} == SCENARIOS
    assert all(row.split(" | ")[1] == "200" for row in rows)
    assert "Page 500 / page 1" in report
    assert "Peak RSS serving the pages" in report


def test_each_page_has_rows_to_show_and_its_baseline_answers_the_same_question(corpus):
    results = bench.run(repeat=1, cold_repeat=1, baseline_repeat=1)
    assert {r.scenario.name for r in results} == SCENARIOS
    assert bench.regressions(results) == []
    for result in results:
        assert result.queries >= 1
        assert result.cold_queries >= result.queries, result.scenario.name  # the cache only saves queries
        assert result.queries == 1, result.scenario.name  # served whole: the data version alone
        assert result.queries < result.cold_queries, result.scenario.name
        assert result.baseline_queries >= 1, result.scenario.name
        assert len(result.times) == 1 and len(result.cold_times) == 1 and len(result.baseline_times) == 1


def test_the_query_pins_catch_a_page_that_makes_more_queries(corpus, monkeypatch):
    real = bench.scenarios

    def tighter(params):
        # Served whole from the cache, a page reads only the data version: a pin of 0 catches both.
        return [bench.Scenario(s.name, s.url, None, 0, s.group) for s in real(params)[:2]]

    monkeypatch.setattr(bench, "scenarios", tighter)
    problems = bench.regressions(bench.run(repeat=1, cold_repeat=1))
    assert len(problems) == 4  # each page, served and cold
    assert all("more than 0" in problem for problem in problems)
    assert sum("cold" in problem for problem in problems) == 2


def test_p95_is_the_nearest_rank_percentile():
    """p95 of 20 timings is the second slowest (19 of 20 are at or below it); of 10, the slowest.
    (Rounding 19.5 to even once made it the slowest of 20.)"""
    twenty = [float(n) for n in range(1, 21)]
    assert bench.Result._p(twenty, 95) == 19.0
    assert bench.Result._p(twenty, 50) == 10.0
    assert bench.Result._p([float(n) for n in range(1, 11)], 95) == 10.0
    assert bench.Result._p([float(n) for n in range(1, 101)], 95) == 95.0
    assert bench.Result._p([7.0], 95) == 7.0


def test_a_scenario_whose_page_ignores_a_parameter_is_refused(db, client):
    """Issue 18: "word, newest first" once asked /quotes/ for an order it did not have and measured
    relevance. Every scenario's page must take every value it is given."""

    def problems(url: str) -> list[str]:
        cache.clear()
        return bench.ignored_parameters(url, client.get(url, secure=True))

    assert problems("/quotes/?q=korea&sort=newest") == []
    assert problems("/search/?q=korea&sort=date") == []
    wrong_sort = "sort='latest' is not an order of archive/filters/base.py SORTS"
    assert problems("/search/?q=korea&sort=latest") == [wrong_sort]
    quotes = problems("/quotes/?q=korea&sort=latest")
    assert quotes[0].startswith("sort='latest'") and any(p.startswith("the page says:") for p in quotes[1:])
    assert any("no outlet" in p for p in problems("/quotes/?q=korea&publication=nowhere"))


def test_the_benchmark_refuses_to_time_an_ignored_parameter(corpus, monkeypatch):
    real = bench.scenarios

    def wrong(params):
        return [bench.Scenario("quotes: bad sort", "/quotes/?q=korea&sort=latest", None, 30)] + real(params)[:1]

    monkeypatch.setattr(bench, "scenarios", wrong)
    with pytest.raises(bench.InvalidScenario, match="quotes: bad sort: sort='latest'"):
        bench.run(repeat=1, cold_repeat=1, baseline_repeat=0)


def test_a_page_past_the_end_of_a_small_corpus_is_not_an_ignored_parameter(db, client):
    cache.clear()
    assert bench.ignored_parameters("/takes/?page=500", client.get("/takes/?page=500", secure=True)) == []
    cache.clear()
    wrong = bench.ignored_parameters("/takes/?page=abc", client.get("/takes/?page=abc", secure=True))
    assert wrong and wrong[0].startswith("the page says:")
