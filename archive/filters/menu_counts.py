"""Counts beside the choices of the /quotes/ and /experts/ filter menus: how many rows each choice
would give, so a menu whose filter is not chosen yet says what choosing would give with the other
filters kept (as the take list's facets do, archive/filters/facets.py). A menu whose value is
chosen shows no counts. Every count runs over at most ``FACET_CAP`` rows, read once, and the
counting itself is one statement per page; the result is kept in the cache against the data
version by the caller.

/quotes/: quotes per speaker, outlet, question, stance and theme among the list's own newest
``FACET_CAP`` quotes (with search words, the search's own candidates, reused from the page: no
second search; at 1,000,000 quotes a search per menu base cost up to 1.5 s cold). The candidates'
takes, speakers and outlets are read in one query, the takes' positions and themes in one more,
and the counts are added up in Python, each quote counted once per choice: five aggregations that
each joined the 1,000 quotes again cost 0.1–0.3 s cold for a Korean stem on SQLite
(docs/performance.md, "Menu counts").

/experts/: each menu counts the distinct experts who wrote a published take holding that stance
(answering that question, in that outlet, with that theme) which meets the other take filters, and
who meet the expert filters (organization, initial): exactly the experts the list would show with
that choice, counted over the newest ``FACET_CAP`` of those takes, as the take list's facets are.
Counting over the listed experts instead (their first 1,000 by name) read those experts under an
outlet or theme filter at 6 s and more cold on SQLite at 100,000 takes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet, Value

from archive.db.bulk import id_list
from archive.filters.facets import FACET_CAP, Branch, compiled, newest_ids, run_together
from archive.models import Position, Quote, Take, TakeAuthor
from archive.search.results import by_date

QUOTE_MENUS = ("speaker", "publication", "question", "stance", "theme")


@dataclass(frozen=True)
class MenuCounts:
    """Per menu, ``((choice key, count), ...)``; and the menus whose base held more than ``FACET_CAP`` rows."""

    counts: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    over: frozenset[str]

    def of(self, name: str) -> dict[str, int]:
        return dict(dict(self.counts).get(name, ()))


def first_ids(queryset: QuerySet) -> tuple[list[int], bool]:
    """The first ``FACET_CAP`` ids of ``queryset`` in its order, and whether it holds more."""
    ids = list(queryset.values_list("pk", flat=True)[: FACET_CAP + 1])
    return ids[:FACET_CAP], len(ids) > FACET_CAP


def _counted(name: str, rows: QuerySet, keys: tuple[str, ...], counted: str) -> Branch:
    """A branch of ``run_together``: ``rows`` counted per value of ``keys`` (distinct ``counted``)."""
    grouped = rows.order_by().values_list(*keys).annotate(n=Count(counted, distinct=True))
    return Branch(name, grouped, text=keys)


def _keyed(rows: list[tuple]) -> tuple[tuple[str, int], ...]:
    """``(key parts..., n)`` rows as ``(key, n)``: the parts joined by ``/`` (a question and its stance)."""
    return tuple(("/".join(str(part) for part in row[:-1]), row[-1]) for row in rows if row[0] is not None)


# --------------------------------------------------------------------------- /quotes/


def quote_menu_counts(
    quotes: QuerySet, candidates: tuple[list[int], bool] | None = None, wanted: frozenset[str] = frozenset(QUOTE_MENUS)
) -> MenuCounts:
    """Quotes per speaker, outlet, question, stance and theme (those ``wanted``: a menu past its
    listing limit shows no counts) among ``quotes`` (the filtered list): its newest ``FACET_CAP``,
    or ``candidates`` (ids, more) when a search found them already. Two queries at most (three
    when the ids are read here), whatever the number of choices."""
    names = [name for name in QUOTE_MENUS if name in wanted]
    if not names:
        return MenuCounts(counts=(), over=frozenset())
    ids, more = candidates if candidates is not None else first_ids(newest_quotes_first(quotes))
    over = frozenset(names) if more else frozenset()
    if not ids:
        return MenuCounts(counts=tuple((name, ()) for name in names), over=over)
    using = quotes.db
    # The speaker's and outlet's slugs only when counted: at 10,000 experts and 250 outlets those
    # menus are past their limit, and the quotes' own take ids are then all this query reads.
    columns = {"speaker": "speaker__slug", "publication": "take__publication__slug"}
    read = ["take_id", *(columns[name] for name in columns if name in wanted)]
    picked = list(Quote.objects.using(using).filter(pk__in=id_list(ids, using)).values_list(*read).order_by())
    per_take = Counter(row[0] for row in picked)
    counts = {name: Counter() for name in names}
    for index, name in enumerate(name for name in columns if name in wanted):
        counts[name].update(row[index + 1] for row in picked if row[index + 1])
    if {"question", "stance", "theme"} & set(names):
        tags = _take_tags(list(per_take), using)
        # One position per take and question, one tag per take and theme: a take's quotes count once each.
        for take_id, question, stance in tags["position"]:
            for name, key in (("question", question), ("stance", f"{question}/{stance}")):
                if name in counts:
                    counts[name][key] += per_take[take_id]
        for take_id, theme in tags["theme"] if "theme" in counts else ():
            counts["theme"][theme] += per_take[take_id]
    return MenuCounts(counts=tuple((name, tuple(counts[name].items())) for name in names), over=over)


def _take_tags(take_ids: list[int], using: str) -> dict[str, list[tuple]]:
    """The positions (take, question, stance) and themes (take, theme) of ``take_ids``, in one
    statement (``UNION ALL``): plain rows, a few per take, added up by the caller."""
    listed = id_list(take_ids, using)
    positions = (
        Position.objects.using(using)
        .filter(take_id__in=listed)
        .annotate(tag=Value("position"))
        .values_list("tag", "take_id", "question__slug", "stance__slug")
        .order_by()
    )
    themes = (
        Take.themes.through.objects.using(using)
        .filter(take_id__in=listed)
        .annotate(tag=Value("theme"), nothing=Value(""))
        .values_list("tag", "take_id", "theme__slug", "nothing")
        .order_by()
    )
    found: dict[str, list[tuple]] = {"position": [], "theme": []}
    for tag, take_id, slug, stance in positions.union(themes, all=True).order_by():
        found[tag].append((take_id, slug, stance) if tag == "position" else (take_id, slug))
    return found


def newest_quotes_first(quotes: QuerySet) -> QuerySet:
    """Newest first, as /quotes/ walks them (its index)."""
    return by_date(quotes, "take__published", "newest", "take_id", "order", "pk")


# --------------------------------------------------------------------------- /experts/


#: What each /experts/ menu counts its experts by: the takes' positions, outlet, themes.
EXPERT_MENU_KEYS = {
    "stance": ("take__positions__question__slug", "take__positions__stance__slug"),
    "question": ("take__positions__question__slug",),
    "publication": ("take__publication__slug",),
    "theme": ("take__themes__slug",),
}


def expert_menu_counts(
    takes: dict[str, QuerySet], authors: QuerySet | None, using: str, question: int | None = None
) -> MenuCounts:
    """Distinct experts per choice of each menu: among the authors of ``takes[name]`` (the
    published takes meeting every take filter but that menu's own, their newest ``FACET_CAP``),
    those ``authors`` leaves (the expert filters, or ``None``), whose take holds the stance
    (answers the question, is in the outlet, carries the theme). One statement for every menu,
    after reading each distinct set of takes' ids once (most menus share one).

    ``question``: the chosen question's id, whose stances are the only ones the Stance menu then
    lists: its stances alone are counted (the same counts; the takes' positions on the other
    questions, two in three of those the branch joined, are left unread)."""
    read: dict[tuple | None, tuple[list[int], bool]] = {}
    over, branches = set(), []
    for name in [name for name in EXPERT_MENU_KEYS if name in takes]:
        base = takes[name]
        if authors is not None:
            base = base.filter(Exists(TakeAuthor.objects.filter(take=OuterRef("pk"), expert__in=authors)))
        key = compiled(base, using)
        if key not in read:
            read[key] = ([], False) if key is None else newest_ids(base, FACET_CAP)
        take_ids, more = read[key]
        over |= {name} if more else set()
        if take_ids:
            wrote = TakeAuthor.objects.using(using).filter(take_id__in=id_list(take_ids, using))
            if authors is not None:
                wrote = wrote.filter(expert__in=authors)
            if name == "stance" and question is not None:
                wrote = wrote.filter(take__positions__question_id=question)
            branches.append(_counted(name, wrote, EXPERT_MENU_KEYS[name], "expert_id"))
    rows = run_together(branches, using) if branches else {}
    counts = tuple((name, _keyed(rows.get(name, []))) for name in EXPERT_MENU_KEYS if name in takes)
    return MenuCounts(counts=counts, over=frozenset(over))
