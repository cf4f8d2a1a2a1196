"""Page builders the reading pages share: take and quote cards, stance-split charts, and who holds what.

Each makes a fixed number of queries whatever it shows (the cards fetch their rows in four), works
on rows already fetched, or builds one queryset (``newest_positions``), so a page's query count
stays fixed. (Pagination: archive/pagination.py.)
"""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from archive.jinja2 import url
from archive.models import Expert, Position, Question, Quote, Stance, Take, TakeAuthor

# --------------------------------------------------------------------------- take cards


def take_cards(takes) -> list[Take]:
    """The takes a list shows as cards (templates/jinja2/archive/cards/_take_card.html) — a page of a
    paginated take list, a queryset of takes, or their ids — in their order, loaded with what a
    card shows (authors, outlet, stances, headline quotes): four queries, whatever their number."""
    if hasattr(takes, "ids"):
        ids = [row["pk"] for row in takes.ids]
    elif isinstance(takes, tuple | list) and all(isinstance(take, int) for take in takes):
        ids = list(takes)
    else:
        ids = (
            [take.pk for take in takes] if not isinstance(takes, QuerySet) else list(takes.values_list("pk", flat=True))
        )
    rows = {take.pk: take for take in Take.objects.filter(pk__in=ids).with_related()}
    return [rows[take_id] for take_id in ids if take_id in rows]


def with_card_details(quotes: QuerySet) -> QuerySet:
    """What a quote card shows: speaker, take, outlet, and the take's stances (constant queries)."""
    return quotes.select_related("speaker", "take", "take__publication").prefetch_related(
        Prefetch("take__authorships", queryset=TakeAuthor.objects.order_by("order", "id")),
        Prefetch(
            "take__positions",
            queryset=Position.objects.select_related("question", "stance").order_by("question__order", "question_id"),
        ),
    )


def with_speaker_stances(quotes: list[Quote]) -> list[Quote]:
    """The take's stances are the speaker's when the speaker wrote the take (already prefetched)."""
    for quote in quotes:
        authors = {a.expert_id for a in quote.take.authorships.all()}
        quote.speaker_positions = list(quote.take.positions.all()) if quote.speaker_id in authors else []
    return quotes


def _detailed(found: list, rows: Callable[[list[int]], Iterable], *highlights: str) -> list:
    """``found`` (a search's page: ids and what the search highlighted) as fully loaded rows, in
    order, each carrying the ``highlights`` attributes of its search row."""
    by_id = {row.pk: row for row in rows([obj.pk for obj in found])}
    detailed = []
    for obj in found:
        row = by_id.get(obj.pk)
        if row is not None:
            for name in highlights:
                setattr(row, name, getattr(obj, name, None))
            detailed.append(row)
    return detailed


def quote_cards(quotes: list[Quote]) -> list[Quote]:
    """The quotes a page shows as cards (templates/jinja2/archive/cards/_quote_card.html), in order, with
    speaker, take, outlet and the speaker's stances (four queries), each keeping the ``snippet``
    its search highlighted."""
    return _detailed(
        quotes, lambda ids: with_speaker_stances(list(with_card_details(Quote.objects.filter(pk__in=ids)))), "snippet"
    )


def take_results(takes: list[Take]) -> list[Take]:
    """The takes a search shows (templates/jinja2/archive/cards/_take_result.html), in order, with authors,
    outlet and stances, each keeping its highlighted ``title_html`` and ``snippet``."""
    return _detailed(takes, lambda ids: Take.objects.filter(pk__in=ids).with_related(), "title_html", "snippet")


# --------------------------------------------------------------------------- opposing takes

OPPOSING_SHOWN = 6


