"""Volume over time: how many takes a period holds, as a server-drawn column chart (SVG) with the
same numbers as a table (templates/jinja2/archive/_volume_chart.html).

One query per chart, set-wise: the takes (or a question's positions) grouped by their stored date,
date precision and, for a question, stance: at most one row per day, precision and stance, however
many takes there are. The days are then put into columns of a week, a month or a year, chosen by the
span the dates cover (``unit_for``), in Python over those few rows. Grouping by the day in SQL keeps
the query the same on both databases and lets the span choose the column width after one pass.

A take dated only to a month cannot sit in a week's column, nor one dated only to a year in a
month's: such takes, and undated ones, are left out of the chart and counted under it.

Every published take (the home page, the unfiltered take list) is charted from the counts per date
the database keeps (``published_volume``, archive/db/take_dates.py), not from the takes themselves;
every published position on a question (its page, the take list filtered by the question alone) from
the counts per question, stance and date it keeps (``question_volume``, archive/db/stance_dates.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import Count, QuerySet

from archive.db import stance_dates, take_dates
from archive.phases import SUMMIT_END, SUMMIT_START

#: Spans up to this many days get a column per week; up to ``MONTHS_UP_TO`` days one per month; longer, per year.
WEEKS_UP_TO = 182
MONTHS_UP_TO = 366 * 10
#: The chart's drawing height in pixels (the columns), and the room under it for the axis labels.
PLOT_HEIGHT = 120
AXIS_LABELS = 4
#: Which date precisions each column width can place.
PLACEABLE = {"week": {"day"}, "month": {"day", "month"}, "year": {"day", "month", "year"}}


def unit_for(first: datetime.date, last: datetime.date) -> str:
    span = (last - first).days
    return "week" if span <= WEEKS_UP_TO else "month" if span <= MONTHS_UP_TO else "year"


def bucket(day: datetime.date, unit: str) -> datetime.date:
    if unit == "week":
        return day - datetime.timedelta(days=day.weekday())  # ISO weeks start on Monday
    if unit == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def following(start: datetime.date, unit: str) -> datetime.date:
    if unit == "week":
        return start + datetime.timedelta(days=7)
    if unit == "month":
        return (start + datetime.timedelta(days=32)).replace(day=1)
    return start.replace(year=start.year + 1)


def label(start: datetime.date, unit: str) -> str:
    if unit == "week":
        return f"week of {start.day} {start:%b %Y}"
    return f"{start:%b %Y}" if unit == "month" else str(start.year)


@dataclass
class Segment:
    series: int  # index into Volume.series (the CSS class stance-N)
    count: int
    y: float = 0.0
    height: float = 0.0


@dataclass
class Column:
    start: datetime.date
    label: str
    segments: list[Segment]
    x: float = 0.0  # percent of the chart's width
    width: float = 0.0
    axis_label: str = ""  # printed under the axis for a few columns only

    @property
    def total(self) -> int:
        return sum(segment.count for segment in self.segments)


@dataclass
class Volume:
    """A chart: columns of counts per period, stacked by series (a question's stances, or one: takes)."""

    slug: str  # unique on the page: the ids of the caption and table
    title: str
    unit: str = "month"
    series: list[str] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    most: int = 0
    left_out: int = 0
    counted: int = 0  # every row charted or left out: with one series, how many takes the chart covers
    summit_x: float | None = None  # percent: where the summit's column starts, when the chart covers it
    summit_label: str = ""

    PLOT_HEIGHT = PLOT_HEIGHT

    @property
    def total(self) -> int:
        return sum(column.total for column in self.columns)

    @property
    def height(self) -> int:
        return PLOT_HEIGHT + 22

    @property
    def summary(self) -> str:
        if not self.columns:
            return "No dated takes to chart."
        busiest = max(self.columns, key=lambda c: c.total)
        return (
            f"{self.total} takes per {self.unit} from {self.columns[0].label} to {self.columns[-1].label}; "
            f"the most, {busiest.total}, in the {self.unit} of {busiest.label.removeprefix('week of ')}."
            + (f" {self.summit_label} is marked." if self.summit_x is not None else "")
        )


def build(slug: str, title: str, rows, series: list[tuple[object, str]], span=None) -> Volume:
    """The chart of ``rows`` (``(day, precision, series key, n)``), stacked in the order of ``series``
    (``(key, label)``). ``span``, when given, is the first and last dated day the rows stand for
    (rows summed by month give their month's first day, not their own: ``question_volume``).

    One pass over the rows once the column width is known (from the first and last dated day):
    each row goes straight into its column, with no table of days in between (a take list's chart
    has 1,300–3,000 rows at 100,000 takes; docs/performance.md, "Eighth round")."""
    rows = list(rows)
    volume = Volume(slug=slug, title=title, series=[name for _, name in series])
    volume.counted = sum(row[3] for row in rows)
    dated = [row for row in rows if row[0] is not None]
    volume.left_out = volume.counted - sum(row[3] for row in dated)  # undated
    if not dated:
        return volume
    unit = volume.unit = unit_for(*span) if span else unit_for(min(r[0] for r in dated), max(r[0] for r in dated))
    placeable, width = PLACEABLE[unit], len(series)
    index = {key: n for n, (key, _) in enumerate(series)}
    counts: dict[datetime.date, list[int]] = {}
    for day, precision, key, n in dated:
        column = index.get(key)
        if precision not in placeable or column is None:
            volume.left_out += n
            continue
        start = bucket(day, unit)
        if start not in counts:
            counts[start] = [0] * width
        counts[start][column] += n
    if counts:
        _lay_out(volume, counts)
    return volume


def _lay_out(volume: Volume, counts: dict[datetime.date, list[int]]) -> None:
    unit = volume.unit
    start, last = min(counts), max(counts)
    while start <= last:
        row = counts.get(start, [0] * len(volume.series))
        volume.columns.append(Column(start, label(start, unit), [Segment(n, c) for n, c in enumerate(row)]))
        start = following(start, unit)
    volume.most = max(column.total for column in volume.columns)
    width = 100 / len(volume.columns)
    every = max(1, -(-len(volume.columns) // AXIS_LABELS))
    for n, column in enumerate(volume.columns):
        column.x, column.width = round(n * width, 3), round(width * 0.8, 3)
        if n % every == 0:
            column.axis_label = column.label.removeprefix("week of ")
        top = float(PLOT_HEIGHT)
        for segment in column.segments:
            segment.height = round(PLOT_HEIGHT * segment.count / volume.most, 2) if volume.most else 0.0
            top -= segment.height
            segment.y = round(top, 2)
        if column.start <= SUMMIT_START < following(column.start, unit):
            volume.summit_x = column.x
    if volume.summit_x is not None:
        volume.summit_label = f"The summit ({SUMMIT_START.day}–{SUMMIT_END.day} {SUMMIT_END:%B %Y})"


def take_volume(slug: str, title: str, takes: QuerySet) -> Volume:
    """Takes per period (one series), from a take queryset in one grouped query."""
    rows = takes.order_by().values_list("published", "date_precision").annotate(n=Count("id"))
    return build(slug, title, [(day, precision, None, n) for day, precision, n in rows], [(None, "Takes")])


def published_volume(slug: str, title: str, using: str) -> Volume:
    """``take_volume`` of every published take, from the counts per date the database keeps
    (archive/db/take_dates.py: about 1,300 rows at 100,000 takes, where grouping the takes reads
    every one of them)."""
    rows = take_dates.counts(connections[using])
    return build(slug, title, [(day, precision, None, n) for day, precision, n in rows], [(None, "Takes")])


def stance_volume(slug: str, title: str, positions: QuerySet, question) -> Volume:
    """Positions on ``question`` (its ``stances`` loaded) per period, stacked by stance, in one query."""
    # Counting ``take_id`` (never NULL), not ``id``: the positions are read from the index on
    # (question, stance, take) alone, without their rows (docs/performance.md, "Eighth round").
    rows = (
        positions.order_by()
        .values_list("take__published", "take__date_precision", "stance_id")
        .annotate(n=Count("take_id"))
    )
    return build(slug, title, list(rows), [(stance.pk, stance.label) for stance in question.stances.all()])


def question_volume(slug: str, title: str, question, using: str) -> Volume:
    """``stance_volume`` of every published position on ``question`` (its ``stances`` loaded), from
    the counts per stance and date the database keeps (archive/db/stance_dates.py: a few thousand
    rows, where grouping the positions reads all of them, 40,000 at 100,000 takes, with their takes),
    summed by month in the database when the chart's columns are months or years (a few hundred rows
    for Python to place, not one per day: the same columns)."""
    rows, first, last = stance_dates.by_period(connections[using], question.pk, WEEKS_UP_TO)
    series = [(stance.pk, stance.label) for stance in question.stances.all()]
    return build(slug, title, rows, series, span=(first, last) if first is not None else None)
