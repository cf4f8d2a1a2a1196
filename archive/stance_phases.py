"""Stances over time, in the phases of archive/phases.py: an expert's stance on each question per
phase (the expert page), and the experts whose stance changed between phases (a question's page).

An expert's stance in a phase is the stance of their newest take in it (the one they held last);
every stance they took in the phase is listed on their page with how many takes held it.
"""

# ruff: noqa: S608 - the SQL wraps a query the ORM compiled; values travel as parameters.
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, F

from archive.models import ExpertStance, Position, Question, TakeAuthor
from archive.phases import PHASES, Phase, phase_expression, phase_number

#: A question page lists at most this many experts who changed their mind (and says when there are more).
CHANGERS_SHOWN = 100


@dataclass
class Held:
    label: str
    position: int  # the stance's place on the scale (its colour)
    takes: int
    newest: datetime.date | None


@dataclass
class QuestionPhases:
    """One expert's stances on one question, per phase (index = Phase.number)."""

    text: str
    slug: str
    order: tuple
    cells: list[list[Held]] = field(default_factory=lambda: [[] for _ in PHASES])
    unplaced: int = 0  # takes not in any phase (undated, or dated only to a month or year that straddles two)

    @property
    def placed(self) -> bool:
        return any(self.cells)

    @property
    def changed(self) -> bool:
        latest = [cell[0].label for cell in self.cells if cell]
        return len(set(latest)) > 1


#: What ``expert_position_rows`` reads of each published position of an expert: enough to place it
#: in a phase (the stance per phase) and to rank it (the expert page's timeline), no take text.
POSITION_ROW = (
    "pk",
    "take_id",
    "question_id",
    "stance_id",
    "take__published",
    "take__date_precision",
    "question__text",
    "question__slug",
    "question__order",
    "stance__label",
    "stance__position",
)


def expert_position_rows(expert_id: int) -> list[tuple]:
    """Every published position of the expert's takes, as ``POSITION_ROW`` tuples, in one query: the
    expert page reads their takes' positions once, and both its timeline
    (``expert_timeline.newest_positions_of``) and its stance per phase (``expert_phases``) are made from
    these rows (each read them again before: two walks of the same ~1,000 positions, 3,700
    PostgreSQL buffers each for an author of 531 takes, and the phase's CASE compiled each time)."""
    their_takes = TakeAuthor.objects.filter(expert_id=expert_id).values("take_id")
    return list(Position.objects.published().filter(take__in=their_takes).order_by().values_list(*POSITION_ROW))


def expert_phases(expert_id: int, rows: list[tuple] | None = None) -> list[QuestionPhases]:
    """Per question the expert answered: the stances they held in each phase, newest first. From
    ``rows`` (``expert_position_rows``), read in one query when not given.

    Positions are counted per (question, stance label and place, phase), as the SQL ``GROUP BY``
    did; a phase's stances tied on their newest date and count keep that key's order."""
    rows = expert_position_rows(expert_id) if rows is None else rows
    phase_at: dict[tuple, int | None] = {}
    groups: dict[tuple, list] = {}
    for _, _, question_id, _, published, precision, text, slug, order, label, stance_at in rows:
        when = (published, precision)
        if when not in phase_at:
            phase_at[when] = phase_number(published, precision)
        key = (question_id, text, slug, order, label, stance_at, phase_at[when])
        found = groups.setdefault(key, [0, None])
        found[0] += 1
        if published is not None and (found[1] is None or published > found[1]):
            found[1] = published
    questions: dict[int, QuestionPhases] = {}
    for key in sorted(groups, key=lambda key: (*key[:6], -1 if key[6] is None else key[6])):
        question_id, text, slug, order, label, stance_at, phase_n = key
        n, newest = groups[key]
        entry = questions.setdefault(question_id, QuestionPhases(text, slug, (order, question_id)))
        if phase_n is None:
            entry.unplaced += n
        else:
            entry.cells[phase_n].append(Held(label, stance_at, n, newest))
    for entry in questions.values():
        for cell in entry.cells:
            cell.sort(key=lambda held: (held.newest or datetime.date.min, held.takes), reverse=True)
    return sorted(questions.values(), key=lambda entry: entry.order)


@dataclass
class Change:
    """An expert whose stance on a question in one phase differs from the phase before (of those they wrote in)."""

    expert_name: str
    expert_slug: str
    expert_sort: str
    before: Phase
    before_stance: str
    before_take: tuple[str, str]  # (slug, title)
    after: Phase
    after_stance: str
    after_take: tuple[str, str]


#: ``changes`` reads the positions of this many candidate experts first (by id), and the rest only
#: when those changed their mind fewer than ``CHANGERS_SHOWN + 1`` times. At 100,000 takes each
#: question's first 150 candidates hold 101 changes or more (the first 100: 88–101), and reading
#: 150 rather than 250 of them costs SQLite 16 ms of CPU instead of 22 (docs/performance.md,
#: "The question page and the take list under a question, cold").
CANDIDATES_FIRST = 150


