"""PostgreSQL: a stored ``tsvector`` column with a GIN index, ``ts_rank``, ``ts_headline``, pg_trgm.

The index itself is defined in ``archive.db.search_index`` (docs/search.md, "PostgreSQL").
"""

# ruff: noqa: S608, S611 - table names come from the models; the reader's query is compiled by
# archive.search.query and passed only as a bound parameter.
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.models import BooleanField, F, FloatField, Func, IntegerField, QuerySet, Value
from django.db.models.expressions import RawSQL

from archive.db import search_index as schema
from archive.db.bulk import int_array
from archive.search.backends.base import (
    SNIPPET_COLUMNS,
    SNIPPET_WORDS,
    BudgetExceeded,
    Candidates,
    OwnTableCondition,
    SearchBackend,
    rank_words,
)
from archive.search.highlight import END, FRAGMENT, START
from archive.search.query import Query, matches_as_prefix, to_tsquery_text
from archive.search.similarity import NAME_SIMILARITY, WORD_SIMILARITY, name_text

CONFIG = schema.CONFIG

#: PostgreSQL's SQLSTATE for a statement cancelled by ``statement_timeout``.
QUERY_CANCELED = "57014"

#: The longest stretch of a long text ``ts_headline`` reads for a snippet (its cost grows with the
#: text it parses; a match further in shows the start of the summary instead).
HEADLINE_CHARS = 20_000

#: How many of the closest names (per name wanted) are tested against the caller's conditions.
CLOSEST_FACTOR = 10


class VectorMatches(OwnTableCondition):
    """``<alias>.search_vector @@ to_tsquery(…)``, served by the GIN index.

    (PostgreSQL has real booleans, so Django puts the condition in WHERE as it is. On SQLite it
    would append ``= true`` and hide the condition from the planner, hence ``pk__in`` there.)"""

    def as_sql(self, compiler, connection):
        column = f"{compiler.quote_name(self.alias)}.search_vector"
        return f"{column} @@ to_tsquery('{CONFIG}'::regconfig, %s)", [self.match]


def rank_tsquery_text(query: Query) -> str:
    """The query ``ts_rank`` scores with: the OR of the query's words (``rank_words``).

    With ``&`` (what the match uses) ``ts_rank`` compares the positions of every pair of query
    words: its cost grows with the square of how often they repeat, 2.6 ms a take for 16 words
    repeated 20–30 times in a 1,100-word body, 2.65 s for 1,001 candidates. With ``|`` it sums
    each word's weighted positions once, with a decreasing share for each repeat: linear and
    bounded (a tsvector keeps at most 256 positions a word), and repeating a word cannot buy
    rank. 0.1 s for the same 1,001 candidates (docs/performance.md, "Hostile search")."""
    return " | ".join(_word(word) for word in rank_words(query))


def _word(word: str) -> str:
    """A word of the ranking or highlighting query: a Korean word as a prefix, as the match has it."""
    return f"'{word}':*" if matches_as_prefix(word) else f"'{word}'"


def headline_tsquery_text(query: Query) -> str:
    """The query ``ts_headline`` marks with: the OR of the query's phrases (a phrase keeps its
    words in order). With ``&``, ts_headline looks for stretches holding every word, and with 16
    words repeated through a long body that search cost 28 ms a take (0.55 s for a page of 20);
    with ``|`` each phrase is a stretch of its own: 2 ms. Excluded words are in no match."""
    phrases = dict.fromkeys(phrase for group in query.required for phrase in group)
    return " | ".join("(" + " <-> ".join(_word(word) for word in phrase.words) + ")" for phrase in phrases)


def _headline(column: str, highlight_all: bool) -> str:
    if highlight_all:
        options = f"StartSel={START}, StopSel={END}, HighlightAll=true"
    else:
        options = (
            f"StartSel={START}, StopSel={END}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
            f"MaxFragments=2, FragmentDelimiter={FRAGMENT}"
        )
    return f"ts_headline('{CONFIG}'::regconfig, left({column}, {HEADLINE_CHARS}), q.query, '{options}')"


