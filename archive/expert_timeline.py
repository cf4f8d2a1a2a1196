"""The expert page's "stances over time": an expert's newest published positions, ranked from the
rows its stance per phase reads too, grouped by question (moved out of reading.py, which the other
reading pages share).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet

from archive.models import Position, Question
from archive.reading import newest_first
from archive.stance_phases import expert_position_rows

#: What a line of the expert page's timeline reads of a position (templates/jinja2/archive/expert_detail.html
#: and cards/_stance_chip.html): no full text, no evidence.
TIMELINE_FIELDS = (
    "take_id",
    "question_id",
    "stance_id",
    "take__title",
    "take__slug",
    "take__published",
    "take__date_precision",
    "question__text",
    "question__slug",
    "question__short_label",
    "question__order",
    "stance__label",
    "stance__slug",
    "stance__position",
)


def _newest_position_first(row: tuple) -> tuple:
    """A position's place in an expert's timeline (``stance_phases.POSITION_ROW``): the newest take
    first (undated ones last), then the take's id downwards, then by question."""
    _, take_id, question_id, _, published, *_ = row
    return (published is None, -published.toordinal() if published else 0, -take_id, question_id)


def newest_positions_of(expert_id: int, limit: int, rows: list[tuple] | None = None) -> QuerySet:
    """An expert's ``limit`` newest published positions (newest take first, then by question), with
    take (its date, title and address), question and stance: what the expert page's "stances over
    time" lists (it shows no evidence: the take's page does).

    Ranked from ``rows``, every published position of the expert (``stance_phases.
    expert_position_rows``, which the page's stance per phase reads too; read here when not
    given), and only the ``limit`` first are then read with what the page shows, by id. Ranking
    them in SQL walked the expert's takes and their positions a second time; with ``ORDER BY …
    LIMIT`` over the joined rows, PostgreSQL walked the newest-first index of every published take
    (19,000 buffers for an author whose takes are older, at 100,000 takes).
    """
    rows = expert_position_rows(expert_id) if rows is None else rows
    ids = [row[0] for row in sorted(rows, key=_newest_position_first)[:limit]]
    newest = [F("take__published").desc(nulls_last=True), F("take_id").desc(), F("question_id").asc()]
    return (
        Position.objects.filter(pk__in=ids)
        .select_related("take", "question", "stance")
        .only(*TIMELINE_FIELDS)
        .order_by(*newest)
    )


@dataclass
class StanceOverTime:
    """An expert's positions on one question, oldest first."""

    question: Question
    positions: list[Position]

    @property
    def changed(self) -> bool:
        return len({p.stance_id for p in self.positions}) > 1


def stances_over_time(positions) -> list[StanceOverTime]:
    """Positions (one expert's, with take/question/stance loaded) grouped by question."""
    grouped: dict[int, StanceOverTime] = {}
    for position in positions:
        entry = grouped.setdefault(position.question_id, StanceOverTime(position.question, []))
        entry.positions.append(position)
    for entry in grouped.values():
        entry.positions.sort(key=newest_first)
    return sorted(grouped.values(), key=lambda e: (e.question.order, e.question.pk))