def opposing_takes(take: Take, limit: int = OPPOSING_SHOWN) -> list[Take]:
    """The published takes that hold a stance opposed (``Stance.opposes``) to one of ``take``'s on
    the same question, the closest in date to ``take`` first, as cards. Each carries ``opposition``:
    (this take's position, the other take's opposed position) pairs. Seven queries, whatever the
    number: the oppositions, the nearest ``limit`` before and after, and the cards' four."""
    positions = list(take.positions.all())
    through = Stance.opposes.through
    opposites: dict[int, list[int]] = defaultdict(list)
    rows = through.objects.filter(from_stance_id__in=[p.stance_id for p in positions]).values_list(
        "from_stance_id", "to_stance_id"
    )
    for one, other in rows:
        opposites[one].append(other)
    found = Take.objects.published().opposing(take, opposites)
    if take.published is None:
        ids = list(found.newest_first().values_list("pk", flat=True)[:limit])
    else:
        ids = _closest(found, take.published, limit)
    cards = take_cards(ids)
    mine = {p.question_id: p for p in positions}
    for card in cards:
        card.opposition = [
            (mine[p.question_id], p)
            for p in card.positions.all()
            if p.question_id in mine and p.stance_id in opposites.get(mine[p.question_id].stance_id, ())
        ]
    return cards


def _closest(takes: QuerySet, when: datetime.date, limit: int) -> list[int]:
    """Ids of the ``limit`` takes dated nearest ``when`` (either side; undated ones last): the
    nearest ``limit`` on each side by an index walk, then merged by distance (two queries)."""
    before = takes.filter(published__lte=when).order_by("-published", "-pk").values_list("pk", "published")[:limit]
    after = takes.filter(published__gt=when).order_by("published", "pk").values_list("pk", "published")[:limit]
    rows = sorted([*before, *after], key=lambda row: (abs((row[1] - when).days), -row[0]))
    return [pk for pk, _ in rows[:limit]]


# --------------------------------------------------------------------------- the stance-split chart


@dataclass
class Bar:
    label: str
    count: int
    share: int  # percent of the question's takes
    width: float  # percent of the chart's width the bar takes (the longest bar gets MAX_WIDTH)
    url: str
    y: int = 0

    @property
    def label_y(self) -> int:
        return self.y + 15

    @property
    def bar_y(self) -> int:
        return self.y + 22

    @property
    def count_y(self) -> int:
        return self.y + 35


@dataclass
class Split:
    """A question's stances with how many published takes hold each: what the chart draws."""

    question: Question
    bars: list[Bar]
    total: int

    ROW = 46
    MAX_WIDTH = 78.0

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * self.ROW + 4

    @property
    def summary(self) -> str:
        parts = "; ".join(f"{bar.label}: {bar.count}" for bar in self.bars)
        return f"{self.total} take{'s' if self.total != 1 else ''} answer this question. {parts}."


def stance_split(question: Question, counts: dict[int, int]) -> Split:
    """The chart for a question whose ``stances`` are loaded, from published take counts per stance id."""
    stances = list(question.stances.all())
    most = max((counts.get(stance.pk, 0) for stance in stances), default=0)
    total = sum(counts.get(stance.pk, 0) for stance in stances)
    bars = []
    for row, stance in enumerate(stances):
        n = counts.get(stance.pk, 0)
        width = round(Split.MAX_WIDTH * n / most, 1) if most else 0.0
        url = reverse("take_list") + "?" + urlencode({"question": question.slug, "stance": stance.slug})
        bars.append(
            Bar(
                label=stance.label,
                count=n,
                share=round(100 * n / total) if total else 0,
                width=max(width, 0.6),  # a sliver, so a zero still reads as a bar of nothing
                url=url,
                y=row * Split.ROW,
            )
        )
    return Split(question=question, bars=bars, total=total)


# --------------------------------------------------------------------------- who holds which stance


def newest_first(position: Position) -> tuple:
    """A position's take date (undated oldest), then its take: sorted in reverse, newest first."""
    return (position.take.published or datetime.date.min, position.take_id)


