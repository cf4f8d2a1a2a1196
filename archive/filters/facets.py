"""Facets beside the take list: what each choice would count under the other filters in force.

``FacetCounter`` runs the queries (one aggregation per facet, whatever the number of choices, the
six in one statement, ``run_together`` in archive/filters/together.py, where the facets counting
columns of one set of takes read those takes once, ``shared_windows``; plus one that reads each
distinct set of takes' newest ids); ``flat_facet`` and ``stance_facet`` turn its rows into the
choices the page lists, each with the link that applies or removes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db.models import Case, Count, QuerySet, When
from django.db.models.expressions import RawSQL
from django.http import QueryDict

from archive.db.bulk import id_list
from archive.filters.querystrings import QueryStrings
from archive.filters.together import Branch, TakeColumn, run_together
from archive.models import Collection, Expert, Position, Publication, Question, Stance, Take, TakeAuthor, Theme

#: Facet counts run over at most this many takes (the newest), and list this many choices at most.
FACET_CAP = 1000
FACET_CHOICES = 20
#: The results' newest ids kept with the counts: the take list's first pages (in date order) are
#: slices of them, so those pages read no ids of their own.
NEWEST_KEPT = 200


@dataclass
class Choice:
    label: str
    count: int | None
    selected: bool
    url: str


@dataclass(frozen=True)
class FacetCounts:
    """What ``FacetCounter.counts()`` reads from the database: immutable, so one value can
    serve every request made at the same data version."""

    total: int | None
    over: frozenset[str]  # facets whose counts cover only the newest FACET_CAP takes
    truncated: frozenset[str]  # facets with more than FACET_CHOICES choices
    themes: tuple
    experts: tuple
    publications: tuple
    collections: tuple
    kinds: tuple
    stances: tuple
    newest: tuple = ()  # the results' first NEWEST_KEPT ids, newest first: the list's first pages
    total_capped: bool = False  # a searched list's total counts no further than FACET_CAP ("1,000+")
    #: A searched list's newest FACET_CAP matches (the ones counted), which its chart shows: charting
    #: every match read every matching take's search document (0.8 s for 18,000 long takes).
    matches: tuple = ()


@dataclass
class FacetGroup:
    title: str = ""
    choice: Choice | None = None  # a group heading that is itself a choice (a question above its stances)
    choices: list[Choice] = field(default_factory=list)

    SHOWN = 8  # choices listed before the rest fold under "more" (only when that hides at least three)

    @property
    def first(self) -> list[Choice]:
        return self.choices if len(self.choices) <= self.SHOWN + 2 else self.choices[: self.SHOWN]

    @property
    def rest(self) -> list[Choice]:
        return self.choices[len(self.first) :]


@dataclass
class Facet:
    name: str
    title: str
    groups: list[FacetGroup]
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(group.choices or group.choice for group in self.groups)


def flat_facet(name, title, rows, selected, params, many=True, limit_note="") -> Facet:
    """A facet from ``rows`` of (slug, label, count); selected values always listed, even at zero."""
    counts = {slug: (label, n) for slug, label, n, *_ in rows}
    for slug, label in selected:
        counts.setdefault(slug, (label, 0))
    chosen = {slug for slug, _ in selected}
    ordered = sorted(counts.items(), key=lambda item: (item[0] not in chosen, -item[1][1], item[1][0].lower()))
    links = QueryStrings(params, name)
    choices = [
        Choice(label, n, slug in chosen, links.toggled(name, slug, many=many))
        for slug, (label, n) in ordered
        if n or slug in chosen
    ]
    return Facet(name, title, [FacetGroup(choices=choices)], note=limit_note)


def stance_facet(params: QueryDict, data: dict, rows: tuple) -> Facet:
    """Stances grouped under their question, each question itself a choice ("any stance on …")."""
    chosen_question = data["question"][0].slug if data.get("question") else None
    chosen_stances = {stance.pk for stance in data.get("stance") or []}
    chosen_stance_slugs = {stance.slug for stance in data.get("stance") or []}
    links = QueryStrings(params, "question", "stance")
    removed = links.without()
    groups: dict[int, FacetGroup] = {}
    totals: dict[int, int] = {}
    slugs: dict[int, str] = {}
    for _order, question_id, q_slug, short, text, _pos, s_slug, s_label, n in rows:
        slugs[question_id] = q_slug
        group = groups.get(question_id)
        if group is None:
            is_current = q_slug == chosen_question and not chosen_stances
            url = removed if is_current else links.build(question=[q_slug], stance=[])
            group = groups[question_id] = FacetGroup(
                title=short or text, choice=Choice(f"Any stance on “{short or text}”", 0, is_current, url)
            )
            totals[question_id] = 0
        totals[question_id] += n
        is_selected = q_slug == chosen_question and s_slug in chosen_stance_slugs
        url = removed if is_selected else links.build(question=[q_slug], stance=[s_slug])
        group.choices.append(Choice(s_label, n, is_selected, url))
    for question_id, group in groups.items():
        group.choice.count = totals[question_id]
    # A question chosen: its stances only (the chip above removes it, to choose another).
    shown = [
        group for question_id, group in groups.items() if not chosen_question or slugs[question_id] == chosen_question
    ]
    facet = Facet("stance", "Stances", shown)
    if chosen_question and not any(g.choice.selected or any(c.selected for c in g.choices) for g in facet.groups):
        # The chosen question or stance has no take under the other filters: still offer to remove it.
        question = data["question"][0]
        facet.groups.insert(
            0,
            FacetGroup(
                title=question.short_label or question.text,
                choice=Choice("(no takes under these filters)", 0, True, removed),
            ),
        )
    return facet


def add_limit_notes(facets: list[Facet], counts: FacetCounts) -> None:
    """Say under each facet when its counts cover only the newest takes, or list only the biggest."""
    for facet in facets:
        notes = [facet.note] if facet.note else []
        if facet.name in counts.over:
            notes.append(f"Counts cover the newest {FACET_CAP:,} takes these choices apply to.")
        if facet.name in counts.truncated:
            notes.append(f"The {FACET_CHOICES} with the most takes are listed.")
        facet.note = " ".join(notes)


# --------------------------------------------------------------------------- the counting queries


def compiled(qs: QuerySet, using: str) -> tuple[str, tuple] | None:
    """SQL and parameters of ``qs``'s ids (``None`` when the queryset can match nothing)."""
    try:
        sql, params = qs.order_by().values("pk").query.get_compiler(using).as_sql()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def newest_ids(queryset: QuerySet, cap: int) -> tuple[list[int], bool]:
    """The ids of ``queryset``'s newest ``cap`` takes, and whether it holds more than ``cap``."""
    ids = list(queryset.newest_first().values_list("pk", flat=True)[: cap + 1])
    return ids[:cap], len(ids) > cap


