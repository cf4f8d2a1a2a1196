"""The take facets' counting statement: every facet's aggregation in ONE statement
(``run_together``), the facets counting columns of one set of takes reading those takes once
(``shared_windows``), and facets grouped by ids labelled last (``labelled_last``). Used by the
take list's facets (archive/filters/facets.py) and the menu counts (archive/filters/menu_counts.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from archive.models import Take


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
