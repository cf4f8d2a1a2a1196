"""Facets beside the take list: what each choice would count under the other filters in force.

``FacetCounter`` runs the queries (one aggregation per facet, whatever the number of choices, the
six in one statement, ``run_together``, where the facets counting columns of one set of takes
read those takes once, ``shared_windows``; plus one that reads each distinct set of takes' newest
ids); ``flat_facet`` and ``stance_facet`` turn its rows into the choices the page lists, each with
the link that applies or removes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Count, QuerySet, When
from django.db.models.expressions import RawSQL
from django.http import QueryDict

from archive.db.bulk import id_list
from archive.filters.querystrings import QueryStrings
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


@dataclass(frozen=True)
class Branch:
    """One facet's counting query, a ``values_list`` queryset annotated with ``n`` (and ``chosen``),
    and where its columns go in the combined statement (``run_together``): ``text`` and ``numbers``
    are its value columns in the order its rows give them back."""

    name: str
    rows: QuerySet
    text: tuple = ()
    numbers: tuple = ()
    shown: int | None = None  # choices listed at most (the query reads one more)
    #: (model, key, fields): ``rows`` are grouped by ``key``, an id of ``model``, and the statement
    #: joins only the rows it keeps to ``model`` for their ``fields`` (``text``), the slug and label.
    labels: tuple | None = None
    #: A branch that counts one column of the takes in an id list (``TakeColumn``): when other
    #: branches count columns of the same takes, the statement reads those takes once for all.
    column: TakeColumn | None = None
    #: ((relation, model), …): ``rows`` are grouped by each relation's id (``relation_id``) and the
    #: statement joins its grouped rows to each ``model`` for the columns named ``relation__field``
    #: in ``text`` and ``numbers``; ``columns`` is then the rows' order (every name, ``n`` last).
    joins: tuple = ()
    columns: tuple = ()


@dataclass(frozen=True)
class TakeColumn:
    """What a branch counts when it groups the takes of an id list by one of their columns, as its
    ``rows`` queryset does: the takes (``ids``, bound once per set), the column (``field``), the
    chosen values listed first (``chosen``, with ``limit``: the rows read) and whether takes without
    a value are left out (``not_null``)."""

    ids: RawSQL
    field: str
    chosen: tuple = ()
    limit: int | None = None
    not_null: bool = False


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

#: The columns every branch fills in ``run_together``: text values, then numbers, then ``n``.
TEXT_SLOTS = 5
NUMBER_SLOTS = 3


def run_together(branches: list[Branch], using: str) -> dict[str, list[tuple]]:
    """Every branch's rows from ONE statement: each branch a derived table (its own grouping, order
    and limit), joined by ``UNION ALL`` into columns of one shape, each row tagged with its branch.

    Six facet queries cost six plannings, six round trips and six ORM compilations; together they
    are planned and sent once (docs/performance.md, "Sixth round"). ``UNION ALL`` of derived
    tables is plain SQL on both databases; a branch that can match nothing is left out.
    """
    parts, params = [], []
    qn = connections[using].ops.quote_name
    windows, window_params = shared_windows(branches, using)
    for index, branch in enumerate(branches):
        window = windows.get(id(branch.column.ids)) if branch.column else None
        try:
            if window:
                sql, branch_params = counted_in_window(branch.column, window[0], qn)
            else:
                sql, branch_params = branch.rows.query.get_compiler(using).as_sql()
        except EmptyResultSet:
            continue
        source = f"({sql}) f"
        text = [f"f.{qn(c)}" for c in branch.text]
        numbers = [f"f.{qn(c)}" for c in branch.numbers]
        if branch.labels:
            model, key, fields = branch.labels
            meta = model._meta
            source += f" JOIN {qn(meta.db_table)} l ON l.{qn(meta.pk.column)} = f.{qn(key)}"
            text = [f"l.{qn(meta.get_field(name).column)}" for name in fields]
        elif branch.joins:
            source, text, numbers = labelled_last(branch, source, qn)
        text += ["NULL"] * (TEXT_SLOTS - len(text))
        numbers += ["NULL"] * (NUMBER_SLOTS - len(numbers))
        # Column names are the branches' own aliases and the models' columns, quoted; values stay
        # bound parameters.
        parts.append(f"SELECT {index}, {', '.join(text + numbers)}, f.{qn('n')} FROM {source}")  # noqa: S608
        params.extend(branch_params)
    rows: dict[str, list[tuple]] = {branch.name: [] for branch in branches}
    if not parts:
        return rows
    with_clause = ""
    if windows:
        with_clause = "WITH " + ", ".join(definition for _, definition in windows.values()) + " "
        params = [*window_params, *params]
    with connections[using].cursor() as cursor:
        cursor.execute(with_clause + " UNION ALL ".join(parts), params)
        fetched = cursor.fetchall()
    for index, *values in fetched:
        branch = branches[index]
        text = values[: len(branch.text)]
        numbers = values[TEXT_SLOTS : TEXT_SLOTS + len(branch.numbers)]
        rows[branch.name].append(branch_row(branch, text, numbers, values[-1]))
    return rows


def shared_windows(branches: list[Branch], using: str) -> tuple[dict[int, tuple[str, str]], list]:
    """For each id list whose takes two or more branches count a column of (``TakeColumn``), a
    common table expression that reads those takes' counted columns once: ``{id of the id list:
    (its name, "name AS (SELECT …)")}``, and its parameters. Named more than once in the statement, it is
    computed once, on both databases (PostgreSQL and SQLite materialize such a CTE): the outlet,
    collection and kind facets of the unfiltered list read 1,000 takes once instead of three times
    (docs/performance.md, "Eighth round")."""
    sharing: dict[int, list[TakeColumn]] = {}
    for branch in branches:
        if branch.column is not None:
            sharing.setdefault(id(branch.column.ids), []).append(branch.column)
    windows: dict[int, tuple[str, str]] = {}
    params: list = []
    qn = connections[using].ops.quote_name
    for key, columns in sharing.items():
        if len(columns) < 2:
            continue
        fields = sorted({column.field for column in columns})
        takes = Take.objects.filter(pk__in=columns[0].ids).values(*fields)
        try:
            sql, window_params = takes.query.get_compiler(using).as_sql()
        except EmptyResultSet:
            continue
        name = qn(f"window_{len(windows)}")
        windows[key] = (name, f"{name} AS ({sql})")
        params.extend(window_params)
    return windows, params


def counted_in_window(column: TakeColumn, name: str, qn) -> tuple[str, list]:
    """The rows of a ``TakeColumn`` branch, counted from its shared window ``name``
    (``shared_windows``): the columns, grouping, order and limit of the branch's own ``rows``."""
    field = qn(Take._meta.get_field(column.field).column)
    where = f" WHERE {field} IS NOT NULL" if column.not_null else ""
    if column.limit is None:
        return f"SELECT {field}, COUNT(*) AS {qn('n')} FROM {name}{where} GROUP BY {field}", []  # noqa: S608
    params: list = list(column.chosen)
    chosen = f"CASE WHEN {field} IN ({', '.join(['%s'] * len(params))}) THEN 1 ELSE 0 END" if params else "0"
    sql = (
        f"SELECT {field}, COUNT(*) AS {qn('n')}, {chosen} AS {qn('chosen')} FROM {name}{where} "  # noqa: S608
        f"GROUP BY {field} ORDER BY {qn('chosen')} DESC, {qn('n')} DESC, {field} LIMIT {int(column.limit)}"
    )
    return sql, params


