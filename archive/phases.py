"""The phases of the debate, defined once: every page that speaks of "before" or "after" the summit
uses these (the expert page's stance per phase, the question page's "who changed their mind", the
volume charts' summit mark, the About page).

A take belongs to a phase when the whole period its date stands for lies inside the phase: a take
dated to the day belongs to the phase of that day; one dated only "February 2019" straddles the
summit and belongs to none; one dated only "2019" belongs to none either (it could be before or
after); "2021" belongs to "from 2020 on". Undated takes belong to none.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When

#: The Hanoi summit's two days.
SUMMIT_START = datetime.date(2019, 2, 27)
SUMMIT_END = datetime.date(2019, 2, 28)


@dataclass(frozen=True)
class Phase:
    number: int  # 0, 1, 2, 3: the order of the phases
    slug: str
    label: str
    start: datetime.date | None  # inclusive; None: open
    end: datetime.date | None  # inclusive; None: open

    @property
    def span(self) -> str:
        if self.start is None:
            return f"up to {_day(self.end)}"
        if self.end is None:
            return f"from {_day(self.start)} on"
        return f"{_day(self.start)} to {_day(self.end)}"

    def holds(self, first: datetime.date, last: datetime.date) -> bool:
        return (self.start is None or first >= self.start) and (self.end is None or last <= self.end)


def _day(date: datetime.date | None) -> str:
    return f"{date.day} {date:%B %Y}" if date else ""


PHASES: tuple[Phase, ...] = (
    Phase(0, "before", "Before the summit", None, datetime.date(2019, 2, 26)),
    Phase(1, "aftermath", "Summit and immediate aftermath", SUMMIT_START, datetime.date(2019, 3, 31)),
    Phase(2, "later-2019", "Later in 2019", datetime.date(2019, 4, 1), datetime.date(2019, 12, 31)),
    Phase(3, "from-2020", "From 2020 on", datetime.date(2020, 1, 1), None),
)


def period(published: datetime.date, precision: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day a take's date stands for, at its precision (day, month or year)."""
    if precision == "year":
        return published.replace(month=1, day=1), published.replace(month=12, day=31)
    if precision == "month":
        first = published.replace(day=1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        return first, following - datetime.timedelta(days=1)
    return published, published


def phase_of(published: datetime.date | None, precision: str = "day") -> Phase | None:
    """The phase a take dated ``published`` at ``precision`` belongs to, or None."""
    if published is None:
        return None
    first, last = period(published, precision)
    return next((phase for phase in PHASES if phase.holds(first, last)), None)


def _last_start(end: datetime.date, precision: str) -> datetime.date:
    """The latest stored date (first day of its period) whose period ends on or before ``end``."""
    if precision == "year":
        return datetime.date(end.year if end.month == 12 and end.day == 31 else end.year - 1, 1, 1)
    first = end.replace(day=1)
    if period(first, "month")[1] <= end:
        return first
    return (first - datetime.timedelta(days=1)).replace(day=1)


def _condition(phase: Phase, field: str, precision_field: str) -> Q:
    """Rows whose date (``field`` at ``precision_field``) belongs to ``phase``, as ``phase_of`` says."""
    condition = Q()
    for precision in ("day", "month", "year"):
        part = Q(**{precision_field: precision, f"{field}__isnull": False})
        if phase.start is not None:
            part &= Q(**{f"{field}__gte": phase.start})
        if phase.end is not None:
            part &= Q(**{f"{field}__lte": phase.end if precision == "day" else _last_start(phase.end, precision)})
        condition |= part
    return condition


def phase_expression(field: str = "published", precision_field: str = "date_precision") -> Case:
    """The phase number of each row as an SQL expression (NULL when it belongs to none)."""
    return Case(
        *[When(_condition(phase, field, precision_field), then=Value(phase.number)) for phase in PHASES],
        default=None,
        output_field=IntegerField(),
    )


def phase_number(published: datetime.date | None, precision: str) -> int | None:
    """The phase number ``phase_expression`` gives a row dated ``published`` at ``precision``,
    computed in Python (the expert page places its positions from rows it has read already). The
    same as ``phase_of`` for a date stored as the model asks (the first day of its month or year);
    for any other, what the SQL says (a month's or year's date compared with the phase's bounds)."""
    if published is None or precision not in ("day", "month", "year"):
        return None
    for phase in PHASES:
        if phase.start is not None and published < phase.start:
            continue
        if phase.end is not None and published > (
            phase.end if precision == "day" else _last_start(phase.end, precision)
        ):
            continue
        return phase.number
    return None
