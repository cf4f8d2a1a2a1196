"""One query, one meaning (issue 18): the same corpus and the same queries on SQLite and PostgreSQL.

On the PostgreSQL pass the corpus (tests/search_differential.py: a 1,200-take generated corpus and
crafted takes holding the hard cases) is loaded into PostgreSQL and into a SQLite twin (the database
alias ``sqlite_twin``, tests/conftest.py), and every generated query's results are compared: the
full match sets of takes and quotes and the candidates the pages rank. PostgreSQL's results are also
compared with its own ``websearch_to_tsquery`` where docs/search.md says the syntax is the same.
A difference is allowed only for a query in tests/search_allowlist.py, with its reason, and an
allowed query that no longer differs fails too. On the SQLite pass there is no PostgreSQL to
compare with: those two tests are skipped ("needs PostgreSQL"), the others run.
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.db.models.expressions import RawSQL

from archive.db.search_text import PG_FUNCTION
from archive.models import Quote, Take
from archive.search import parse
from tests import search_allowlist
from tests.conftest import TWIN
from tests.search_differential import (
    FIXED,
    SAME_AS_WEBSEARCH,
    Case,
    Found,
    build_corpus,
    copy_corpus,
    differential_queries,
    results,
)

POSTGRES = connections["default"].vendor == "postgresql"
ALIASES = ["default", TWIN] if TWIN in settings.DATABASES else ["default"]
needs_postgres = pytest.mark.skipif(
    not POSTGRES, reason="needs PostgreSQL: the SQLite results are compared with it (the PostgreSQL pass runs it)"
)
pytestmark = pytest.mark.django_db(databases=ALIASES)

DOCS = Path(settings.BASE_DIR) / "docs" / "search.md"


@dataclass
class Run:
    cases: list[Case]
    found: dict[str, dict[str, Found]] = field(default_factory=dict)  # alias → query → what it found
    websearch: dict[str, tuple[frozenset[int], frozenset[int]]] = field(default_factory=dict)


def _websearch(query: str) -> tuple[frozenset[int], frozenset[int]]:
    """Published takes and quotes matching ``websearch_to_tsquery('english', …)`` of the reader's text,
    folded as the index folds the stored text (``archive_search_fold``: NFKC, case, ø→o, accents)."""
    sets = []
    for model in (Take, Quote):
        table = model._meta.db_table
        match = RawSQL(  # noqa: S611 - the reader's text is a bound parameter
            f"SELECT id FROM {table} WHERE search_vector @@ websearch_to_tsquery('english', {PG_FUNCTION}(%s))",  # noqa: S608
            (query,),
        )
        sets.append(frozenset(model.objects.published().filter(pk__in=match).values_list("pk", flat=True)))
    return sets[0], sets[1]


def _only_exclusions(query: str) -> bool:
    """Nothing to search for but exclusions, once stop words are left out: the archive asks for a
    word, ``websearch_to_tsquery`` returns every row without them (a deliberate difference)."""
    return bool(parse(query).problem) and re.search(r"(^|\s)-\S", query) is not None


@pytest.fixture(scope="module")
def run(django_db_setup, django_db_blocker) -> Run:
    """Load the corpus into every database of the run, ask every query, keep the answers; the rows
    are rolled back before the tests look at the answers."""
    with django_db_blocker.unblock(), ExitStack() as stack:
        for alias in ALIASES:
            stack.enter_context(transaction.atomic(using=alias))
        build_corpus()
        for alias in ALIASES[1:]:
            copy_corpus(alias)
        outcome = Run(differential_queries())
        for alias in ALIASES:
            outcome.found[alias] = {case.query: results(alias, case.query) for case in outcome.cases}
        if POSTGRES:
            outcome.websearch = {
                case.query: _websearch(case.query)
                for case in outcome.cases
                if case.category in SAME_AS_WEBSEARCH and not _only_exclusions(case.query)
            }
        for alias in ALIASES:
            transaction.set_rollback(True, using=alias)
    return outcome


def _describe(query: str, a: Found, b: Found) -> str:
    return f"{query!r}: PostgreSQL {a.summary()}; SQLite {b.summary()}"


def test_the_queries_cover_the_syntax(run):
    categories = {case.category for case in run.cases}
    assert len(run.cases) >= 250
    assert categories == set(FIXED)
    queries = {case.query for case in run.cases}
    listed = set(search_allowlist.CROSS_DATABASE) | set(search_allowlist.WEBSEARCH)
    assert listed <= queries, f"allow-listed queries no longer generated: {sorted(listed - queries)}"
    assert set(search_allowlist.WEBSEARCH_DELIBERATE) <= categories | {"only exclusions"}
    assert not set(search_allowlist.WEBSEARCH_DELIBERATE) & SAME_AS_WEBSEARCH
    # The corpus answers: most queries find something, on every database of the run.
    for alias in ALIASES:
        answered = sum(1 for f in run.found[alias].values() if f.takes or f.quotes)
        assert answered >= len(run.cases) * 0.7, alias


def test_the_candidates_ranked_are_the_matches_or_the_newest_of_them(run):
    """The pages' ranked path (``results.rank``, from the FTS5 index's newest window on SQLite)
    finds what the filter (``search()``) finds: all of it, or its 1,000 most recently added."""
    for alias in ALIASES:
        for query, found in run.found[alias].items():
            take_count, take_capped, quote_count, quote_capped = found.counts
            for ranked, full, count, capped in (
                (found.ranked_takes, found.takes, take_count, take_capped),
                (found.ranked_quotes, found.quotes, quote_count, quote_capped),
            ):
                if capped:
                    assert count == len(ranked) == 1000 and ranked == set(sorted(full)[-1000:]), (alias, query)
                else:
                    assert ranked == full and count == len(full), (alias, query)


@needs_postgres
def test_sqlite_and_postgresql_find_the_same(run):
    assert (connections["default"].vendor, connections[TWIN].vendor) == ("postgresql", "sqlite")
    pg, lite = run.found["default"], run.found[TWIN]
    differing = {case.query for case in run.cases if pg[case.query] != lite[case.query]}
    allowed = set(search_allowlist.CROSS_DATABASE)
    new = sorted(differing - allowed)
    stale = sorted(allowed - differing)
    print(
        f"\nsearch differential: {len(run.cases)} queries, {len(run.cases) - len(differing)} identical, "
        f"{len(differing & allowed)} allow-listed, {len(new)} new differences, {len(stale)} stale entries"
    )
    report = [f"new difference {_describe(q, pg[q], lite[q])}" for q in new]
    report += [f"allow-listed but identical now (remove it): {q!r}" for q in stale]
    assert not report, "\n".join(report)


@needs_postgres
def test_postgresql_reads_the_syntax_as_websearch_to_tsquery(run):
    pg = run.found["default"]
    differing = {q for q, (takes, quotes) in run.websearch.items() if (pg[q].takes, pg[q].quotes) != (takes, quotes)}
    allowed = set(search_allowlist.WEBSEARCH)
    print(
        f"\nwebsearch_to_tsquery: {len(run.websearch)} queries compared, {len(run.websearch) - len(differing)} "
        f"identical, {len(differing & allowed)} allow-listed"
    )
    report = [
        f"{q!r}: archive {len(pg[q].takes)} takes, {len(pg[q].quotes)} quotes; websearch_to_tsquery "
        f"{len(run.websearch[q][0])} takes, {len(run.websearch[q][1])} quotes"
        for q in sorted(differing - allowed)
    ]
    report += [f"allow-listed but identical now (remove it): {q!r}" for q in sorted(allowed - differing)]
    assert not report, "\n".join(report)


def _documented_section() -> str:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"^### Where the two engines differ\n(.*?)(?=^#{1,3} )", text, re.S | re.M)
    assert match, "docs/search.md has no section 'Where the two engines differ'"
    return match.group(1)


def test_every_allowed_difference_is_documented():
    section = _documented_section()
    for query in [*search_allowlist.CROSS_DATABASE, *search_allowlist.WEBSEARCH]:
        assert f"`{query}`" in section, f"docs/search.md does not list {query!r}"
    for category in search_allowlist.WEBSEARCH_DELIBERATE:
        assert f"**{category}**" in section, f"docs/search.md does not name the deliberate difference {category!r}"
    for reason in [*search_allowlist.CROSS_DATABASE.values(), *search_allowlist.WEBSEARCH.values()]:
        assert reason.strip(), "every allowed difference says why"