@dataclass
class StanceHolder:
    """An expert under one stance: the takes where they held it, and other stances they took.

    ``positions`` and ``others`` may be only the newest few (``newest_holders``): ``takes`` and
    ``other_takes`` then say how many there are in all.
    """

    expert: Expert
    positions: list[Position]  # holding this stance, newest first
    others: list[Position] = field(default_factory=list)  # same question, another stance, newest first
    takes: int | None = None  # takes holding this stance, when ``positions`` are only the newest
    other_takes: int | None = None  # takes holding another stance, likewise

    #: A prolific author may have held a stance in hundreds of takes: the page lists the newest few.
    SHOWN = 5

    @property
    def recent(self) -> list[Position]:
        return self.positions[: self.SHOWN]

    @property
    def earlier(self) -> int:
        """How many older takes held the stance beyond those listed."""
        total = len(self.positions) if self.takes is None else self.takes
        return max(0, total - len(self.recent))

    @property
    def recent_others(self) -> list[Position]:
        return self.others[: self.SHOWN]

    @property
    def earlier_others(self) -> int:
        total = len(self.others) if self.other_takes is None else self.other_takes
        return max(0, total - len(self.recent_others))

    @property
    def quote(self) -> Quote | None:
        """One representative quote: evidence in the expert's own words when there is some."""
        evidence = [p.evidence for p in self.positions if p.evidence is not None]
        own = [q for q in evidence if q.speaker_id in (None, self.expert.pk)]
        return (own or evidence or [None])[0]


def _linked(positions: Iterable[Position]) -> list[Position]:
    """The positions, each with its take's address (``take_url``), reversed once per row: a holder's
    entry links a take under its own stance, again under each other stance the expert held, and as
    the lead (385 links to ~165 takes on the first page of the busiest question's experts). The
    address is ``Take.get_absolute_url()``'s, put together by ``url()`` around the slug."""
    rows = list(positions)
    for position in rows:
        position.take_url = url("take_detail", position.take.slug)
    return rows


def holders_by_stance(positions, expert_ids=None) -> dict[int, list[StanceHolder]]:
    """Group positions (loaded with ``as_records()``) under each stance, one entry per author.

    An author whose takes answered the question differently over time appears under each stance
    they held, with the dates, and with the other stances listed.
    """
    experts: dict[int, Expert] = {}
    by_expert: dict[int, list[Position]] = defaultdict(list)
    for position in _linked(positions):
        for authorship in position.take.authorships.all():
            if expert_ids is not None and authorship.expert_id not in expert_ids:
                continue
            experts[authorship.expert_id] = authorship.expert
            by_expert[authorship.expert_id].append(position)
    holders: dict[int, list[StanceHolder]] = defaultdict(list)
    for expert_id, held in by_expert.items():
        held.sort(key=newest_first, reverse=True)
        for stance_id in dict.fromkeys(p.stance_id for p in held):
            holders[stance_id].append(
                StanceHolder(
                    expert=experts[expert_id],
                    positions=[p for p in held if p.stance_id == stance_id],
                    others=[p for p in held if p.stance_id != stance_id],
                )
            )
    for entries in holders.values():
        entries.sort(key=lambda h: (h.expert.sort_name.lower(), h.expert.pk))
    return holders


#: The columns a holder's entry shows of each position (templates/jinja2/archive/cards/_holder.html,
#: ``StanceHolder``, ``explain_holders``): the take's link, date and outlet, the stance's label, the
#: evidence quote and its speaker's name. The rest of the five tables' columns (a take's texts, an
#: outlet's description, a speaker's bio) were read and made into objects for nothing.
HOLDER_FIELDS = (
    "take_id",
    "question_id",
    "stance_id",
    "evidence_id",
    "confidence",
    "take__title",
    "take__slug",
    "take__published",
    "take__date_precision",
    "take__publication",
    "take__publication__name",
    "stance__label",
    "evidence__text",
    "evidence__speaker",
    "evidence__speaker__name",
)


