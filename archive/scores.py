"""Experts' prediction records, counted by the database: resolved predictions, how many came true,
and a Brier score (docs/reading-pages.md "Predictions"); a prediction counts for every author of
its take.

``records()`` reads the sums the database keeps per expert (archive/db/expert_records.py: one
row per expert, not a join of every published take with its authors and predictions);
``live_records()`` counts them from the predictions themselves, the reference the kept sums are
checked against (tests/test_expert_records.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.db.models import Avg, Case, Count, F, FloatField, Q, Value, When
from django.db.models.functions import Cast

from archive.db import expert_records
from archive.models import (
    BRIER_PROBABILITY,
    LEADERBOARD_MINIMUM,
    OUTCOME_VALUE,
    Expert,
    Outcome,
    Status,
    TakeAuthor,
)

#: The leaderboard shows at most this many experts.
LEADERBOARD_SIZE = 50

PREFIX = "take__predictions__"


def forecast_expression():
    """The probability a prediction stated, else its confidence word's (``BRIER_PROBABILITY``), else null."""
    stated = Cast(F(PREFIX + "probability"), FloatField()) / Value(100.0)
    words = [When(**{PREFIX + "confidence": word}, then=Value(p)) for word, p in BRIER_PROBABILITY.items()]
    return Case(When(**{PREFIX + "probability__isnull": False}, then=stated), *words, output_field=FloatField())


def outcome_expression():
    return Case(
        *[When(**{PREFIX + "outcome": outcome}, then=Value(v)) for outcome, v in OUTCOME_VALUE.items()],
        output_field=FloatField(),
    )


@dataclass
class Record:
    expert: Expert | None
    resolved: int
    came_true: int
    partly: int
    brier: float | None
    scored: int  # resolved predictions with a probability (stated or mapped): what the Brier score rests on

    @property
    def share(self) -> float | None:
        return self.came_true / self.resolved if self.resolved else None


def _with_experts(rows: list[dict], experts) -> list[Record]:
    """Records of ``rows`` with their experts: ``experts`` those already loaded, by id (the others
    are read in one query)."""
    experts = dict(experts or {})
    missing = [row["expert_id"] for row in rows if row["expert_id"] not in experts]
    if missing:
        experts.update(Expert.objects.in_bulk(missing))
    return [Record(expert=experts.get(row.pop("expert_id")), **row) for row in rows]


def records(expert_ids=None, minimum: int = 0, limit: int | None = None, experts=None, using=None) -> list[Record]:
    """Each expert's record over the resolved predictions of their published takes (best first:
    the lowest Brier score, then the most came true, then the expert's id), from the sums the
    database keeps: exact integers, the squared gaps in 1/10,000 (``expert_records.SCALE``).
    ``using``: the database to read (by default the one the router gives the experts' reads)."""
    rows = [
        {
            "expert_id": expert_id,
            "resolved": resolved,
            "came_true": came_true,
            "partly": partly,
            "brier": squared / scored / expert_records.SCALE if scored else None,
            "scored": scored,
        }
        for expert_id, resolved, came_true, partly, scored, squared in expert_records.sums(
            connections[using or Expert.objects.db], expert_ids=expert_ids, minimum=minimum, limit=limit
        )
    ]
    return _with_experts(rows, experts)


def live_records(expert_ids=None, minimum: int = 0, limit: int | None = None, experts=None) -> list[Record]:
    """``records()`` counted from the predictions, their takes and authorships (one aggregated
    query over all of them): what the kept sums are checked against."""
    gap = forecast_expression() - outcome_expression()
    rows = (
        # one filter() call: the aggregates below count over the same join (resolved predictions only)
        TakeAuthor.objects.filter(take__status=Status.PUBLISHED, **{PREFIX + "outcome__in": list(OUTCOME_VALUE)})
        .values("expert_id")
        .annotate(
            resolved=Count(PREFIX + "id"),
            came_true=Count(PREFIX + "id", filter=Q(**{PREFIX + "outcome": Outcome.CAME_TRUE})),
            partly=Count(PREFIX + "id", filter=Q(**{PREFIX + "outcome": Outcome.PARTLY})),
            brier=Avg(gap * gap),
            scored=Count(forecast_expression()),
        )
        .filter(resolved__gte=minimum)
        .order_by(F("brier").asc(nulls_last=True), "-came_true", "expert_id")
    )
    if expert_ids is not None:
        rows = rows.filter(expert_id__in=list(expert_ids))
    if limit is not None:
        rows = rows[:limit]
    return _with_experts(list(rows), experts)


def leaderboard() -> list[Record]:
    """The experts with at least ``LEADERBOARD_MINIMUM`` resolved predictions, best first."""
    return records(minimum=LEADERBOARD_MINIMUM, limit=LEADERBOARD_SIZE)


def record_of(expert: Expert) -> Record | None:
    found = records(expert_ids=[expert.pk], experts={expert.pk: expert})
    return found[0] if found else None