class PostgresBackend(SearchBackend):
    vendor = "postgresql"

    def filter_matches(self, queryset: QuerySet, query: Query) -> QuerySet:
        if not query.is_searchable:
            return queryset.none()
        return queryset.filter(VectorMatches(queryset.model._meta.db_table, to_tsquery_text(query)))

    def filter_matches_walking(self, queryset: QuerySet, query: Query) -> QuerySet:
        return self.filter_matches(queryset, query)

    def newest_matches(self, queryset: QuerySet, query: Query, limit: int) -> QuerySet:
        if not query.is_searchable:
            return queryset.none()
        newest = self.filter_matches(queryset, query).order_by("-pk").values("pk")[:limit]
        return queryset.model._default_manager.using(queryset.db).filter(pk__in=newest)

    def newest_window(self, base: QuerySet, query: Query, cap: int, date_field: str) -> Candidates | None:
        # The caller's one query for the most recently added cap + 1 matches, scored by
        # ``score_expression`` in the same query, is the plan here.
        return None

    def score_expression(self, table: str, query: Query) -> RawSQL | None:
        """``ts_rank`` computed by the query that reads the candidates: the rows are read for the
        match anyway, and a separate query would look 1,000 ids up again (docs/performance.md)."""
        if not query.is_searchable:
            return None
        return RawSQL(
            f"ts_rank({table}.search_vector, to_tsquery('{CONFIG}'::regconfig, %s), 1)",
            (rank_tsquery_text(query),),
            output_field=FloatField(),
        )

    def scores(self, table: str, query: Query, ids: list[int]) -> dict[int, float]:
        if not ids:
            return {}
        with connections[self.using].cursor() as cursor:
            # The ids as one array literal: 1,000 placeholders cost ~15 ms of Python per query.
            cursor.execute(
                f"SELECT id, ts_rank(search_vector, to_tsquery('{CONFIG}'::regconfig, %s), 1) "
                f"FROM {table} WHERE id = ANY(%s::bigint[])",
                [rank_tsquery_text(query), int_array(ids)],
            )
            return {pk: float(score) for pk, score in cursor.fetchall()}

    def position_in(self, ids: list[int]) -> Func:
        """``array_position`` in one array of the ids: a ``CASE`` of 1,000 ``WHEN``s is tested
        for each of 1,000 rows (0.1 s)."""
        return Func(
            Value(int_array(ids)),
            F("pk"),
            function="array_position",
            arg_joiner="::bigint[], ",
            output_field=IntegerField(),
        )

    @contextmanager
    def budget(self, milliseconds: int | None = None) -> Iterator[None]:
        """``statement_timeout`` lowered to ``SEARCH_RANK_BUDGET_MS`` for the statements inside, in
        a transaction of their own (``set_config(…, true)`` lasts until its end); a statement it
        cancels raises ``BudgetExceeded``. Inside a caller's transaction the statements run under
        the session's timeout and are not caught: a cancelled statement would abort that
        transaction, and nothing after it could run."""
        connection = connections[self.using]
        milliseconds = int(settings.SEARCH_RANK_BUDGET_MS if milliseconds is None else milliseconds)
        if connection.in_atomic_block or milliseconds <= 0:
            yield
            return
        try:
            with transaction.atomic(using=self.using):
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [f"{milliseconds}ms"])
                yield
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == QUERY_CANCELED:
                raise BudgetExceeded from exc
            raise

    def snippets(self, table: str, query: Query, ids: Iterable[int]) -> dict[int, dict[str, str]]:
        ids = list(ids)
        if not ids or not query.is_searchable:
            return {}
        columns = SNIPPET_COLUMNS[table]
        selects = ", ".join(_headline(f"t.{c}", highlight_all=(c == "title")) for c in columns)
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                f"SELECT t.id, {selects} FROM {table} t, "
                f"(SELECT to_tsquery('{CONFIG}'::regconfig, %s) AS query) q WHERE t.id = ANY(%s::bigint[])",
                [headline_tsquery_text(query), int_array(ids)],
            )
            return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in cursor.fetchall()}

    def suggest_words(self, words: list[str]) -> dict[str, str]:
        """Every word ever indexed (``archive_search_word``) through its pg_trgm index."""
        words = [w for w in dict.fromkeys(words) if len(w) >= 3][:5]
        if not words:
            return {}
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                """
                SELECT w.word,
                       EXISTS (SELECT 1 FROM archive_search_word s WHERE s.word = w.word),
                       (SELECT s.word FROM archive_search_word s
                         WHERE s.word %% w.word AND similarity(s.word, w.word) >= %s
                         ORDER BY similarity(s.word, w.word) DESC, s.word LIMIT 1)
                FROM unnest(%s::text[]) AS w(word)
                """,
                [WORD_SIMILARITY, words],
            )
            return {word: best for word, known, best in cursor.fetchall() if best and not known}

    def similar_experts(self, queryset: QuerySet, text: str, limit: int = 5) -> list:
        text = name_text(text)
        if len(text) < 3:
            return []
        score = "GREATEST(similarity(name, %s), word_similarity(%s, name), similarity(sort_name, %s))"
        # The closest names among all experts first (trigram indexes), then ``queryset``'s own
        # conditions on those few: a common name part ("Kim") is close to thousands of names, and
        # testing each against ``queryset`` (e.g. "appears in a published take") cost ~0.6 s.
        closest = (
            queryset.model._default_manager.using(queryset.db)
            .filter(RawSQL("(name %% %s OR %s <%% name OR sort_name %% %s)", (text, text, text), BooleanField()))
            .annotate(name_score=RawSQL(score, (text, text, text)))
            .filter(name_score__gte=NAME_SIMILARITY)
            .order_by("-name_score", "sort_name")
            .values("pk")[: limit * CLOSEST_FACTOR]
        )
        return list(
            queryset.filter(pk__in=closest)
            .annotate(name_score=RawSQL(score, (text, text, text)))
            .order_by("-name_score", "sort_name")[:limit]
        )

    def first_of_any(self, parts: Sequence[QuerySet], order: Sequence[str], limit: int) -> QuerySet:
        """The union of each part's first ``limit``, then the first ``limit`` of that.

        An OR of EXISTS tests cannot be turned into joins: PostgreSQL plans them as subplans and,
        counting on testing every row, hashes every row of each tested table first (~100 ms for
        the experts of 100,000 takes) even under ``LIMIT 101``. Each test alone is a semi-join
        walked in ``order`` that stops after ``limit`` rows (~1 ms), and the first ``limit`` of the
        union of the firsts are the first ``limit`` overall."""
        firsts = [part.order_by(*order)[:limit] for part in parts]
        return firsts[0].union(*firsts[1:]).order_by(*order)[:limit]
