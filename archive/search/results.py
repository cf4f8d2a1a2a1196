"""A page of search results in a fixed number of queries, cheap even for a word in every row.

1. One query fetches the most recently added ``COUNT_CAP + 1`` matching ids with their dates (on
   SQLite from the index's newest matches, ``backends.sqlite``). It gives the count, capped
   ("1,000+"), and — when the matches are few — every candidate, so the plan of what follows is
   chosen from it.
2. Relevance: rank the candidates (all matches when few; the ``COUNT_CAP`` most recently added
   matches when many) in one query, sort, and keep the ids of the page shown.
   Date: when few, sort the candidates in Python; when many, let the database walk its date order.
3. Fetch the page's rows with what their cards show (select_related/prefetch_related).
4. Highlight the page's rows only: one ts_headline/snippet() query.

Everything engine-specific is a call to the database's search backend (``archive.search.backends``).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, QuerySet

from archive.pagination import PER_PAGE, Page, Paginator, walk
from archive.search import backends, gate, highlight
from archive.search.backends import Candidates
from archive.search.backends.base import BudgetExceeded
from archive.search.query import Query, parse

COUNT_CAP = 1000

_OLDEST = datetime.date.min


def date_field(queryset: QuerySet) -> str:
    """The date a row is sorted by: a take's publication date; a quote's take's."""
    return "take__published" if queryset.model._meta.db_table == "archive_quote" else "published"


