"""SQLite: FTS5 external-content tables, ``bm25()``, ``snippet()``/``highlight()``, fts5vocab.

The index itself is defined in ``archive.db.search_index`` (docs/search.md, "SQLite"). The measured
reasons for each shape of SQL below are in docs/performance.md.
"""

# ruff: noqa: S608, S611 - table names come from the models; the reader's query is compiled by
# archive.search.query and passed only as a bound parameter.
from __future__ import annotations

import datetime
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import OperationalError, connections
from django.db.models import Exists, Expression, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.lookups import In
from django.db.models.sql.where import AND, WhereNode

from archive.db import search_index as schema
from archive.search.backends.base import (
    SNIPPET_COLUMNS,
    SNIPPET_FALLBACKS,
    SNIPPET_WORDS,
    BudgetExceeded,
    Candidates,
    OwnTableCondition,
    SearchBackend,
)
from archive.search.highlight import END, FRAGMENT, START
from archive.search.query import Query, to_fts5_match
from archive.search.similarity import NAME_SIMILARITY, WORD_SIMILARITY, name_similarity, name_text, similarity

#: How many of the newest FTS5 matches to try before listing every match (twice the cap + 1).
WINDOW = 2 * (1000 + 1)
#: Capped candidates spread over more than this many rowids each are not scored by bm25.
SPREAD = 20

#: SQLite calls the budget's clock every this many virtual-machine instructions. Few: a query
#: whose cost is in an auxiliary function (``snippet()`` on a long body: ~0.3 s a row) runs only
#: a few dozen instructions a row, and the clock is only read between them.
BUDGET_CHECK_EVERY = 50

#: FTS5's bm25 constants (fts5_aux.c).
BM25_K1 = 1.2
BM25_B = 0.75


class FtsRowMatches(OwnTableCondition):
    """``EXISTS (SELECT 1 FROM <table>_fts WHERE … MATCH … AND rowid = <alias>.id)``.

    A per-row probe of the FTS5 index: the cheap test when the rows are walked in another order
    (newest by date) and most of them match, where ``id IN (every match)`` would first build the
    list of 900,000 matches of a common word (~0.5 s)."""

    def as_sql(self, compiler, connection):
        fts = f"{self.table}_fts"
        column = f"{compiler.quote_name(self.alias)}.id"
        return f"EXISTS (SELECT 1 FROM {fts} WHERE {fts} MATCH %s AND {fts}.rowid = {column})", [self.match]


