"""The take list (/takes/, with its filters and facets) and a take's own page."""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_safe

from archive import cache
from archive.db import data_version
from archive.filters import TakeFilter
from archive.filters.querystrings import canonical_query, changed, link_params
from archive.models import Position, Quote, Response, Status, Take, TakeAuthor, Theme
from archive.opendata import links
from archive.pagination import paginate
from archive.reading import opposing_takes, take_cards
from archive.search import gate
from archive.search.query import parse
from archive.search.results import attach_snippets, spelling_suggestion
from archive.timeline import Volume, published_volume, question_volume, stance_volume, take_volume
from archive.views.base import active_labels, page


def list_volume(filterset: TakeFilter, version: int | None) -> Volume:
    """The chart of the list's takes over time, following its filters; split by stance when a
    question is chosen. Kept per set of filters, like the facet counts."""
    questions = filterset.data_cleaned.get("question") or []

    # A search charts the matches the facets counted, the newest FACET_CAP (``facets()`` ran first):
    # charting every match read every matching take's search document (docs/performance.md).
    searched = bool(filterset.query)
    matches = Take.objects.filter(pk__in=filterset.matches)
    title = "These takes over time"
    if searched and filterset.total_capped:
        title = f"The newest {len(filterset.matches):,} of these takes over time"

    def compute() -> Volume:
        if filterset.unfiltered:
            # Every published take: the counts per date the database keeps (archive/db/take_dates.py).
            return published_volume("list", "These takes over time", filterset.narrowed().db)
        if not questions:
            return take_volume("list", title, matches if searched else filterset.narrowed())
        # The question's positions themselves (an index on question and stance), narrowed by the
        # other filters only when there are any: not every take on the question probed twice.
        question, data = questions[0], filterset.data_cleaned
        positions = Position.objects.published().filter(question=question)
        if data.get("stance"):
            positions = positions.filter(stance__in=data["stance"])
        if searched:
            positions = positions.filter(take__in=matches)
        elif any(value and name not in ("question", "stance", *filterset.order_only) for name, value in data.items()):
            others = filterset.narrowed(exclude=("question", "stance"))
            positions = positions.filter(take__in=others.order_by().values("pk"))
        elif not data.get("stance"):  # every published position on the question: the kept counts
            return question_volume("list", f"{title}, by stance on “{question.text}”", question, positions.db)
        return stance_volume("list", f"{title}, by stance on “{question.text}”", positions, question)

    # The name changed when the chart began to carry its count (``counted``): a chart kept by the
    # code before, at the same data version, has none, and would give the list a total of 0.
    return cache.kept("take list chart", tuple(filterset.canonical_params()), compute, version=version)


@require_safe
@gate.limited
def take_list(request: HttpRequest) -> HttpResponse:
    filterset = TakeFilter(request.GET, queryset=Take.objects.published())
    params = link_params(request.GET, filterset.filters)
    version = data_version.for_request(request)
    if filterset.query:
        # A search: the facets read the newest matches first, and the chart charts those.
        facets = filterset.facets(params, version=version)
        volume = list_volume(filterset, version)
    else:
        # The chart counts the results too: one take per row, or with a question one position per
        # take (``position_one_per_question``); the facets need no count of their own
        # (docs/performance.md, "Seventh round" and "Eighth round").
        volume = list_volume(filterset, version)
        # Sizes the facets (kept per filters).
        facets = filterset.facets(params, version=version, counted=volume.counted)
    page_obj, page_notice = paginate(
        request, filterset.qs, count=filterset.total, first_ids=filterset.first_ids, capped=filterset.total_capped
    )
    active = filterset.active(params)
    count = page_obj.paginator.count
    cards = take_cards(page_obj)
    searched = _searched(filterset, cards, params, count)
    return page(
        request,
        "archive/take_list.html",
        "Takes" + (": " + active_labels(active, 3) if active else ""),
        f"{count} take{'s' if count != 1 else ''} on the Hanoi summit"
        + (", filtered by " + active_labels(active) if active else "")
        + ": titles, authors, outlets, stances and headline quotes.",
        filter=filterset,
        form_values=filterset.data_cleaned,
        page_obj=page_obj,
        cards=cards,
        active=active,
        **searched,
        facets=facets,
        volume=volume,
        link_query=params,
        # What the parser cut from the words (a phrase over 12 words, a word over 100 letters…);
        # the 300-character cap is the filterset's own notice.
        notices=[*filterset.notices, *parse(filterset.query).cuts, page_notice],
        kept=[(k, v) for k, v in filterset.canonical_params() if k not in ("q", "date_from", "date_to", "sort")],
        canonical_query=canonical_query(filterset.canonical_params(), page_obj),
        open_data=links.take_list(filterset.canonical_params()),
    )


def _searched(filterset: TakeFilter, cards: list[Take], params, count: int) -> dict:
    """With words (``?q=``): each card's matching passage, highlighted as /search/ shows it (one
    query), and when nothing matches, the respelt words that would find something (two queries)."""
    query = parse(filterset.query)
    if not query.is_searchable:
        return {}
    attach_snippets(cards, query)
    if count:
        return {}
    suggestion = spelling_suggestion(Take.objects.published(), query)
    if suggestion is None:
        return {}
    return {"suggestion": suggestion, "suggestion_url": reverse("take_list") + changed(params, q=str(suggestion))}


@dataclass
class TakeSections:
    """What a take page shows besides the take itself."""

    authorships: list[TakeAuthor]  # each with ``affiliations_then``: the author's affiliations that year
    positions: list[Position]
    themes: list[Theme]
    quotes: list[Quote]
    responses: list[Response]  # what this take says of other experts
    answered_by: list[Response]  # published takes that answer this one
    appearances: list  # the other places the take was published ("also published in")
    predictions: list  # what the take said would happen, and what did


def take_sections(take: Take) -> TakeSections:
    """The sections of ``take``'s page: ``take`` comes loaded with ``TakeQuerySet.with_details()``."""
    year = take.published.year if take.published else None
    authorships = list(take.authorships.all())
    for authorship in authorships:
        authorship.affiliations_then = [a for a in authorship.expert.affiliations.all() if a.held_in(year)]
    return TakeSections(
        authorships=authorships,
        positions=list(take.positions.all()),
        themes=list(take.themes.all()),
        quotes=list(take.quotes.select_related("speaker")),
        responses=list(take.responses.select_related("expert", "target_take", "quote", "quote__speaker")),
        answered_by=list(
            Response.objects.filter(target_take=take, take__status=Status.PUBLISHED)
            .select_related("take", "take__publication")
            .with_take_authors()
        ),
        appearances=list(take.appearances.select_related("publication")),
        predictions=list(take.predictions.select_related("question", "evidence")),
    )


def take_page_context(take: Take) -> dict:
    """Everything the take page shows: shared by the public page and the editors' preview
    (archive/preview.py), so a preview is exactly what the public will see. ``take`` comes loaded
    with ``TakeQuerySet.with_details()``."""
    sections = take_sections(take)
    description = take.summary or take.standfirst
    if not description:
        description = f"{take.title}, by {', '.join(a.expert.name for a in sections.authorships)}."
    return {
        "take": take,
        "title": take.title,
        "description": " ".join(description.split())[:300],
        "og_type": "article",
        "sections": sections,
        "opposing": opposing_takes(take),
    }


@require_safe
def take_detail(request: HttpRequest, slug: str) -> HttpResponse:
    take = get_object_or_404(Take.objects.published().with_details(), slug=slug)
    context = take_page_context(take)
    return page(request, "archive/take_detail.html", context.pop("title"), context.pop("description"), **context)