def _candidates(question: Question, above: int | None, limit: int | None):
    """Experts who hold more than one stance on ``question`` in published takes (the who-holds-what
    summary, archive/db/stances.py): no one else can have changed their mind. By id, after ``above``."""
    rows = ExpertStance.objects.filter(question=question)
    if above is not None:
        rows = rows.filter(expert_id__gt=above)
    rows = rows.order_by("expert_id").values("expert_id").annotate(stances=Count("stance_id")).filter(stances__gt=1)
    return rows.values("expert_id")[:limit] if limit else rows.values("expert_id")


def _dated_positions(question: Question, candidates):
    """Every published position on ``question`` once per author among ``candidates``, with its phase
    (compiled by the ORM; the phase's CASE is computed once per row, the ranking is done around it in SQL)."""
    return (
        Position.objects.published()
        .filter(question=question, take__authorships__expert_id__in=candidates)
        .annotate(
            holder=F("take__authorships__expert_id"),
            phase_n=phase_expression("take__published", "take__date_precision"),
            day=F("take__published"),
        )
        .order_by()
        .values("holder", "phase_n", "stance_id", "take_id", "day")
    )


_CHANGES = """
    SELECT k.n, k.last, x.* FROM (SELECT count(*) AS n, max(expert_id) AS last FROM ({candidates}) a) k
    LEFT JOIN (
        SELECT c.holder AS holder_id, c.phase_n AS phase_order, e.name, e.slug, e.sort_name, c.prev_phase,
               ps.label AS was, pt.slug AS was_slug, pt.title AS was_title, c.phase_n AS after_phase,
               s.label AS now, t.slug AS now_slug, t.title AS now_title
        FROM (
            SELECT r.*, LAG(r.stance_id) OVER w AS prev_stance, LAG(r.take_id) OVER w AS prev_take,
                   LAG(r.phase_n) OVER w AS prev_phase
            FROM (
                SELECT l.*, ROW_NUMBER() OVER (
                    PARTITION BY l.holder, l.phase_n ORDER BY l.day DESC, l.take_id DESC
                ) AS choice
                FROM ({inner}) l WHERE l.phase_n IS NOT NULL
            ) r WHERE r.choice = 1
            WINDOW w AS (PARTITION BY r.holder ORDER BY r.phase_n)
        ) c
        JOIN archive_expert e ON e.id = c.holder
        JOIN archive_stance s ON s.id = c.stance_id
        JOIN archive_stance ps ON ps.id = c.prev_stance
        JOIN archive_take t ON t.id = c.take_id
        JOIN archive_take pt ON pt.id = c.prev_take
        WHERE c.prev_stance IS NOT NULL AND c.prev_stance <> c.stance_id
    ) x ON 1 = 1
    ORDER BY x.holder_id, x.phase_order
    LIMIT {limit}
"""


def _changes_among(question: Question, above: int | None, limit: int | None) -> tuple[list[tuple], int | None]:
    """The changes of the candidates after ``above`` (the first ``limit`` of them, or all), in one
    query; and the last candidate read when candidates may be left unread (None when none are)."""
    candidates = _candidates(question, above, limit)
    counted, counted_params = candidates.query.sql_with_params()
    inner, params = _dated_positions(question, candidates).query.sql_with_params()
    sql = _CHANGES.format(candidates=counted, inner=inner, limit=CHANGERS_SHOWN + 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, (*counted_params, *params))
        rows = cursor.fetchall()
    read, last = rows[0][0], rows[0][1]
    found = [row[4:] for row in rows if row[2] is not None]
    return found, last if limit is not None and read == limit else None


def changes(question: Question) -> tuple[list[Change], bool]:
    """Experts whose stance on ``question`` changed from one phase to the next they wrote in: the
    stance of their newest take in each phase, compared with the phase before. The first
    ``CHANGERS_SHOWN`` (by the expert's id), and whether there are more.

    Only experts holding more than one stance can have changed (the who-holds-what summary says
    which); their positions are read ``CANDIDATES_FIRST`` experts at a time, by id, not every
    position on the question (40,000 at 100,000 takes): one query, a second only when the first
    batch held too few changes (docs/performance.md, "Stance dates")."""
    found, last = _changes_among(question, None, CANDIDATES_FIRST)
    if len(found) <= CHANGERS_SHOWN and last is not None:
        more, _ = _changes_among(question, last, None)
        found = [*found, *more][: CHANGERS_SHOWN + 1]
    found = [
        Change(name, slug, sort, PHASES[before], was, (was_slug, was_title), PHASES[after], now, (now_slug, now_title))
        for name, slug, sort, before, was, was_slug, was_title, after, now, now_slug, now_title in found
    ]
    shown = found[:CHANGERS_SHOWN]
    shown.sort(key=lambda change: (change.expert_sort.lower(), change.expert_slug, change.after.number))
    return shown, len(found) > CHANGERS_SHOWN


def by_expert(found: list[Change]) -> list[list[Change]]:
    grouped: dict[str, list[Change]] = defaultdict(list)
    for change in found:
        grouped[change.expert_slug].append(change)
    return list(grouped.values())