def capped_count(queryset: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """How many rows ``queryset`` holds, counting no further than ``cap`` (``COUNT_CAP``; True when capped)."""
    cap = COUNT_CAP if cap is None else cap
    found = queryset.order_by()[: cap + 1].count()
    return min(found, cap), found > cap


def _candidates(queryset: QuerySet, query: Query, rank: bool = False) -> Candidates:
    """The candidates of ``queryset`` (the caller's filters, without the search) for ``query``:
    every match when there are at most ``COUNT_CAP``, else the ``COUNT_CAP`` most recently added,
    with the capped count; with ``rank``, scored in the same query where the engine can."""
    engine = backends.for_queryset(queryset)
    window = engine.newest_window(queryset, query, COUNT_CAP, date_field(queryset))
    if window is not None:
        return window
    # The most recently added COUNT_CAP + 1 in one query: when there are fewer, every match had to
    # be found anyway; when more, they are the candidates (a second, unordered query that stopped
    # at COUNT_CAP + 1 would only repeat the filters' join: 11 ms of 34 for a common word under
    # two filters at 1,000,000 quotes). Where the engine can (PostgreSQL), the same query scores
    # them: the rows are read for the match anyway, and a separate query would look 1,000 ids up
    # again.
    matches = engine.filter_matches(queryset, query)
    score = engine.score_expression(queryset.model._meta.db_table, query) if rank else None
    columns = ["pk", date_field(queryset)]
    if score is not None:
        matches = matches.annotate(search_score=score)
        columns.append("search_score")
    fetched = list(matches.order_by("-pk").values_list(*columns)[: COUNT_CAP + 1])
    scores = {row[0]: float(row[2]) for row in fetched} if score is not None else None
    rows = [(row[0], row[1]) for row in fetched]
    if len(rows) <= COUNT_CAP:
        return Candidates(rows, len(rows), False, scores)
    return Candidates(rows[:COUNT_CAP], COUNT_CAP, True, scores)


def _newest_key(row: tuple[int, datetime.date | None]) -> tuple:
    pk, when = row
    return (when is not None, when or _OLDEST, pk)


def _oldest_key(row: tuple[int, datetime.date | None]) -> tuple:
    pk, when = row
    return (when is None, when or _OLDEST, pk)


@dataclass
class Ranking:
    """The outcome of ``rank``: ids best first, the capped count, whether it was capped, and
    ``newest_first`` when ranking ran past its budget and the ids are the newest matches."""

    ids: list[int]
    count: int
    capped: bool
    newest_first: bool = False


def rank(queryset: QuerySet, q: str | Query) -> Ranking:
    """Ids of ``queryset``'s rows matching ``q``, best first (a bounded set). The one ranking of
    the archive: /search/, /quotes/ and /takes/?q= (``TakeQuerySet.by_relevance``) all rank
    through it.

    ``queryset`` carries the caller's filters; the search is applied here (a queryset already
    searched gives the same rows). Two queries at most, three for a common word under selective
    filters on SQLite. Ranking runs within the engine's budget (``SearchBackend.budget``): past
    it, the candidates are read again unscored and come newest first, with ``newest_first`` set
    so the page can say so (docs/search.md, "Bounded cost").
    """
    query = parse(q)
    if not query.is_searchable:
        return Ranking([], 0, False)
    engine = backends.for_queryset(queryset)
    found = None
    try:
        if gate.degraded():  # no search slot was free in time (archive/search/gate.py)
            raise BudgetExceeded
        with engine.budget():
            found = _candidates(queryset, query, rank=True)
            score = found.scores
            if score is None:
                score = engine.scores(queryset.model._meta.db_table, query, [pk for pk, _ in found.rows])
    except BudgetExceeded:
        if found is None:  # the query that finds the candidates scores them too (PostgreSQL)
            found = _candidates(queryset, query)
        rows = sorted(found.rows, key=_newest_key, reverse=True)
        return Ranking([pk for pk, _ in rows], found.count, found.capped, newest_first=True)
    rows = sorted(found.rows, key=lambda row: (score.get(row[0], 0.0), *_newest_key(row)), reverse=True)
    return Ranking([pk for pk, _ in rows], found.count, found.capped)


def ranked_ids(queryset: QuerySet, q: str | Query) -> tuple[list[int], int, bool]:
    """``rank``'s ids, capped count and whether it was capped."""
    ranking = rank(queryset, q)
    return ranking.ids, ranking.count, ranking.capped


def spelling_suggestion(queryset: QuerySet, query: Query) -> Query | None:
    """A respelt query that finds something in ``queryset``, when the reader's found nothing (two
    queries): what /search/, /quotes/ and /takes/?q= offer as "did you mean"."""
    engine = backends.for_queryset(queryset)
    fixes = engine.suggest_words(query.plain_words)
    if not fixes:
        return None
    suggestion = query
    for word, better in fixes.items():
        suggestion = suggestion.replace_word(word, better)
    return suggestion if engine.filter_matches(queryset, suggestion).exists() else None


def filter_search(queryset: QuerySet, q: str | Query) -> QuerySet:
    """``queryset`` narrowed to the rows matching ``q`` (``TakeQuerySet.search``): a blank query
    leaves it as it is, a query with nothing searchable in it matches nothing."""
    if not isinstance(q, Query) and not (q or "").strip():
        return queryset
    return backends.for_queryset(queryset).filter_matches(queryset, parse(q))


def order_by_relevance(queryset: QuerySet, q: str | Query) -> QuerySet:
    """``queryset``'s rows matching ``q``, best first, as ``ranked_ids`` ranks them
    (``TakeQuerySet.by_relevance``)."""
    query = parse(q)
    if not query.is_searchable:
        return filter_search(queryset, q)
    ids, _, _ = ranked_ids(queryset, query)
    if not ids:
        return queryset.none()
    # The ids are rows of ``queryset`` already: testing its search and filters again on them read
    # every candidate's search document a second time (0.1 s for 1,000 long takes).
    rows = queryset.model._default_manager.using(queryset.db).filter(pk__in=ids)
    return rows.order_by(backends.for_queryset(queryset).position_in(ids))


class SearchPage(Page):
    """One page of results: a page of the archive's paginator (archive/pagination.py) over the
    capped count, with the query, the order, and the rows' cards when the view builds them."""

    query: Query
    sort: str
    notice = ""  # when the page number asked for had to be corrected
    cards: list
    ranked_only_newest = False
    rank_skipped = False  # ranking ran past its budget: the newest matches come first
    #: The matches ranked for the page (ids, and whether there were more): other counts over the same
    #: rows reuse them (the quote menus); ``None`` when the page walked the database's date order.
    candidates: tuple[list[int], bool] | None = None

    @classmethod
    def empty(cls, query: Query, sort: str, count: int = 0, capped: bool = False) -> SearchPage:
        """A page with no rows: nothing to search for, or only the count (the tab not shown)."""
        return cls.of(Paginator(count=count, capped=capped).page_of([], 1), query, sort)

    @classmethod
    def of(cls, page: Page, query: Query, sort: str, notice: str = "") -> SearchPage:
        result = cls(page.object_list, page.number, page.paginator)
        result.more, result.query, result.sort, result.notice, result.cards = page.more, query, sort, notice, []
        return result


def search_page(
    queryset: QuerySet,
    q: str | Query,
    *,
    sort: str = "relevance",
    page: object = 1,
    per_page: int = PER_PAGE,
    prepare: Callable[[QuerySet], QuerySet] | None = None,
) -> SearchPage:
    """One page of ``queryset``'s rows matching ``q``, with snippets: ranked (``sort="relevance"``),
    oldest first (``"oldest"``) or newest first (any other order: ``"newest"``; the views read the
    reader's ``sort`` with ``archive.filters.base.sort_named``). ``page`` is read as every list
    reads it (``archive.pagination.page_number``): a corrected number comes with a ``notice``.

    ``queryset`` carries the caller's filters (``.published()``, facets) but not the search;
    ``prepare`` adds what the cards show (e.g. ``lambda qs: qs.with_related()``). Each row gets
    ``snippet`` (and takes ``title_html``): safe HTML built from escaped text. A constant number of
    queries, whatever the page size and the number of matches.
    """
    query = parse(q)
    if not query.is_searchable:
        return SearchPage.empty(query, sort)
    ranking = None
    candidates = None
    if sort == "relevance":
        ranking = rank(queryset, query)
        paginator = Paginator(per_page=per_page, count=ranking.count, capped=ranking.capped)
        found, notice = walk(ranking.ids, page, paginator)
        candidates = (ranking.ids, ranking.capped)
    else:
        found, notice = _by_date(queryset, query, sort, page, per_page)
    result = SearchPage.of(found, query, sort, notice)
    result.candidates = candidates
    result.ranked_only_newest = sort == "relevance" and result.capped
    result.rank_skipped = bool(ranking and ranking.newest_first)
    ids = list(found.object_list)
    rows = (prepare or (lambda qs: qs))(queryset.model._default_manager.using(queryset.db).filter(pk__in=ids))
    by_id = {obj.pk: obj for obj in rows}
    result.object_list = [by_id[pk] for pk in ids if pk in by_id]
    attach_snippets(result.object_list, query)
    return result


def _by_date(queryset: QuerySet, query: Query, sort: str, page: object, per_page: int) -> tuple[Page, str]:
    """A page of ids of the matches, newest (or oldest) first: when few, sorted in Python from the
    candidates; when many, walked in the database's date order (open-ended: "Page 3 of many")."""
    found = _candidates(queryset, query)
    paginator = Paginator(per_page=per_page, count=found.count, capped=found.capped, open_ended=True)
    if not found.capped:
        if sort == "oldest":
            rows = sorted(found.rows, key=_oldest_key)
        else:
            rows = sorted(found.rows, key=_newest_key, reverse=True)
        return walk([pk for pk, _ in rows], page, paginator)
    walked = backends.for_queryset(queryset).filter_matches_walking(queryset, query)
    return walk(by_date(walked, date_field(queryset), sort).values_list("pk", flat=True), page, paginator)


def by_date(queryset: QuerySet, field: str, sort: str, *ties: str) -> QuerySet:
    """``queryset`` oldest first (``sort="oldest"``) or newest first, undated rows last either way,
    then by ``ties`` (by id, in the same direction, when none are given)."""
    when = F(field)
    if sort == "oldest":
        return queryset.order_by(when.asc(nulls_last=True), *(ties or ("pk",)))
    return queryset.order_by(when.desc(nulls_last=True), *(ties or ("-pk",)))


def snippet_budget_ms() -> int:
    """Highlighting a page's rows gets half the ranking's budget: FTS5's ``snippet()`` costs ~0.3 s
    a row for a body repeating 16 query words 150 times each (docs/performance.md)."""
    return int(settings.SEARCH_RANK_BUDGET_MS) // 2


def _attach_plain(objects: list, table: str, words: list[str]) -> None:
    """When the engine's highlighting ran past its budget: the query's words marked in Python in
    the title and the start of the summary, or the whole quote: linear in their length."""
    for obj in objects:
        if table == "archive_take":
            obj.title_html = highlight.mark_words(obj.title, words)
            obj.snippet = highlight.mark_words(obj.summary[:300], words)
        else:
            obj.snippet = highlight.mark_words(obj.text, words)


def attach_snippets(objects: list, q: str | Query) -> None:
    """Give each shown row its highlighted HTML (one query for the whole page).

    Quotes get ``snippet``; takes get ``title_html`` and ``snippet`` (the matching passage of the
    summary or full text, else the start of the summary).
    """
    query = parse(q)
    if not objects:
        return
    model = type(objects[0])
    table = model._meta.db_table
    using = objects[0]._state.db or "default"
    engine = backends.backend(using)
    words = [word for group in query.required for phrase in group for word in phrase.words]
    try:
        if gate.degraded():
            raise BudgetExceeded
        with engine.budget(snippet_budget_ms()):
            marked = engine.snippets(table, query, [obj.pk for obj in objects])
    except BudgetExceeded:
        _attach_plain(objects, table, words)
        return
    for obj in objects:
        parts = marked.get(obj.pk, {})
        if table == "archive_take":
            obj.title_html = highlight.render(parts.get("title") or obj.title, source=obj.title, words=words)
            passage = next((parts[c] for c in ("summary", "body") if highlight.has_mark(parts.get(c))), None)
            obj.snippet = highlight.render(
                passage or parts.get("summary") or obj.summary[:300], source=(obj.summary, obj.body), words=words
            )
        else:
            obj.snippet = highlight.render(parts.get("text") or obj.text, source=obj.text, words=words)
