"""Counts beside the choices of the /quotes/ and /experts/ filter menus: how many rows each choice
would give with the other filters kept, as the take list's facets count (archive/filters/facets.py).

Each menu counts over the rows of its base (the list under every *other* filter): their ids are
read once per distinct base, at most ``FACET_CAP`` of them (the newest quotes; the first experts by
name), and each menu's choices are counted in one aggregated query over that id list. When a base
holds more, the menu says its counts cover only those rows. The whole result is kept in the cache
against the data version by the caller, so every page of a list shares it until the next write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from archive.db.bulk import id_list
from archive.filters.facets import FACET_CAP, compiled
from archive.models import ExpertStance, Quote, Status, Take, TakeAuthor
from archive.search.results import by_date, newest_matches


@dataclass(frozen=True)
class MenuCounts:
    """Per menu, ``((choice key, count), ...)``; and the menus whose base held more than ``FACET_CAP`` rows."""

    counts: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    over: frozenset[str]

    def of(self, name: str) -> dict[str, int]:
        return dict(dict(self.counts).get(name, ()))


class IdReader:
    """The ids of each distinct base, read once: at most ``FACET_CAP`` of them, in the order the
    list itself walks (``ordered``: the queryset in that order; its index makes the read cheap)."""

    def __init__(self, ordered: Callable[[QuerySet], QuerySet]) -> None:
        self.ordered = ordered
        self.read: dict[tuple | None, tuple[list[int], bool]] = {}

    def ids(self, queryset: QuerySet) -> tuple[list[int], bool]:
        key = compiled(queryset, queryset.db)
        if key not in self.read:
            if key is None:
                self.read[key] = ([], False)
            else:
                ids = list(self.ordered(queryset).values_list("pk", flat=True)[: FACET_CAP + 1])
                self.read[key] = (ids[:FACET_CAP], len(ids) > FACET_CAP)
        return self.read[key]


class SearchIdReader(IdReader):
    """With search words: each base's newest ``COUNT_CAP`` matches, through the search engine's own
    candidates (archive/search/results.py), the read the search page itself makes."""

    def __init__(self, query) -> None:
        super().__init__(lambda qs: qs)
        self.query = query

    def ids(self, queryset: QuerySet) -> tuple[list[int], bool]:
        key = compiled(queryset, queryset.db)
        if key not in self.read:
            found = newest_matches(queryset, self.query)
            self.read[key] = ([pk for pk, _ in found.rows], found.capped)
        return self.read[key]


def _rows(queryset: QuerySet, *keys: str, counted: str = "id") -> tuple[tuple[str, int], ...]:
    """``queryset`` counted per value of ``keys`` (joined by ``/``: a question and its stance)."""
    rows = queryset.order_by().values_list(*keys).annotate(n=Count(counted, distinct=True))
    return tuple(("/".join(str(part) for part in row[:-1]), row[-1]) for row in rows if row[0] is not None)


def count_menus(bases: dict[str, QuerySet], reader: IdReader, counters: dict[str, Callable]) -> MenuCounts:
    """Each menu's counts: ``counters[name](ids as an id list)`` over the ids of ``bases[name]``."""
    counts, over = [], set()
    for name, counter in counters.items():
        ids, more = reader.ids(bases[name])
        if more:
            over.add(name)
        counts.append((name, counter(id_list(ids, bases[name].db)) if ids else ()))
    return MenuCounts(counts=tuple(counts), over=frozenset(over))


def quote_menu_counts(bases: dict[str, QuerySet], query=None) -> MenuCounts:
    """Quotes per speaker, outlet, question, stance and theme (``bases``: each menu's quotes, without
    the search; ``query``: the search words, when there are some)."""
    quotes = Quote.objects.using(next(iter(bases.values())).db)
    counters = {
        "speaker": lambda ids: _rows(quotes.filter(pk__in=ids), "speaker__slug"),
        "publication": lambda ids: _rows(quotes.filter(pk__in=ids), "take__publication__slug"),
        "question": lambda ids: _rows(quotes.filter(pk__in=ids), "take__positions__question__slug"),
        "stance": lambda ids: _rows(
            quotes.filter(pk__in=ids), "take__positions__question__slug", "take__positions__stance__slug"
        ),
        "theme": lambda ids: _rows(quotes.filter(pk__in=ids), "take__themes__slug"),
    }
    if query is not None and query.is_searchable:
        reader: IdReader = SearchIdReader(query)
    else:  # newest first, as the list walks them (its index)
        reader = IdReader(lambda qs: by_date(qs, "take__published", "newest", "take_id", "order", "pk"))
    return count_menus(bases, reader, counters)


def expert_menu_counts(bases: dict[str, QuerySet], takes: dict[str, QuerySet]) -> MenuCounts:
    """Experts per question, stance, outlet and theme (``bases``: each menu's experts; ``takes``:
    the published takes the outlet and theme menus' other take filters leave)."""
    using = next(iter(bases.values())).db
    held = ExpertStance.objects.using(using)
    authorships = TakeAuthor.objects.using(using).filter(take__status=Status.PUBLISHED)
    tags = Take.themes.through.objects.using(using)
    counters = {
        "question": lambda ids: _rows(held.filter(expert_id__in=ids), "question__slug", counted="expert_id"),
        "stance": lambda ids: _rows(
            held.filter(expert_id__in=ids), "question__slug", "stance__slug", counted="expert_id"
        ),
        "publication": lambda ids: _rows(
            authorships.filter(expert_id__in=ids, take__in=takes["publication"].values("pk")),
            "take__publication__slug",
            counted="expert_id",
        ),
        "theme": lambda ids: _rows(
            tags.filter(take__in=takes["theme"].values("pk"), take__authorships__expert_id__in=ids),
            "theme__slug",
            counted="take__authorships__expert_id",
        ),
    }
    return count_menus(bases, IdReader(lambda qs: qs.order_by("sort_name", "name", "pk")), counters)
