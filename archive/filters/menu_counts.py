"""Counts beside the choices of the /quotes/ and /experts/ filter menus: how many of the list's
rows each choice holds, so a menu whose filter is not chosen yet says what choosing would give with
the other filters kept (as the take list's facets do, archive/filters/facets.py). A menu whose value
is chosen shows no counts.

The counts run over the list's own rows, at most ``FACET_CAP`` of them: the newest quotes (with
search words, the search's own candidates, reused from the page: no second search), the first
experts by name. Unlike the take facets, no menu counts over a base of its own: at 1,000,000 quotes,
a search per menu base cost up to 1.5 s cold (measured; docs/reading-pages.md). Each menu is one
aggregated query over that id list, and the result is kept in the cache against the data version
by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from archive.db.bulk import id_list
from archive.filters.facets import FACET_CAP
from archive.models import ExpertStance, Quote
from archive.search.results import by_date


@dataclass(frozen=True)
class MenuCounts:
    """Per menu, ``((choice key, count), ...)``; and the menus whose base held more than ``FACET_CAP`` rows."""

    counts: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    over: frozenset[str]

    def of(self, name: str) -> dict[str, int]:
        return dict(dict(self.counts).get(name, ()))


def _rows(queryset: QuerySet, *keys: str, counted: str = "id") -> tuple[tuple[str, int], ...]:
    """``queryset`` counted per value of ``keys`` (joined by ``/``: a question and its stance)."""
    rows = queryset.order_by().values_list(*keys).annotate(n=Count(counted, distinct=True))
    return tuple(("/".join(str(part) for part in row[:-1]), row[-1]) for row in rows if row[0] is not None)


def count_menus(ids: list[int], more: bool, using: str, counters: dict[str, Callable]) -> MenuCounts:
    """Each menu's counts: ``counters[name](the ids as an id list)``; ``more``: the list holds more."""
    listed = id_list(ids, using)
    counts = tuple((name, counter(listed) if ids else ()) for name, counter in counters.items())
    return MenuCounts(counts=counts, over=frozenset(counters) if more else frozenset())


def first_ids(queryset: QuerySet) -> tuple[list[int], bool]:
    """The first ``FACET_CAP`` ids of ``queryset`` in its order, and whether it holds more."""
    ids = list(queryset.values_list("pk", flat=True)[: FACET_CAP + 1])
    return ids[:FACET_CAP], len(ids) > FACET_CAP


def quote_menu_counts(quotes: QuerySet, candidates: tuple[list[int], bool] | None = None) -> MenuCounts:
    """Quotes per speaker, outlet, question, stance and theme among ``quotes`` (the filtered list):
    its newest ``FACET_CAP``, or ``candidates`` (ids, more) when a search found them already."""
    ids, more = candidates if candidates is not None else first_ids(newest_quotes_first(quotes))
    rows = Quote.objects.using(quotes.db)
    counters = {
        "speaker": lambda listed: _rows(rows.filter(pk__in=listed), "speaker__slug"),
        "publication": lambda listed: _rows(rows.filter(pk__in=listed), "take__publication__slug"),
        "question": lambda listed: _rows(rows.filter(pk__in=listed), "take__positions__question__slug"),
        "stance": lambda listed: _rows(
            rows.filter(pk__in=listed), "take__positions__question__slug", "take__positions__stance__slug"
        ),
        "theme": lambda listed: _rows(rows.filter(pk__in=listed), "take__themes__slug"),
    }
    return count_menus(ids, more, quotes.db, counters)


def newest_quotes_first(quotes: QuerySet) -> QuerySet:
    """Newest first, as /quotes/ walks them (its index)."""
    return by_date(quotes, "take__published", "newest", "take_id", "order", "pk")


def expert_menu_counts(experts: QuerySet) -> MenuCounts:
    """Experts per question and per stance (held in a published take: the who-holds-what table)
    among ``experts`` (the filtered list, its first ``FACET_CAP`` by name).

    The outlet and theme menus get no counts: counted from the listed experts' authorships they
    cost 0.6 s each cold at 100,000 takes on SQLite, and through the takes the other filters leave,
    27 s (measured); neither fits a page."""
    ids, more = first_ids(experts.order_by("sort_name", "name", "pk"))
    held = ExpertStance.objects.using(experts.db)
    counters = {
        "question": lambda listed: _rows(held.filter(expert_id__in=listed), "question__slug", counted="expert_id"),
        "stance": lambda listed: _rows(
            held.filter(expert_id__in=listed), "question__slug", "stance__slug", counted="expert_id"
        ),
    }
    return count_menus(ids, more, experts.db, counters)