#: What ``newest_positions`` joins to its ranked rows: the take's link, date and outlet. The stance
#: comes from the question's own (loaded) stances and the evidence quote from scalar subqueries:
#: each more relation joined to the ranked rows multiplied PostgreSQL's planning of the statement
#: (seven relations: 8–20 ms of planning at a load of 12 for 3 ms of execution at 1,000,000 quotes; five: 2–5 ms).
NEWEST_FIELDS = tuple(name for name in HOLDER_FIELDS if not name.startswith(("stance__", "evidence__")))


def newest_positions(question: Question, expert_ids) -> list[Position]:
    """The ``StanceHolder.SHOWN`` newest published positions on ``question`` of each (expert, stance)
    for these experts, in one query whatever their number of takes (a window function ranks them).

    Each row carries ``holder_id`` (the author it is listed for: a co-written take comes once per
    author) and ``held`` (how many published takes of that author hold that stance in all), its
    ``stance`` (one of ``question.stances``, which are loaded) and its ``evidence`` quote, if any,
    with the quote's text and speaker's name only (``HOLDER_FIELDS``).
    """
    holder = F("take__authorships__expert_id")
    partition = [holder, F("stance_id")]
    expert_ids = list(expert_ids)
    # Their takes first (an index probe per expert), then the position on the question of each:
    # without this, SQLite (no statistics) walks every position on the question (40,000 at scale).
    their_takes = TakeAuthor.objects.filter(expert_id__in=expert_ids).values("take_id")
    rows = (
        Position.objects.published()
        .filter(take__in=their_takes)
        .filter(question=question, take__authorships__expert_id__in=expert_ids)
        .annotate(
            holder_id=holder,
            rank=Window(
                RowNumber(),
                partition_by=partition,
                order_by=[F("take__published").desc(nulls_last=True), F("take_id").desc()],
            ),
            held=Window(Count("id"), partition_by=partition),
            **evidence_columns(),
        )
        .filter(rank__lte=StanceHolder.SHOWN)
        .select_related("take", "take__publication")
        .only(*NEWEST_FIELDS)
        .order_by()
    )
    return with_stance_and_evidence(list(rows), question, rows.db)


def evidence_columns() -> dict[str, Subquery]:
    """What a holder's entry shows of a position's evidence quote, as scalar subqueries (no join)."""
    evidence = Quote.objects.filter(pk=OuterRef("evidence_id"))
    return {
        "evidence_text": Subquery(evidence.values("text")),
        "evidence_speaker_id": Subquery(evidence.values("speaker_id")),
        "evidence_speaker_name": Subquery(evidence.values("speaker__name")),
    }


def holder_positions(positions: QuerySet, question: Question) -> list[Position]:
    """``positions`` on ``question`` with what a holder's entry shows (``HOLDER_FIELDS``) and their
    authors (``holders_by_stance``): the take and its outlet joined, the authorships prefetched, the
    stance and evidence quote as ``newest_positions`` gives them. Two queries."""
    rows = (
        positions.select_related("take", "take__publication")
        .prefetch_related(
            Prefetch("take__authorships", queryset=TakeAuthor.objects.select_related("expert").order_by("order", "id"))
        )
        .annotate(**evidence_columns())
        .only(*NEWEST_FIELDS)
    )
    return with_stance_and_evidence(list(rows), question, rows.db)


def with_stance_and_evidence(rows: list[Position], question: Question, using: str) -> list[Position]:
    """Each row's stance, one of ``question``'s (loaded), and its evidence quote from the columns
    of ``evidence_columns``."""
    stances = {stance.pk: stance for stance in question.stances.all()}
    for position in rows:
        position.stance = stances[position.stance_id]
        if position.evidence_id is not None:
            position.evidence = _evidence_quote(position, using)
    return rows


