"""Facets beside the take list: what each choice would count under the other filters in force.

``FacetCounter`` runs the queries (one aggregated query per facet, whatever the number of choices,
plus one that reads each distinct set of takes' newest ids); ``flat_facet`` and ``stance_facet``
turn its rows into the choices the page lists, each with the link that applies or removes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db.models import Case, Count, QuerySet, When
from django.db.models.expressions import RawSQL
from django.http import QueryDict

from archive.db.bulk import id_list
from archive.filters.querystrings import QueryStrings
from archive.models import Position, Take, TakeAuthor

#: Facet counts run over at most this many takes (the newest), and list this many choices at most.
FACET_CAP = 1000
FACET_CHOICES = 20


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
    """

    def __init__(self, bases: dict[str, QuerySet], results: QuerySet, chosen: dict[str, list]) -> None:
        self.bases = bases
        self.results = results
        self.chosen = chosen
        self.read: dict[tuple | None, tuple[list[int], bool]] = {}
        self.truncated: set[str] = set()

    def newest(self, queryset: QuerySet) -> tuple[list[int], bool]:
        key = compiled(queryset, queryset.db)
        if key not in self.read:
            self.read[key] = ([], False) if key is None else newest_ids(queryset, FACET_CAP)
        return self.read[key]

    def matching(self, name: str) -> RawSQL:
        return id_list(self.newest(self.bases[name])[0], self.results.db)

    def top(self, rows: QuerySet, chosen_field: str, name: str) -> tuple:
        """The ``FACET_CHOICES`` biggest of ``rows``, and the chosen ones whatever their size."""
        chosen = [obj.pk for obj in self.chosen.get(name) or []]
        rows = rows.annotate(chosen=Case(When(**{f"{chosen_field}__in": chosen}, then=1), default=0))
        listed = list(rows.order_by("-chosen", "-n")[: FACET_CHOICES + len(chosen) + 1])
        if len(listed) > FACET_CHOICES + len(chosen):
            self.truncated.add(name)
        return tuple(listed[: FACET_CHOICES + len(chosen)])

    def total(self) -> int:
        """The page's total: the length of its own ids when they fit under the cap, else counted."""
        ids, more = self.newest(self.results)
        return self.results.count() if more else len(ids)

    def counts(self) -> FacetCounts:
        over = {name: self.newest(base)[1] for name, base in self.bases.items()}
        total = self.total()
        return FacetCounts(
            total=total,
            over=frozenset(name for name, is_over in over.items() if is_over),
            themes=self.top(
                Take.themes.through.objects.filter(take__in=self.matching("theme"))
                .values_list("theme__slug", "theme__name")
                .annotate(n=Count("take_id")),
                "theme_id",
                "theme",
            ),
            experts=self.top(
                TakeAuthor.objects.filter(take__in=self.matching("expert"))
                .values_list("expert__slug", "expert__name")
                .annotate(n=Count("take_id")),
                "expert_id",
                "expert",
            ),
            publications=self.top(
                Take.objects.filter(pk__in=self.matching("publication"), publication__isnull=False)
                .values_list("publication__slug", "publication__name")
                .annotate(n=Count("id")),
                "publication_id",
                "publication",
            ),
            collections=self.top(
                Take.objects.filter(pk__in=self.matching("collection"), collection__isnull=False)
                .values_list("collection__slug", "collection__title")
                .annotate(n=Count("id")),
                "collection_id",
                "collection",
            ),
            kinds=tuple(
                Take.objects.filter(pk__in=self.matching("kind")).values_list("kind").annotate(n=Count("id")).order_by()
            ),
            stances=self.stances(),
            truncated=frozenset(self.truncated),
        )

    def stances(self) -> tuple:
        return tuple(
            Position.objects.filter(take__in=self.matching("stance"))
            .values_list(
                "question__order",
                "question_id",
                "question__slug",
                "question__short_label",
                "question__text",
                "stance__position",
                "stance__slug",
                "stance__label",
            )
            .annotate(n=Count("take_id"))
            .order_by("question__order", "question_id", "stance__position")
        )