#: A stance facet row: its question (order, id, slug, short label, text), then its stance
#: (position, slug, label); ``n`` follows.
STANCE_COLUMNS = (
    "question__order",
    "question_id",
    "question__slug",
    "question__short_label",
    "question__text",
    "stance__position",
    "stance__slug",
    "stance__label",
)


class FacetCounter:
    """The queries behind the take list's facets: what each facet's choices count, as plain rows.

    ``bases`` are each facet's takes (the results under every *other* filter), ``results`` the
    page's own, ``chosen`` the rows each filter selects (listed even when they fall outside the
    biggest ``FACET_CHOICES``).

    Each facet counts over the ids of its takes — its newest FACET_CAP when it has more — read
    once per distinct set of takes (most facets share the page's own). As a list of at most
    FACET_CAP ids, each facet query is an index probe per id: as a subquery, SQLite (no
    statistics) scanned the facet's whole table testing each row (~20–27 ms a facet at 100,000
    takes). Read newest first, the way the page itself is listed, the ids come through the same
    index as the page (4 ms); unordered, SQLite read them through the kind index instead (29 ms).
    The six facets' aggregations then run as one statement (``run_together``).
    """

    def __init__(
        self, bases: dict[str, QuerySet], results: QuerySet, chosen: dict[str, list], counted: int | None = None
    ) -> None:
        self.bases = bases
        self.counted = counted  # the results' count, when the caller has it already
        self.results = results
        self.chosen = chosen
        self.read: dict[tuple | None, tuple[list[int], bool]] = {}
        self.bound: dict[tuple, RawSQL] = {}
        self.truncated: set[str] = set()
        self.keys: dict[int, tuple[QuerySet, tuple[str, tuple] | None]] = {}

    def newest(self, queryset: QuerySet) -> tuple[list[int], bool]:
        # Each set of takes is asked for a dozen times (sizes, ids, the total): its SQL, the key of
        # what was read, is compiled once per queryset (kept with it, so its id stays its own).
        known = self.keys.get(id(queryset))
        if known is None:
            known = self.keys[id(queryset)] = (queryset, compiled(queryset, queryset.db))
        key = known[1]
        if key not in self.read:
            self.read[key] = ([], False) if key is None else newest_ids(queryset, FACET_CAP)
        return self.read[key]

    def matching(self, name: str) -> RawSQL:
        ids = self.newest(self.bases[name])[0]
        key = tuple(ids)
        if key not in self.bound:  # most facets share one set of ids: bound once
            self.bound[key] = id_list(ids, self.results.db)
        return self.bound[key]

    def top(self, rows: QuerySet, key: str, name: str, labels: tuple, column: bool = False) -> Branch:
        """The ``FACET_CHOICES`` biggest of ``rows`` (grouped by ``key``, the id of ``labels``'s
        model, with ``n``), and the chosen ones whatever their size: one more is read, to know
        whether the facet lists only the biggest. Only those are joined to their slug and label
        (``labels``: model, slug field, label field): grouping the joined rows by their text looked
        up an expert for each of the ~1,150 authorships of 1,000 takes, to list 20."""
        chosen = [obj.pk for obj in self.chosen.get(name) or []]
        rows = rows.annotate(chosen=Case(When(**{f"{key}__in": chosen}, then=1), default=0))
        shown = FACET_CHOICES + len(chosen)
        model, *fields = labels
        return Branch(
            name,
            # Ties at the cut broken by id: the same choices whichever way the statement is planned.
            rows.order_by("-chosen", "-n", key)[: shown + 1],
            text=tuple(fields),
            shown=shown,
            labels=(model, key, tuple(fields)),
            # A column of the takes themselves (outlet, collection): countable from a shared window.
            column=TakeColumn(self.matching(name), key, tuple(chosen), shown + 1, not_null=True) if column else None,
        )

    def total(self) -> tuple[int, bool]:
        """The page's total: the length of its own ids when they fit under the cap, else counted;
        and whether it was capped. A searched list is not counted past the cap (as /search/
        counts): counting every match reads every matching row's search document, a cost that
        grows with the data (0.8 s for 17,500 takes of 1,100 words each, docs/performance.md)."""
        ids, more = self.newest(self.results)
        if more and self.chosen.get("q"):
            return len(ids), True
        if not more:
            return len(ids), False
        return (self.counted if self.counted is not None else self.results.count()), False

    def counts(self) -> FacetCounts:
        over = {name: self.newest(base)[1] for name, base in self.bases.items()}
        total, capped = self.total()
        branches = self.branches()
        rows = run_together(branches, self.results.db)
        for branch in branches:
            if branch.shown is not None and len(rows[branch.name]) > branch.shown:
                self.truncated.add(branch.name)
                rows[branch.name] = rows[branch.name][: branch.shown]
        return FacetCounts(
            total=total,
            total_capped=capped,
            over=frozenset(name for name, is_over in over.items() if is_over),
            themes=tuple(rows["theme"]),
            experts=tuple(rows["expert"]),
            publications=tuple(rows["publication"]),
            collections=tuple(rows["collection"]),
            kinds=tuple(rows["kind"]),
            # Grouped under their question, in the questions' order: (order, question, …, stance position, …)
            stances=tuple(sorted(rows["stance"], key=lambda row: (row[0], row[1], row[5]))),
            truncated=frozenset(self.truncated),
            newest=tuple(self.newest(self.results)[0][:NEWEST_KEPT]),
            matches=tuple(self.newest(self.results)[0]) if self.chosen.get("q") else (),
        )

    def branches(self) -> list[Branch]:
        """Each facet's counting query (aggregated over the ids of its takes), run together."""
        # The stances first: the only branch with every column, so PostgreSQL, which resolves a
        # chain of UNIONs pair by pair, types the columns the other branches leave NULL from it.
        return [
            Branch(
                "stance",
                # Grouped by question and stance ids; their text joined to the grouped rows only.
                Position.objects.filter(take__in=self.matching("stance"))
                .values_list("question_id", "stance_id")
                .annotate(n=Count("take_id"))
                .order_by(),
                text=("question__slug", "question__short_label", "question__text", "stance__slug", "stance__label"),
                numbers=("question__order", "question_id", "stance__position"),
                joins=(("question", Question), ("stance", Stance)),
                columns=STANCE_COLUMNS,
            ),
            self.top(
                Take.themes.through.objects.filter(take__in=self.matching("theme"))
                .values_list("theme_id")
                .annotate(n=Count("take_id")),
                "theme_id",
                "theme",
                (Theme, "slug", "name"),
            ),
            self.top(
                TakeAuthor.objects.filter(take__in=self.matching("expert"))
                .values_list("expert_id")
                .annotate(n=Count("take_id")),
                "expert_id",
                "expert",
                (Expert, "slug", "name"),
            ),
            self.top(
                Take.objects.filter(pk__in=self.matching("publication"), publication__isnull=False)
                .values_list("publication_id")
                .annotate(n=Count("id")),
                "publication_id",
                "publication",
                (Publication, "slug", "name"),
                column=True,
            ),
            self.top(
                Take.objects.filter(pk__in=self.matching("collection"), collection__isnull=False)
                .values_list("collection_id")
                .annotate(n=Count("id")),
                "collection_id",
                "collection",
                (Collection, "slug", "title"),
                column=True,
            ),
            Branch(
                "kind",
                Take.objects.filter(pk__in=self.matching("kind"))
                .values_list("kind")
                .annotate(n=Count("id"))
                .order_by(),
                text=("kind",),
                column=TakeColumn(self.matching("kind"), "kind"),
            ),
        ]