class FtsMatchList(RawSQL):
    """``SELECT rowid FROM <table>_fts WHERE … MATCH …``: every match of the index, the list
    ``filter_matches`` tests rows against. Its own class, so that a statement that reads only
    matches of the same query can leave the test out (``_without_match``)."""

    def __init__(self, table: str, match: str) -> None:
        super().__init__(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH %s", (match,))
        self.table, self.match = table, match


def _is_match_test(condition, table: str, match: str) -> bool:
    """Whether ``condition`` (a child of a WHERE) is ``filter_matches``'s test for ``match`` on
    ``table``."""
    if isinstance(condition, In) and isinstance(condition.rhs, FtsMatchList):
        return (condition.rhs.table, condition.rhs.match) == (table, match)
    return False


def _pruned(node: WhereNode, table: str, match: str) -> WhereNode:
    """``node`` without the match tests for ``match`` it ANDs: only through AND nodes that are
    not negated, where leaving out a condition the rows pass anyway keeps the same rows."""
    if node.connector != AND or node.negated:
        return node
    kept = [
        _pruned(child, table, match) if isinstance(child, WhereNode) else child
        for child in node.children
        if not _is_match_test(child, table, match)
    ]
    return node.create(kept, node.connector, node.negated)


def _without_match(queryset: QuerySet, query: Query) -> QuerySet:
    """``queryset`` without its own test of ``query``'s matches (``filter_matches``), for a statement
    that reads only rows of the index's matches of ``query`` anyway: the same rows, without listing
    every match of the query a second time.

    The take list ranks its results, a queryset already searched (``TakeFilter``), and so did the
    API and the exports: the test inside the window's filters listed all 18,000 matches of the 16
    hostile words again (~20 ms, as much as the facets' own listing) only to confirm that the
    window's newest matches match (docs/performance.md, "Hostile, third round")."""
    clone = queryset.all()
    clone.query.where = _pruned(clone.query.where, queryset.model._meta.db_table, to_fts5_match(query))
    return clone


def _as_date(value) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _row_date(model, date_field: str) -> Expression:
    """The row's sort date as an annotation: its own column, or a related row's (a quote's take's)."""
    if "__" not in date_field:
        return F(date_field)
    relation, column = date_field.split("__", 1)
    field = model._meta.get_field(relation)
    related = field.related_model._default_manager.filter(pk=OuterRef(field.attname))
    return Subquery(related.values(column)[:1])


def varints(blob: bytes) -> list[int]:
    """The integers of an FTS5 record (SQLite's variable-length format: 7 bits a byte, high bit
    set while more follow, all 8 bits of a ninth byte)."""
    values, i = [], 0
    while i < len(blob):
        value = 0
        for n in range(9):
            byte = blob[i]
            i += 1
            if n == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        values.append(value)
    return values


def _one_phrase_scores(cursor, table: str, query: Query, ids: list[int]) -> dict[int, float] | None:
    """A query of one phrase over a one-column index: bm25's order without bm25's cost.

    Before its first row, bm25 counts the rows holding each phrase of the query, reading the
    phrase's whole match list: 23 ms for a word in 900,000 quotes, whatever the candidates. With
    one phrase, that count only scales every score alike (its inverse document frequency), so
    the order is that of ``tf × (k1 + 1) / (tf + k1 × (1 − b + b × length / average length))``.
    ``tf`` is the phrase's marks in ``highlight()`` (two occurrences side by side count once,
    where bm25 counts two), the length the row's token count in the index's ``docsize`` table,
    the average from its averages record. ~5 ms for 1,000 candidates. ``None`` when the index's
    records cannot be read (then bm25 ranks).
    """
    fts = f"{table}_fts"
    cursor.execute(
        f"SELECT rowid, highlight({fts}, 0, %s, ''), (SELECT sz FROM {fts}_docsize WHERE id = {fts}.rowid), "
        f"(SELECT block FROM {fts}_data WHERE id = 1) "  # the averages record, on each row (7 bytes)
        f"FROM {fts} WHERE {fts} MATCH %s AND rowid BETWEEN %s AND %s",
        [START, to_fts5_match(query), min(ids), max(ids)],
    )
    rows = cursor.fetchall()
    if not rows:
        return {}
    averages = varints(rows[0][3] or b"")
    if len(averages) != 2 or not averages[0] or not averages[1]:
        return None
    average_length = averages[1] / averages[0]
    wanted = set(ids)
    scores = {}
    for pk, marked, size, _ in rows:
        if pk not in wanted:
            continue
        lengths = varints(size or b"")
        tf = (marked or "").count(START)
        length = lengths[0] if lengths else average_length
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / average_length)
        scores[pk] = tf * (BM25_K1 + 1) / (tf + norm) if tf else 0.0
    return scores


