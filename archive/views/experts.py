"""The expert list (/experts/: by name, or grouped by stance on a question) and an expert's page."""

import functools
from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Exists, F, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from archive import cache, scores
from archive.db import data_version
from archive.expert_timeline import newest_positions_of, stances_over_time
from archive.filters import ExpertFilter
from archive.filters.facets import FACET_CAP
from archive.filters.menu_counts import expert_menu_counts
from archive.filters.querystrings import canonical_query, link_params
from archive.models import (
    Affiliation,
    Expert,
    Position,
    Publication,
    Question,
    Quote,
    Response,
    Status,
    Take,
    TakeAuthor,
    Theme,
)
from archive.opendata import links
from archive.pagination import paginate
from archive.phases import PHASES
from archive.reading import (
    explain_holders,
    holder_positions,
    holders_by_stance,
    newest_holders,
    newest_positions,
    take_cards,
)
from archive.stance_phases import expert_phases, expert_position_rows
from archive.views.base import active_labels, page

#: An expert page shows this many of their quotes, newest first, and links to the rest.
QUOTES_SHOWN = 20
#: ... and the stances of this many of their newest positions (the timeline of a prolific author).
POSITIONS_SHOWN = 60
#: The expert list shows this many experts a page.
EXPERTS_PER_PAGE = 50


def az_index(counts: dict[str, int]) -> list[tuple[str, int]]:
    """A to Z with the number of experts under each, then any other initials that occur."""
    letters = [chr(code) for code in range(ord("A"), ord("Z") + 1)]
    return [(letter, counts.get(letter, 0)) for letter in letters + sorted(set(counts) - set(letters))]


def with_headline_affiliation(experts: list[Expert]) -> list[Expert]:
    """Each expert's current affiliation, or their first (``affiliations`` prefetched)."""
    for expert in experts:
        affiliations = list(expert.affiliations.all())
        current = [a for a in affiliations if a.current]
        expert.headline_affiliation = (current or affiliations or [None])[0]
    return experts


def stance_groups(experts: list[Expert], filterset: ExpertFilter, question: Question | None) -> list[tuple]:
    """With a question chosen: its stances (those asked for), each with the shown experts holding it."""
    if question is None:
        return []
    shown = {expert.pk: expert for expert in experts}
    if filterset.by_summary:
        # The newest few positions per (expert, stance) of the shown experts, with how many there
        # are in all: one query however many takes they wrote (docs/performance.md).
        holders = newest_holders(newest_positions(question, shown), shown)
    else:
        # An outlet or theme too: every position on the question from the shown experts' takes that
        # meet them (an index probe per expert, then the other take filters on those alone).
        their_takes = TakeAuthor.objects.filter(expert__in=shown).values("take_id")
        positions = Position.objects.filter(question=question, take__in=their_takes).filter(
            take__in=filterset.takes(exclude=("question", "stance")).values("pk")
        )
        holders = holders_by_stance(holder_positions(positions, question), expert_ids=set(shown))
    wanted = {stance.pk for stance in filterset.data_cleaned.get("stance") or []}
    groups = [
        (stance, holders.get(stance.pk, [])) for stance in question.stances.all() if not wanted or stance.pk in wanted
    ]
    explain_holders(groups, shown)
    return groups


def menu_counts(filterset: ExpertFilter, signature: tuple, version: int | None) -> dict:
    """Experts per choice of each menu (archive/filters/menu_counts.py), kept per set of filters;
    a menu whose value is chosen gets none."""
    data = filterset.data_cleaned
    chosen = data["question"][0].pk if data.get("question") else None
    counted = cache.kept(
        "expert menu counts",
        signature,
        lambda: expert_menu_counts(filterset.menu_bases(), filterset.authors(), filterset.qs.db, question=chosen),
        version=version,
    )
    counts = {
        name: (None if data.get(name) else counted.of(name)) for name in ("question", "stance", "publication", "theme")
    }
    return counts | {"over": counted.over, "cap": FACET_CAP}


@dataclass
class ExpertListing:
    """The experts of a page of /experts/ and, with a question chosen, their stance groups."""

    experts: list[Expert]
    groups: list[tuple]


