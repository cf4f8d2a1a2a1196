"""Experts side by side (/compare/) and who agrees with whom (/agreement/): the page builders.

**Agreement.** Each expert's stance on a question is their *current* one: the stance of their
newest published take on it (the who-holds-what summary's ``newest``; on a tie of dates, or with
no date, the stance held in more takes, then the one first on the question's scale). Two experts
agree on a question when their current stances are the same; their agreement is the share of the
questions both answered on which they agree, shown with that number of questions. A stance an
expert held earlier and left is listed on /compare/ but does not count.

Both pages make a fixed number of queries whatever the number of experts: the comparison's
positions ranked in one windowed query over ids and dates (then the winners' rows), the matrix's
pairs in one self-join of the summary table limited to the top N experts (never pairs of positions
in Python).
"""

# ruff: noqa: S608 - SQL here is built from fixed fragments; values travel as parameters.
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import Lower, RowNumber
from django.utils.text import slugify

from archive.models import Expert, ExpertStance, Position, Question, Relation, Response, Status, TakeAuthor

MAX_COMPARED = 6
MATRIX_DEFAULT = 12
MATRIX_MAX = 40
RELATIONS = (Relation.AGREES, Relation.DISPUTES)


# --------------------------------------------------------------------------- /compare/


def resolve(values: list[str]) -> tuple[list[Expert], list[str]]:
    """The experts named (by slug, or by name whatever its case), in the order given, up to
    ``MAX_COMPARED``, with a notice for each value ignored. One query."""
    wanted = list(dict.fromkeys(" ".join(value.split())[:200] for value in values if value.strip()))
    notices = []
    if len(wanted) > MAX_COMPARED:
        notices.append(f"At most {MAX_COMPARED} experts can be compared: {', '.join(wanted[MAX_COMPARED:])} left out.")
        wanted = wanted[:MAX_COMPARED]
    slugs = {value: slugify(value) for value in wanted}
    rows = (
        Expert.objects.public()
        .alias(lower_name=Lower("name"))
        .filter(Q(slug__in=set(slugs.values())) | Q(lower_name__in=[value.lower() for value in wanted]))
        if wanted
        else []
    )
    by_slug = {expert.slug: expert for expert in rows}
    by_name = {expert.name.lower(): expert for expert in by_slug.values()}
    chosen, unknown = {}, []
    for value in wanted:
        expert = by_slug.get(slugs[value]) or by_name.get(value.lower())
        if expert is None:
            unknown.append(value)
        else:
            chosen.setdefault(expert.pk, expert)
    if unknown:
        notices.append(f"No published expert called {', '.join(unknown)}: ignored.")
    return list(chosen.values()), notices


@dataclass
class HeldStance:
    """A stance an expert held on a question: their newest take holding it, and how many did."""

    position: Position  # with take, stance and evidence (and its speaker) loaded
    takes: int


@dataclass
class CompareRow:
    question: Question
    cells: list[list[HeldStance]]  # per expert (the page's order), newest stance first

    @property
    def current(self) -> list[int | None]:
        return [cell[0].position.stance_id if cell else None for cell in self.cells]

    @property
    def verdict(self) -> str:
        """ "agree" when every expert who answered holds the same current stance (two at least),
        "differ" when they do not, "" when fewer than two answered."""
        answered = [stance for stance in self.current if stance is not None]
        if len(answered) < 2:
            return ""
        return "agree" if len(set(answered)) == 1 else "differ"


def _newest_per_stance(expert_ids: list[int]) -> list[tuple[int, int, int]]:
    """``(position id, expert id, takes)`` of each expert's newest published position per stance held,
    with how many takes held it: one windowed query over ids and dates only (the rows' text is
    fetched for the winners alone)."""
    holder = F("take__authorships__expert_id")
    partition = [holder, F("stance_id")]
    their_takes = TakeAuthor.objects.filter(expert_id__in=expert_ids).values("take_id")
    return (
        Position.objects.published()
        .filter(take__in=their_takes, take__authorships__expert_id__in=expert_ids)
        .annotate(
            holder_id=holder,
            rank=Window(
                RowNumber(),
                partition_by=partition,
                order_by=[F("take__published").desc(nulls_last=True), F("take_id").desc()],
            ),
            held=Window(Count("id"), partition_by=partition),
        )
        .filter(rank=1)
        .order_by()
        .values_list("pk", "holder_id", "held")
    )


def compare_rows(experts: list[Expert]) -> list[CompareRow]:
    """One row per question (all of them), each expert's stances on it: three queries."""
    ids = [expert.pk for expert in experts]
    newest = {pk: (holder, takes) for pk, holder, takes in _newest_per_stance(ids)} if ids else {}
    positions = (
        Position.objects.filter(pk__in=list(newest))
        .select_related("take", "stance", "evidence", "evidence__speaker")
        .defer("take__body", "take__summary", "take__standfirst")
        if newest
        else []
    )
    held: dict[tuple[int, int], list[HeldStance]] = defaultdict(list)
    for position in positions:
        holder, takes = newest[position.pk]
        held[position.question_id, holder].append(HeldStance(position, takes))
    rows = []
    for question in Question.objects.all():
        cells = []
        for expert_id in ids:
            cell = held.get((question.pk, expert_id), [])
            cell.sort(key=lambda h: (h.position.take.published is not None, h.position.take.published, h.takes))
            cells.append(cell[::-1])
        rows.append(CompareRow(question, cells))
    return rows