class SqliteBackend(SearchBackend):
    vendor = "sqlite"

    # -- matching

    def filter_matches(self, queryset: QuerySet, query: Query) -> QuerySet:
        """``id + 0 IN (SELECT rowid FROM <table>_fts WHERE … MATCH …)``.

        MATCH stays alone in its subquery, which FTS5 answers from its index; the caller's joins
        and filters run outside. The ``+ 0`` keeps SQLite's planner (which has no statistics
        unless ANALYZE was run) from using the match list as an index probe inside the join, a
        plan measured 10–40 times slower than testing each filtered row against the set of
        matches (docs/search.md, "Speed").
        """
        if not query.is_searchable:
            return queryset.none()
        matching = FtsMatchList(queryset.model._meta.db_table, to_fts5_match(query))
        return queryset.alias(search_id=F("pk") + 0).filter(search_id__in=matching)

    def filter_matches_walking(self, queryset: QuerySet, query: Query) -> QuerySet:
        """Each walked row probed in the index instead of listing every match first."""
        if not query.is_searchable:
            return queryset.none()
        return queryset.filter(FtsRowMatches(queryset.model._meta.db_table, to_fts5_match(query)))

    def newest_matches(self, queryset: QuerySet, query: Query, limit: int) -> QuerySet:
        """For a common word under selective filters (the rows the filters keep are few, the
        word's matches many).

        Testing each filtered row against the index costs a seek in the word's long match list
        (~70 µs a row, 0.6 s for 7,400 quotes). The filtered rows' ids come in runs instead (a
        take's quotes are stored one after another): the filtered ids are grouped into runs of
        consecutive ids and FTS5 reads each run as one rowid range — a seek per run rather than
        per row (56 ms for those 7,400 quotes in ~740 runs). Every id inside a run is a filtered
        row, so nothing outside the filters can slip in; scattered ids make one-row runs, which
        cost what a probe does.

        The runs are read highest first and the read stops at ``limit`` matches: a page needs the
        newest ``COUNT_CAP + 1``, not all 7,400 (whose dates alone cost ~15 ms to convert). The
        order comes from the materialised runs, the outer loop of the join; an ``ORDER BY`` on the
        join itself would let the planner put FTS5 outside and scan the whole index once per run.
        """
        if not query.is_searchable:
            return queryset.none()
        table = queryset.model._meta.db_table
        try:
            ids_sql, ids_params = queryset.order_by().values("pk").query.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:
            return queryset.none()
        runs = RawSQL(
            f"""
            WITH filtered(id) AS ({ids_sql}),
                 numbered AS (SELECT id, id - ROW_NUMBER() OVER (ORDER BY id) AS run FROM filtered),
                 runs AS (SELECT min(id) AS lo, max(id) AS hi FROM numbered GROUP BY run ORDER BY lo DESC)
            SELECT {table}_fts.rowid FROM runs, {table}_fts
            WHERE {table}_fts MATCH %s AND {table}_fts.rowid BETWEEN runs.lo AND runs.hi
            LIMIT %s
            """,
            (*ids_params, to_fts5_match(query), limit),
        )
        return queryset.model._default_manager.using(queryset.db).filter(pk__in=runs)

    # -- candidates and ranking

    def newest_window(self, base: QuerySet, query: Query, cap: int, date_field: str) -> Candidates | None:
        """From the newest ``WINDOW`` matches of the index when they decide; else, a common word
        under selective filters, the newest ``cap + 1`` matches inside the runs of ids the
        filters keep (``newest_matches``), rather than list the word's 900,000 matches or probe
        the index row by row."""
        if not query.is_searchable:
            return None
        # Every row read below is one of the index's matches of ``query``.
        base = _without_match(base, query)
        window = self._window(base, query, cap, date_field)
        if window is not None:
            return window
        walked = self.newest_matches(base, query, cap + 1)
        rows = sorted(walked.order_by().values_list("pk", date_field), reverse=True)
        found = Candidates(rows, len(rows), False) if len(rows) <= cap else Candidates(rows[:cap], cap, True)
        ids = [pk for pk, _ in found.rows]
        # The candidates lie all over the index, and bm25 over that rowid range scores some
        # 900,000 matches (~2.5 s). They come newest first instead (docs/performance.md, "Where a
        # target is missed").
        if ids and max(ids) - min(ids) > SPREAD * len(ids):
            found.scores = {}
        return found

    def _window(self, base: QuerySet, query: Query, cap: int, date_field: str) -> Candidates | None:
        """Candidates from the newest ``WINDOW`` matches of the FTS5 index, filtered by ``base``.
        ``None`` when that is not conclusive.

        A common word matches 900,000 quotes: listing them all to test the filters against costs
        ~0.5 s, reading the newest 2,002 from the index ~5 ms. When more than ``cap`` of those
        pass the filters, they are the newest matches (capped); when the index had fewer matches
        than the window, the result is exact. Otherwise (a common word with selective filters)
        the caller reads the runs of filtered ids.
        """
        table = base.model._meta.db_table
        # Rowid order costs nothing in the index: ~5 ms for 2,002 of 900,000 matches.
        window_sql = f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH %s ORDER BY rowid DESC LIMIT %s"
        window_params = [to_fts5_match(query), WINDOW]
        # Driven by the window's ids (rowid look-ups), each tested against the caller's filters in a
        # correlated EXISTS: a join here lets SQLite's planner (no statistics) walk every published
        # take and probe the whole id list for each, 97,000 × 4,004 probes (docs/performance.md).
        model = base.model
        rows = model._default_manager.using(base.db).filter(
            Exists(base.order_by().filter(pk=OuterRef("pk"))),
            pk__in=RawSQL(window_sql, window_params),
        )
        rows = rows.annotate(when=_row_date(model, date_field))
        sql, params = rows.order_by().values_list("pk", "when").query.get_compiler(base.db).as_sql()
        # One query: the rows, and a last row (NULL, NULL, how many matches the window held). The
        # count has a column of its own: the second column's declared type (date) would convert it.
        with connections[base.db].cursor() as cursor:
            cursor.execute(
                f"SELECT *, NULL FROM ({sql}) UNION ALL SELECT NULL, NULL, (SELECT COUNT(*) FROM ({window_sql}))",
                [*params, *window_params],
            )
            fetched = cursor.fetchall()
        held = next(int(size) for pk, _, size in fetched if pk is None)
        found = sorted(((pk, _as_date(when)) for pk, when, _ in fetched if pk is not None), reverse=True)
        if len(found) > cap:
            return Candidates(found[:cap], cap, True)
        if held < WINDOW:
            return Candidates(found, len(found), False)
        return None

    def score_expression(self, table: str, query: Query) -> None:
        """None: bm25 needs the MATCH of its own FTS5 table, so ``scores`` ranks."""
        return None

    def scores(self, table: str, query: Query, ids: list[int]) -> dict[int, float]:
        if not ids:
            return {}
        with connections[self.using].cursor() as cursor:
            if len(schema.DOCUMENTS[table]) == 1 and len(query.required) == 1 and len(query.required[0]) == 1:
                ranked = _one_phrase_scores(cursor, table, query, ids)
                if ranked is not None:
                    return ranked
            # One statement, so bm25's per-query statistics are computed once; the rowid range lets
            # FTS5 skip the rest of the index when the candidates are the newest matches.
            cursor.execute(
                f"SELECT rowid, -bm25({table}_fts, {schema.bm25_weights(table)}) FROM {table}_fts "
                f"WHERE {table}_fts MATCH %s AND rowid BETWEEN %s AND %s",
                [to_fts5_match(query), min(ids), max(ids)],
            )
            wanted = set(ids)
            return {pk: float(score) for pk, score in cursor.fetchall() if pk in wanted}

    @contextmanager
    def budget(self, milliseconds: int | None = None) -> Iterator[None]:
        """A progress handler that interrupts the running statement once ``SEARCH_RANK_BUDGET_MS``
        have passed (SQLite has no statement timeout); the interrupted read raises
        ``BudgetExceeded``. Interrupting a read leaves any transaction as it was."""
        milliseconds = int(settings.SEARCH_RANK_BUDGET_MS if milliseconds is None else milliseconds)
        if milliseconds <= 0:
            yield
            return
        connection = connections[self.using]
        connection.ensure_connection()
        raw = connection.connection
        deadline = time.monotonic() + milliseconds / 1000
        raw.set_progress_handler(lambda: time.monotonic() > deadline, BUDGET_CHECK_EVERY)
        try:
            yield
        except OperationalError as exc:
            if "interrupted" in str(exc):
                raise BudgetExceeded from exc
            raise
        finally:
            raw.set_progress_handler(None, BUDGET_CHECK_EVERY)

    # -- what the page shows

    def snippets(self, table: str, query: Query, ids: Iterable[int]) -> dict[int, dict[str, str]]:
        """``highlight()`` for a title, ``snippet()`` for the rest; a take's full text only when its
        summary's snippet holds no match (``SNIPPET_FALLBACKS``; the card shows it only then).
        ``snippet()`` of a full text repeating the 16 hostile words 25 times each costs ~1.3 ms a row
        (it scores a passage around each of the ~400 matches against all of them), 26 ms of a page
        of 20 whose summaries match anyway (docs/performance.md, "Hostile, third round")."""
        ids = list(ids)
        if not ids or not query.is_searchable:
            return {}
        columns = SNIPPET_COLUMNS[table]
        fts = f"{table}_fts"
        fts_columns = [c for c, _, _ in schema.DOCUMENTS[table]]

        def marked(column: str) -> str:
            if column == "title":
                return f"highlight({fts}, {fts_columns.index(column)}, '{START}', '{END}')"
            return f"snippet({fts}, {fts_columns.index(column)}, '{START}', '{END}', '{FRAGMENT}', {SNIPPET_WORDS})"

        fallback, other = SNIPPET_FALLBACKS.get(table, (None, None))
        selects = ", ".join(
            f"CASE WHEN instr({marked(other)}, '{START}') > 0 THEN NULL ELSE {marked(c)} END"
            if c == fallback
            else marked(c)
            for c in columns
        )
        placeholders = ", ".join(["%s"] * len(ids))
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, {selects} FROM {fts} WHERE {fts} MATCH %s AND rowid IN ({placeholders})",
                [to_fts5_match(query), *ids],
            )
            return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in cursor.fetchall()}

    def suggest_words(self, words: list[str]) -> dict[str, str]:
        """The words of the unstemmed FTS5 index (fts5vocab), narrowed to those that begin with
        the same letter and have about the same length, scored like pg_trgm's similarity()."""
        words = [w for w in dict.fromkeys(words) if len(w) >= 3][:5]
        if not words:
            return {}
        parts, params = [], []
        for word in words:
            first = word[0]
            parts.append(
                "SELECT %s, term FROM archive_search_words_vocab "
                "WHERE term >= %s AND term < %s AND length(term) BETWEEN %s AND %s"
            )
            params += [word, first, chr(ord(first) + 1), len(word) - 2, len(word) + 2]
        with connections[self.using].cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            candidates: dict[str, list[str]] = {}
            for word, term in cursor.fetchall():
                candidates.setdefault(word, []).append(term)
        suggestions = {}
        for word in words:
            terms = candidates.get(word, [])
            if word in terms:
                continue
            scored = sorted(((similarity(word, t), t) for t in terms), key=lambda st: (-st[0], st[1]))
            if scored and scored[0][0] >= WORD_SIMILARITY:
                suggestions[word] = scored[0][1]
        return suggestions

    def similar_experts(self, queryset: QuerySet, text: str, limit: int = 5) -> list:
        """SQLite has no trigram operator; the expert list is short (people, not documents), so
        every name is scored in Python with the same trigram measure. One query for the names.

        Only names with a word starting like one of the query's words (a misspelling rarely gets
        the first letter wrong): at 10,000 experts, scoring every name costs ~0.5 s."""
        text = name_text(text)
        if len(text) < 3:
            return []
        starts = Q()
        for word in text.split()[:4]:
            for column in ("name", "sort_name"):
                starts |= Q(**{f"{column}__istartswith": word[0]}) | Q(**{f"{column}__icontains": f" {word[0]}"})
        scored = []
        for expert in queryset.filter(starts).only("id", "name", "slug", "sort_name"):
            score = max(name_similarity(text, expert.name), similarity(text, expert.sort_name))
            if score >= NAME_SIMILARITY:
                expert.name_score = score
                scored.append(expert)
        scored.sort(key=lambda e: (-e.name_score, e.sort_name))
        return scored[:limit]

    def first_of_any(self, parts: Sequence[QuerySet], order: Sequence[str], limit: int) -> QuerySet:
        """SQLite cannot order and limit the parts of a UNION; it runs the OR row by row in
        ``order`` and stops after ``limit``."""
        return reduce(or_, parts).order_by(*order)[:limit]