def labelled_last(branch: Branch, source: str, qn) -> tuple[str, list[str], list[str]]:
    """A ``joins`` branch's source and columns: its rows, grouped by ids alone, joined to each
    related model for the text and numbers they show (``relation__field``; a name without ``__`` is
    a column of the grouped rows). Grouping the positions of 1,000 takes by their question's and
    stance's text hashed ~2,000 joined rows by eight columns (PostgreSQL 11 ms, docs/performance.md,
    "Ninth round"); by two ids, then joined for the twenty rows kept, 1.8 ms."""
    models = dict(branch.joins)
    for relation, model in branch.joins:
        meta = model._meta
        source += f" JOIN {qn(meta.db_table)} {qn('l_' + relation)}"
        source += f" ON {qn('l_' + relation)}.{qn(meta.pk.column)} = f.{qn(relation + '_id')}"

    def column(name: str) -> str:
        if "__" not in name:
            return f"f.{qn(name)}"
        relation, field = name.split("__")
        return f"{qn('l_' + relation)}.{qn(models[relation]._meta.get_field(field).column)}"

    return source, [column(name) for name in branch.text], [column(name) for name in branch.numbers]


def branch_row(branch: Branch, text: list, numbers: list, n: int) -> tuple:
    """A row in its branch's own column order, as its ``values_list`` queryset would give it (with
    ``labels``: the label fields in their order, then ``n``; with ``joins``: ``columns``)."""
    if branch.labels:
        return (*text, n)
    by_name = dict(zip(branch.text, text, strict=True)) | dict(zip(branch.numbers, numbers, strict=True))
    return (*(by_name[column] for column in branch.columns or branch.rows.query.values_select), n)


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