def responses_between(experts: list[Expert]) -> list[Response]:
    """Published responses in which one of ``experts`` (an author) answers another: one query (and
    one for the takes' authors)."""
    ids = [expert.pk for expert in experts]
    if len(ids) < 2:
        return []
    return list(
        Response.objects.filter(take__status=Status.PUBLISHED, expert_id__in=ids)
        .filter(take__authorships__expert_id__in=ids)
        .exclude(take__authorships__expert_id=F("expert_id"))
        .annotate(author_id=F("take__authorships__expert_id"))
        .select_related("take", "expert", "quote")
        .order_by("relation", "-take__published", "id")
    )


# --------------------------------------------------------------------------- /agreement/


def top_experts(n: int) -> list[dict]:
    """The ``n`` experts with the most positions (a take's stance on a question, counted per author),
    from the summary table: one grouped query."""
    return list(
        ExpertStance.objects.values("expert_id", "expert__name", "expert__slug")
        .annotate(positions=Sum("takes"))
        .order_by("-positions", "expert_id")[:n]
    )


#: Each expert's current stance per question (see the module's docstring), for the experts listed.
_CURRENT = """
    SELECT expert_id, question_id, stance_id FROM (
        SELECT es.expert_id, es.question_id, es.stance_id,
               ROW_NUMBER() OVER (
                   PARTITION BY es.expert_id, es.question_id
                   ORDER BY CASE WHEN es.newest IS NULL THEN 1 ELSE 0 END, es.newest DESC, es.takes DESC, s.position
               ) AS choice
        FROM archive_expertstance es JOIN archive_stance s ON s.id = es.stance_id
        WHERE es.expert_id IN ({ids})
    ) ranked WHERE choice = 1
"""

#: Per pair (first id lower): the questions both answered, and on how many their current stances agree.
_PAIRS = """
    WITH current_stance AS ({current})
    SELECT a.expert_id, b.expert_id, COUNT(*),
           SUM(CASE WHEN a.stance_id = b.stance_id THEN 1 ELSE 0 END)
    FROM current_stance a JOIN current_stance b ON b.question_id = a.question_id AND b.expert_id > a.expert_id
    GROUP BY a.expert_id, b.expert_id
"""


def pair_agreement(ids: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """{(lower id, higher id): (questions both answered, of which they agree on)}: one query."""
    if len(ids) < 2:
        return {}
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(_PAIRS.format(current=_CURRENT.format(ids=placeholders)), ids)
        return {(a, b): (both, same) for a, b, both, same in cursor.fetchall()}


def pair_responses(ids: list[int]) -> dict[tuple[int, int], dict[str, int]]:
    """{(lower id, higher id): {"agrees": n, "disputes": n}}: published responses either way between
    two of the experts, one grouped query."""
    rows = (
        Response.objects.filter(take__status=Status.PUBLISHED, relation__in=RELATIONS, expert_id__in=ids)
        .filter(take__authorships__expert_id__in=ids)
        .exclude(Q(take__authorships__expert_id=F("expert_id")))
        .order_by()
        .values("take__authorships__expert_id", "expert_id", "relation")
        .annotate(n=Count("id"))
    )
    marks: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        a, b = row["take__authorships__expert_id"], row["expert_id"]
        marks[min(a, b), max(a, b)][row["relation"]] += row["n"]
    return {pair: dict(counts) for pair, counts in marks.items()}


@dataclass
class Cell:
    both: int = 0
    same: int = 0
    agrees: int = 0
    disputes: int = 0
    url: str = ""
    diagonal: bool = False

    @property
    def share(self) -> int | None:
        return round(100 * self.same / self.both) if self.both else None

    @property
    def band(self) -> str:
        share = self.share
        return "" if share is None else "agree-same" if share >= 67 else "agree-differ" if share <= 33 else ""


@dataclass
class Matrix:
    experts: list[dict]
    rows: list[list[Cell]] = field(default_factory=list)


def matrix(n: int, compare_url: str) -> Matrix:
    """The agreement matrix of the top ``n`` experts: three queries whatever ``n``."""
    experts = top_experts(n)
    ids = [expert["expert_id"] for expert in experts]
    pairs, marks = pair_agreement(ids), pair_responses(ids)
    result = Matrix(experts)
    for a in experts:
        row = []
        for b in experts:
            pair = (min(a["expert_id"], b["expert_id"]), max(a["expert_id"], b["expert_id"]))
            both, same = pairs.get(pair, (0, 0))
            counts = marks.get(pair, {})
            row.append(
                Cell(
                    both=both,
                    same=same,
                    agrees=counts.get(Relation.AGREES, 0),
                    disputes=counts.get(Relation.DISPUTES, 0),
                    url=f"{compare_url}?experts={a['expert__slug']}&experts={b['expert__slug']}",
                    diagonal=a is b,
                )
            )
        result.rows.append(row)
    return result