def filter_choices() -> dict:
    """The menus of the expert filters (querysets, read as the form renders)."""
    public = Expert.objects.public()
    return {
        "questions": Question.objects.prefetch_related("stances"),
        "publications": Publication.objects.with_published_takes(),
        # A scalar subquery with LIMIT 1, not EXISTS: PostgreSQL turned the semi-join into a hash of
        # each theme's ~7,000 tags (110 ms at 100,000 takes); this stops at the first published take.
        "themes": Theme.objects.alias(
            tagged=Subquery(
                Take.themes.through.objects.filter(theme=OuterRef("pk"), take__status=Status.PUBLISHED).values("pk")[:1]
            )
        ).filter(tagged__isnull=False),
        # Semi-joins (EXISTS): an index probe per outlet, theme or role, not a DISTINCT over every take.
        "organizations": Affiliation.objects.filter(Exists(public.filter(pk=OuterRef("expert_id"))))
        .values_list("organization", flat=True)
        .order_by("organization")
        .distinct(),
    }


@require_safe
def expert_list(request: HttpRequest) -> HttpResponse:
    filterset = ExpertFilter(request.GET, queryset=Expert.objects.public())
    # Paged without the take counts: an annotated queryset keeps its filters in the rows' query too
    # (archive/pagination.py), which ran them twice; the page's 50 rows are counted afterwards (by name only).
    experts = filterset.qs.prefetch_related("affiliations").order_by("sort_name", "name", "pk")
    signature = tuple(filterset.canonical_params())
    # The A–Z counts add up to the total when no letter is chosen: one pass over the experts, not two.
    initials = cache.kept(
        "expert initials",
        tuple(param for param in signature if param[0] != "letter"),
        lambda: filterset.filtered(exclude=("letter",), every=True).initial_counts(),
        version=data_version.for_request(request),
    )
    total = None if filterset.data_cleaned.get("letter") else sum(initials.values())
    page_obj, page_notice = paginate(request, experts, per_page=EXPERTS_PER_PAGE, count=total)
    data = filterset.data_cleaned
    if not data.get("question"):
        # Only the list by name prints each expert's take count; grouped under a question's stances
        # it is not shown, and counting it probed every take of the 50 experts (5,484 buffers on
        # PostgreSQL for the benchmark's question and outlet).
        page_obj.object_list = page_obj.object_list.with_take_counts()
    choices = filter_choices()
    # The questions menu loads every question with its stances: the chosen one's groups use them.
    choices["questions"] = list(choices["questions"])
    chosen = data["question"][0].pk if data.get("question") else None
    question = next((q for q in choices["questions"] if q.pk == chosen), None)
    params = link_params(request.GET, filterset.filters)
    active = filterset.active(params)
    shown = with_headline_affiliation(list(page_obj))
    return page(
        request,
        "archive/expert_list.html",
        "Experts" + (": " + active_labels(active, 3) if active else ""),
        "Experts on the Hanoi summit, grouped by where they stand on each question, with the dates of their takes.",
        link_query=params,
        filter=filterset,
        form_values=data,
        question=question,
        listing=ExpertListing(experts=shown, groups=stance_groups(shown, filterset, question)),
        page_obj=page_obj,
        active=active,
        letters=az_index(initials),
        **choices,
        counts=menu_counts(filterset, signature, data_version.for_request(request)),
        # The menus' ~280 numbers are a few dozen distinct ones: Django's intcomma (~16 µs, the
        # locale's separator looked up each time) once per number a request.
        menu_number=functools.cache(intcomma),
        notices=[*filterset.notices, page_notice],
        canonical_query=canonical_query(filterset.canonical_params(), page_obj),
        open_data=links.expert_list(filterset.canonical_params()),
    )


@dataclass
class ExpertSections:
    """What an expert's page shows besides their takes."""

    stances: list  # expert_timeline.StanceOverTime per question, from their newest POSITIONS_SHOWN positions
    more_positions: bool
    quotes: list[Quote]  # their newest QUOTES_SHOWN quotes; the rest on /quotes/?speaker=…
    more_quotes: bool
    answered: list[Response]  # what their takes say of other experts
    received: list[Response]  # what others' takes say of them
    record: object  # archive.scores.Record of their resolved predictions, or None


