"""A page of search results in a fixed number of queries, cheap even for a word in every row.

1. One query fetches up to ``COUNT_CAP + 1`` matching ids with their dates (no ORDER BY, so the
   database stops as soon as it has them). It gives the count, capped ("1,000+"), and — when the
   matches are few — every candidate, so the plan of what follows is chosen from it.
2. Relevance: rank the candidates (all matches when few; the ``COUNT_CAP`` most recently added
   matches when many) in one query, sort, and keep the ids of the page shown.
   Date: when few, sort the candidates in Python; when many, let the database walk its date order.
3. Fetch the page's rows with what their cards show (select_related/prefetch_related).
4. Highlight the page's rows only: one ts_headline/snippet() query.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from archive.search import engine, highlight
from archive.search.query import Query, parse

COUNT_CAP = 1000
PER_PAGE = 20
SORTS = ("relevance", "date")

_OLDEST = datetime.date.min


def date_field(queryset: QuerySet) -> str:
    """The date a row is sorted by: a take's publication date; a quote's take's."""
    return "take__published" if queryset.model._meta.db_table == "archive_quote" else "published"


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows ``queryset`` holds, counting no further than ``cap`` (True when capped)."""
    found = queryset.order_by()[: cap + 1].count()
    return min(found, cap), found > cap


#: SQLite: how many of the newest FTS5 matches to try before listing every match.
SQLITE_WINDOW = 2 * (COUNT_CAP + 1)
#: SQLite: capped candidates spread over more than this many rowids each are not scored by bm25.
SPREAD = 20


def _sqlite_window(base: QuerySet, query: Query) -> tuple[list, int, bool] | None:
    """SQLite: candidates from the newest ``SQLITE_WINDOW`` matches of the FTS5 index, filtered by
    ``base`` (the caller's queryset, without the search). ``None`` when that is not conclusive.

    A common word matches 900,000 quotes: listing them all to test the filters against costs
    ~0.5 s, reading the newest 2,002 from the index ~5 ms. When more than ``COUNT_CAP`` of those
    pass the filters, they are the newest matches (capped); when the index had fewer matches
    than the window, the result is exact. Otherwise (a common word with selective filters) the
    caller lists every match as before.
    """
    window = engine.newest_matches_sql(base.db, base.model._meta.db_table, query, SQLITE_WINDOW)
    if window is None:
        return None
    window_sql, window_params = window
    # Driven by the window's ids (rowid look-ups), each tested against the caller's filters in a
    # correlated EXISTS: a join here lets SQLite's planner (no statistics) walk every published
    # take and probe the whole id list for each, 97,000 × 4,004 probes (docs/performance.md).
    model = base.model
    rows = model._default_manager.using(base.db).filter(
        Exists(base.order_by().filter(pk=OuterRef("pk"))),
        pk__in=RawSQL(window_sql, window_params),  # noqa: S611 (fixed SQL, the query bound)
    )
    if model._meta.db_table == "archive_quote":
        take = model._meta.get_field("take").related_model
        rows = rows.annotate(when=Subquery(take.objects.filter(pk=OuterRef("take_id")).values("published")[:1]))
    else:
        rows = rows.annotate(when=F("published"))
    sql, params = rows.order_by().values_list("pk", "when").query.get_compiler(base.db).as_sql()
    # One query: the rows, and a last row (NULL, NULL, how many matches the window held). The
    # count has a column of its own: the second column's declared type (date) would convert it.
    with connections[base.db].cursor() as cursor:
        cursor.execute(
            f"SELECT *, NULL FROM ({sql}) UNION ALL SELECT NULL, NULL, (SELECT COUNT(*) FROM ({window_sql}))",  # noqa: S608
            [*params, *window_params],
        )
        fetched = cursor.fetchall()
    held = next(int(size) for pk, _, size in fetched if pk is None)
    found = sorted(((pk, _as_date(when)) for pk, when, _ in fetched if pk is not None), reverse=True)
    if len(found) > COUNT_CAP:
        return found[:COUNT_CAP], COUNT_CAP, True
    if held < SQLITE_WINDOW:
        return found, len(found), False
    return None


def _as_date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _candidates(
    matches: QuerySet, base: QuerySet | None = None, query: Query | None = None, rank: bool = False
) -> tuple[list[tuple[int, datetime.date | None]], int, bool, bool, dict[int, float] | None]:
    """Candidate (id, date) rows, the capped count, whether capped, whether the word is so common
    on SQLite that the candidates were found by probing filtered rows one by one, and — with
    ``rank``, where the candidates' own query can score them (PostgreSQL) — their scores."""
    if base is not None and query is not None:
        window = _sqlite_window(base, query)
        if window is not None:
            return (*window, False, None)
        if engine.vendor(base.db) == "sqlite":
            # The window was full (a common word) but the filters kept few of it: read the word's
            # matches only inside the runs of ids the filters keep, rather than list its 900,000
            # matches or probe the index row by row; the COUNT_CAP + 1 most recently added.
            walked = engine.filter_matches_in_runs(base, query, COUNT_CAP + 1)
            rows = sorted(walked.order_by().values_list("pk", date_field(walked)), reverse=True)
            if len(rows) <= COUNT_CAP:
                return rows, len(rows), False, True, None
            return rows[:COUNT_CAP], COUNT_CAP, True, True, None
    # The most recently added COUNT_CAP + 1 in one query: when there are fewer, every match had to
    # be found anyway; when more, they are the candidates (a second, unordered query that stopped
    # at COUNT_CAP + 1 would only repeat the filters' join: 11 ms of 34 for a common word under
    # two filters at 1,000,000 quotes). On PostgreSQL the same query scores them: the rows are
    # read for the match anyway, and a separate query would look 1,000 ids up again.
    score = engine.score_expression(matches.db, matches.model._meta.db_table, query) if rank and query else None
    columns = ["pk", date_field(matches)]
    if score is not None:
        matches = matches.annotate(search_score=score)
        columns.append("search_score")
    fetched = list(matches.order_by("-pk").values_list(*columns)[: COUNT_CAP + 1])
    scores = {row[0]: float(row[2]) for row in fetched} if score is not None else None
    rows = [(row[0], row[1]) for row in fetched]
    if len(rows) <= COUNT_CAP:
        return rows, len(rows), False, False, scores
    return rows[:COUNT_CAP], COUNT_CAP, True, False, scores


def _newest_key(row: tuple[int, datetime.date | None]) -> tuple:
    pk, when = row
    return (when is not None, when or _OLDEST, pk)


def ranked_ids(matches: QuerySet, query: Query, base: QuerySet | None = None) -> tuple[list[int], int, bool]:
    """Ids of ``matches`` best first (a bounded set), the capped count, and whether it was capped.

    Two queries at most. ``matches`` must already be filtered by ``.search(query)``; ``base``,
    the same queryset without the search, lets SQLite read the newest matches from its index.
    """
    rows, count, capped, common, score = _candidates(matches, base, query, rank=True)
    ids = [pk for pk, _ in rows]
    if score is None:  # PostgreSQL scored them in the candidates' own query
        # SQLite, a common word under selective filters: the candidates lie all over the index,
        # and bm25 over that rowid range scores some 900,000 matches (~2.5 s). They come newest
        # first instead (docs/performance.md, "Where a target is missed").
        spread = common and ids and max(ids) - min(ids) > SPREAD * len(ids)
        score = {} if spread else engine.scores(matches.db, matches.model._meta.db_table, query, ids)
    rows.sort(key=lambda row: (score.get(row[0], 0.0), *_newest_key(row)), reverse=True)
    return [pk for pk, _ in rows], count, capped


@dataclass
class SearchPage:
    """One page of results, shaped like Django's Page for the templates."""

    query: Query
    sort: str
    number: int
    per_page: int
    count: int
    capped: bool
    object_list: list = field(default_factory=list)
    cards: list = field(default_factory=list)  # the rows' HTML, when the view builds them
    ranked_only_newest: bool = False

    @property
    def num_pages(self) -> int:
        listed = min(self.count, COUNT_CAP) if self.sort == "relevance" else self.count
        return max(1, math.ceil(listed / self.per_page))

    def has_next(self) -> bool:
        return self.number < self.num_pages or (self.sort == "date" and self.capped and bool(self.object_list))

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def count_display(self) -> str:
        return f"{self.count:,}+" if self.capped else f"{self.count:,}"

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def page_number(raw: object) -> int:
    try:
        number = int(str(raw))
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= 10_000 else 1


def search_page(
    queryset: QuerySet,
    q: str | Query,
    *,
    sort: str = "relevance",
    page: object = 1,
    per_page: int = PER_PAGE,
    prepare: Callable[[QuerySet], QuerySet] | None = None,
) -> SearchPage:
    """One page of ``queryset``'s rows matching ``q``, ranked or newest first, with snippets.

    ``queryset`` carries the caller's filters (``.published()``, facets) but not the search;
    ``prepare`` adds what the cards show (e.g. ``lambda qs: qs.with_related()``). Each row gets
    ``snippet`` (and takes ``title_html``): safe HTML built from escaped text. A constant number of
    queries, whatever the page size and the number of matches.
    """
    query = parse(q)
    sort = sort if sort in SORTS else "relevance"
    number = page_number(page)
    result = SearchPage(query=query, sort=sort, number=number, per_page=per_page, count=0, capped=False)
    if not query.is_searchable:
        return result
    matches = engine.filter_matches(queryset, query)
    when = date_field(queryset)
    if sort == "relevance":
        ids, result.count, result.capped = ranked_ids(matches, query, base=queryset)
        result.ranked_only_newest = result.capped
        result.number = min(number, result.num_pages)
        start = (result.number - 1) * per_page
        page_ids = ids[start : start + per_page]
    else:
        rows, result.count, result.capped, _, _ = _candidates(matches, queryset, query)
        if not result.capped:
            rows.sort(key=_newest_key, reverse=True)
            result.number = min(number, result.num_pages)
            start = (result.number - 1) * per_page
            page_ids = [pk for pk, _ in rows[start : start + per_page]]
        else:
            start = (number - 1) * per_page
            walked = engine.filter_matches_walking(queryset, query)
            ordered = walked.order_by(F(when).desc(nulls_last=True), "-pk")
            page_ids = list(ordered.values_list("pk", flat=True)[start : start + per_page])
    rows = (prepare or (lambda qs: qs))(queryset.model._default_manager.using(queryset.db).filter(pk__in=page_ids))
    by_id = {obj.pk: obj for obj in rows}
    result.object_list = [by_id[pk] for pk in page_ids if pk in by_id]
    attach_snippets(result.object_list, query)
    return result


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
    marked = engine.snippets(using, table, query, [obj.pk for obj in objects])
    words = [word for group in query.required for phrase in group for word in phrase.words]
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
