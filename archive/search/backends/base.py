"""What a search engine provides: the operations everything above ``backends/`` calls.

Each database's backend (``postgresql.py``, ``sqlite.py``) implements every operation with its own
index and SQL; ``archive.search.backends.backend(using)`` picks one per database alias. Callers
pass querysets and parsed queries (``archive.search.query.Query``), never raw text.
"""

from __future__ import annotations

import abc
import datetime
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.db.models import BooleanField, Expression, F, Func, IntegerField, QuerySet

from archive.search.query import Query

#: Words in a snippet of the matching passage.
SNIPPET_WORDS = 32

#: The highlighted columns of each searched table (takes' titles are highlighted whole).
SNIPPET_COLUMNS = {"archive_take": ("title", "summary", "body"), "archive_quote": ("text",)}

#: A column whose passage a page shows only when another's holds no match: (column, the other).
#: A take's card shows its summary's matching passage, else its full text's (``attach_snippets``),
#: so a backend may leave the full text's out (``None``) when the summary's has a match.
SNIPPET_FALLBACKS = {"archive_take": ("body", "summary")}


#: At most this many distinct words of a query are used to rank (its matching uses all of them).
RANK_WORDS = 16


class BudgetExceeded(Exception):
    """A search statement ran past its time budget and was stopped (``SearchBackend.budget``)."""


def rank_words(query: Query) -> list[str]:
    """The distinct words of ``query``'s required phrases, at most ``RANK_WORDS``: what ranking
    scores (excluded words match nothing, so they cannot raise a row)."""
    words = [word for group in query.required for phrase in group for word in phrase.words]
    return list(dict.fromkeys(words))[:RANK_WORDS]


@dataclass
class Candidates:
    """The rows relevance ranks: at most the cap, the most recently added first or in any order.

    ``rows`` are ``(id, date)``; ``count`` is capped at the cap, ``capped`` says there were more.
    ``scores``: ``None`` when the rows still need scoring (``SearchBackend.scores``), a dict when the
    query that found them scored them too; an empty dict means "scoring would cost more than it is
    worth: rank them newest first".
    """

    rows: list[tuple[int, datetime.date | None]]
    count: int
    capped: bool
    scores: dict[int, float] | None = None


class OwnTableCondition(Expression):
    """A WHERE condition on the queryset's own table, whatever alias the query gives it."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, table: str, match: str) -> None:
        super().__init__()
        self.table, self.match = table, match
        self.alias: str | None = None

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.alias = query.get_initial_alias()
        return clone

    def relabeled_clone(self, change_map):
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone


class SearchBackend(abc.ABC):
    """One database's full-text search. ``using`` is the database alias it serves."""

    def __init__(self, using: str) -> None:
        self.using = using

    # -- matching

    @abc.abstractmethod
    def filter_matches(self, queryset: QuerySet, query: Query) -> QuerySet:
        """``queryset`` narrowed to rows whose document matches ``query``, served by the index.
        Any other filter composes with it. A query with nothing searchable matches nothing."""

    @abc.abstractmethod
    def filter_matches_walking(self, queryset: QuerySet, query: Query) -> QuerySet:
        """Like ``filter_matches``, for a walk in the queryset's own order that stops early (a page
        of a common word by date)."""

    @abc.abstractmethod
    def newest_matches(self, queryset: QuerySet, query: Query, limit: int) -> QuerySet:
        """Up to ``limit`` rows of ``queryset`` matching ``query``, the most recently added (highest
        ids), as a queryset of those rows (in no particular order)."""

    # -- candidates and ranking

    @abc.abstractmethod
    def newest_window(self, base: QuerySet, query: Query, cap: int, date_field: str) -> Candidates | None:
        """The candidates of ``base`` (the caller's filters, without the search) for ``query``, read
        from the index's newest matches, when the engine has such a shortcut; ``None`` when the
        caller's one query for the most recently added ``cap + 1`` matches is the way.
        ``date_field`` is the date each row is sorted by (``published``, ``take__published``)."""

    @abc.abstractmethod
    def score_expression(self, table: str, query: Query) -> Expression | None:
        """The relevance of a row of ``table`` (the same score as ``scores``) as an annotation for the
        query that finds the candidates, or ``None`` when the engine scores only in ``scores``."""

    @abc.abstractmethod
    def scores(self, table: str, query: Query, ids: list[int]) -> dict[int, float]:
        """Relevance of each of ``ids`` (a bounded candidate set), higher is better. One query."""

    def position_in(self, ids: list[int]) -> Expression:
        """Each row's position in ``ids`` (integers read from the database), to order by."""
        whens = " ".join(f"WHEN {int(pk)} THEN {rank}" for rank, pk in enumerate(ids))
        return Func(F("pk"), template=f"CASE %(expressions)s {whens} END", output_field=IntegerField())

    @contextmanager
    def budget(self, milliseconds: int | None = None) -> Iterator[None]:
        """Run the statements inside within ``milliseconds`` (default: the setting
        ``SEARCH_RANK_BUDGET_MS``; 0: no budget): a statement that runs past it is
        stopped and ``BudgetExceeded`` raised instead of a database error, so the caller can fall
        back to something cheaper (the newest matches) rather than fail the request. The
        engine's own mechanism decides what "past it" means (docs/search.md, "Bounded cost")."""
        yield

    # -- what the page shows

    @abc.abstractmethod
    def snippets(self, table: str, query: Query, ids: Iterable[int]) -> dict[int, dict[str, str]]:
        """Marked-up text (``highlight`` sentinel characters, not HTML) of the shown rows only, by
        column of ``SNIPPET_COLUMNS``; the column of ``SNIPPET_FALLBACKS`` may be ``None`` where the
        other column's text holds a match. One query."""

    @abc.abstractmethod
    def suggest_words(self, words: list[str]) -> dict[str, str]:
        """A close, indexed spelling for each word that is not in the index itself. One query."""

    @abc.abstractmethod
    def similar_experts(self, queryset: QuerySet, text: str, limit: int = 5) -> list:
        """Experts of ``queryset`` whose name is close to ``text``: misspelt ("Larrison") or
        reordered ("Kim Soo"), closest first, each with ``name_score``."""

    @abc.abstractmethod
    def first_of_any(self, parts: Sequence[QuerySet], order: Sequence[str], limit: int) -> QuerySet:
        """The first ``limit`` rows, in ``order``, of the rows any of ``parts`` holds (querysets of
        one model, each with one condition, the same ``values_list``)."""