def newest_quotes_of(expert: Expert, limit: int) -> list[Quote]:
    """An expert's ``limit`` newest published quotes with their take, outlet and authors.

    Someone quoted thousands of times (3,840 quotes for the benchmark's expert at 1,000,000
    quotes): the quotes are ranked by their ids alone (the speaker's index, each take's status and
    date), and only the ``limit`` first are then read whole with their take. Sorting the joined
    rows instead carried every quote's text and take through the sort.
    """
    newest = ["-take__published", "take_id", "order", "id"]
    ranked = Quote.objects.published().filter(speaker=expert).order_by(*newest).values("pk")[:limit]
    return list(
        Quote.objects.filter(pk__in=ranked)
        .select_related("take", "take__publication")
        .defer("take__body", "take__summary", "take__standfirst")  # a quote's caption shows no full text
        .with_take_authors()
        .order_by(*newest)
    )


def newest_take_ids_of(expert: Expert) -> list[int]:
    """The ids of all the expert's published takes, newest first (undated last, then by id down), as
    ``TakeQuerySet.newest_first`` orders them: read from their authorships, an index probe per
    authorship and its take. Their number is the page's take count and its pages are slices of them:
    the expert's takes walked once, where the expert's correlated take count and the page's ids
    walked them twice (1,600 PostgreSQL buffers each for an author of 531 takes)."""
    newest = [F("take__published").desc(nulls_last=True), F("take_id").desc()]
    rows = TakeAuthor.objects.filter(expert=expert, take__status=Status.PUBLISHED).order_by(*newest)
    return list(rows.values_list("take_id", flat=True))


def expert_sections(expert: Expert, rows: list[tuple]) -> ExpertSections:
    """``rows``: every published position of the expert (``stance_phases.expert_position_rows``)."""
    positions = list(newest_positions_of(expert.pk, POSITIONS_SHOWN + 1, rows))
    # An expert quoted thousands of times: the newest few here, the rest on /quotes/?speaker=…
    quotes = newest_quotes_of(expert, QUOTES_SHOWN + 1)
    return ExpertSections(
        stances=stances_over_time(positions[:POSITIONS_SHOWN]),
        more_positions=len(positions) > POSITIONS_SHOWN,
        quotes=quotes[:QUOTES_SHOWN],
        more_quotes=len(quotes) > QUOTES_SHOWN,
        answered=list(
            Response.objects.filter(take__status=Status.PUBLISHED, take__authorships__expert=expert)
            .select_related("take", "expert", "target_take")
            .order_by("relation", "expert__sort_name")
        ),
        received=list(
            Response.objects.filter(expert=expert, take__status=Status.PUBLISHED)
            .select_related("take", "take__publication", "quote")
            .with_take_authors()
            .order_by("relation", "-take__published", "id")
        ),
        record=scores.record_of(expert),
    )


def conversation_partners(expert: Expert, sections: ExpertSections) -> list[Expert]:
    """The experts this one answered or was answered by (already loaded), by name: the compare form's
    suggestions."""
    found = {response.expert.pk: response.expert for response in sections.answered}
    for response in sections.received:
        found.update({a.expert_id: a.expert for a in response.take.authorships.all()})
    found.pop(expert.pk, None)
    return sorted(found.values(), key=lambda other: (other.sort_name.lower(), other.pk))


@require_safe
def expert_detail(request: HttpRequest, slug: str) -> HttpResponse:
    expert = get_object_or_404(Expert.objects.public().prefetch_related("affiliations"), slug=slug)
    takes = Take.objects.published().by_experts([expert.pk]).newest_first()
    ids = newest_take_ids_of(expert)
    expert.take_count = len(ids)  # counting them otherwise, SQLite tested every published take (90 ms)
    page_obj, page_notice = paginate(request, takes, count=len(ids), first_ids=ids)
    current = [str(a) for a in expert.affiliations.all() if a.current]
    rows = expert_position_rows(expert.pk)  # the timeline and the stance per phase are made from these
    sections = expert_sections(expert, rows)
    return page(
        request,
        "archive/expert_detail.html",
        expert.name,
        expert.bio
        or f"{expert.name}{', ' + current[0] if current else ''}: takes, quotes and stances on the Hanoi summit.",
        og_type="profile",
        expert=expert,
        page_obj=page_obj,
        cards=take_cards(page_obj),
        sections=sections,
        partners=conversation_partners(expert, sections),
        phases=PHASES,
        by_phase=expert_phases(expert.pk, rows),
        notices=[page_notice],
        canonical_query=canonical_query([], page_obj),
        open_data=links.listing("expert", expert.slug, "this expert"),
    )