def _evidence_quote(position: Position, using: str) -> Quote:
    """The evidence quote of a ``newest_positions`` row, from the columns its subqueries read
    (a model instance with the rest of its fields deferred, as ``.only()`` would give it)."""
    quote = Quote.from_db(
        using,
        ["id", "text", "speaker_id"],
        [position.evidence_id, position.evidence_text, position.evidence_speaker_id],
    )
    if position.evidence_speaker_id is not None:
        quote.speaker = Expert.from_db(
            using, ["id", "name"], [position.evidence_speaker_id, position.evidence_speaker_name]
        )
    return quote


def newest_holders(positions, experts: dict[int, Expert]) -> dict[int, list[StanceHolder]]:
    """Group rows of ``newest_positions`` under each stance, one entry per expert, by sort name.

    Linear in the rows: each expert's positions are sorted once per stance, and the takes holding
    another stance are the expert's total less this stance's (summing every (expert, stance) count
    again for each holder made the grouping quadratic in the page's holders)."""
    held: dict[int, dict[int, list[Position]]] = defaultdict(lambda: defaultdict(list))
    counts: dict[tuple[int, int], int] = {}
    for position in _linked(positions):
        held[position.holder_id][position.stance_id].append(position)
        counts[position.holder_id, position.stance_id] = position.held
    totals: Counter[int] = Counter()
    for (expert_id, _), n in counts.items():
        totals[expert_id] += n
    holders: dict[int, list[StanceHolder]] = defaultdict(list)
    for expert_id, by_stance in held.items():
        for rows in by_stance.values():
            rows.sort(key=newest_first, reverse=True)
        for stance_id, mine in by_stance.items():
            others = [p for other, rows in by_stance.items() if other != stance_id for p in rows]
            holders[stance_id].append(
                StanceHolder(
                    expert=experts[expert_id],
                    positions=mine,
                    others=sorted(others, key=newest_first, reverse=True) if len(by_stance) > 2 else others,
                    takes=counts[expert_id, stance_id],
                    other_takes=totals[expert_id] - counts[expert_id, stance_id],
                )
            )
    for entries in holders.values():
        entries.sort(key=lambda h: (h.expert.sort_name.lower(), h.expert.pk))
    return holders


def first_sentence(text: str, most: int = 300) -> str:
    """The first sentence of ``text`` (a summary), cut at ``most`` characters."""
    words = " ".join(text.split())
    match = _SENTENCE_END.search(words)
    sentence = words[: match.start() + 1] if match else words
    return sentence if len(sentence) <= most else sentence[: most - 1].rstrip() + "…"


_SENTENCE_END = re.compile(r"[.!?](?=\s+[\"“‘'(\[]?[A-Z0-9])")


def explain_holders(groups: list[tuple], experts: dict[int, Expert]) -> None:
    """Give each holder of ``groups`` (stance, holders) why they are there: ``lead``, their newest
    position holding the stance (take, outlet, date, confidence, evidence quote), ``affiliations_then``
    (their affiliations that year; ``experts`` have theirs prefetched) and ``reason``: the evidence
    quote, or when there is none the first sentence of the take's summary. One query: the summaries."""
    holders = [holder for _, entries in groups for holder in entries]
    for holder in holders:
        holder.expert = experts.get(holder.expert.pk, holder.expert)
        quote = holder.quote  # the take whose evidence is shown leads; else the newest
        newest = holder.recent[0] if holder.recent else None
        holder.lead = next((p for p in holder.positions if quote is not None and p.evidence_id == quote.pk), newest)
    missing = {h.lead.take_id for h in holders if h.lead is not None and h.quote is None}
    summaries = dict(Take.objects.filter(pk__in=missing).values_list("pk", "summary")) if missing else {}
    for holder in holders:
        lead = holder.lead
        year = lead.take.published.year if lead is not None and lead.take.published else None
        holder.affiliations_then = [a for a in holder.expert.affiliations.all() if a.held_in(year)]
        holder.summary_sentence = first_sentence(summaries.get(lead.take_id) or "") if lead is not None else ""
