"""A quote's own page (/quotes/<id>/): the words, who said them where and when, the stances they are
evidence for, and the speaker's other quotes on the same questions."""

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from archive.models import Affiliation, Position, Quote, TakeAuthor
from archive.reading import quote_cards
from archive.views.base import page

#: How many of the speaker's other quotes the page lists.
OTHERS_SHOWN = 10


@dataclass
class QuoteSections:
    affiliations: list[Affiliation]  # the speaker's affiliations in the take's year
    authorships: list[TakeAuthor]
    evidence_for: list[Position]  # the take's positions this quote is the evidence of
    positions: list[Position]  # all the take's positions
    others: list[Quote]  # the speaker's other quotes on the same questions, as cards


def quote_sections(quote: Quote) -> QuoteSections:
    """What the page shows around ``quote`` (loaded with ``with_page_details()``): six queries, and
    the cards' four."""
    take = quote.take
    year = take.published.year if take.published else None
    affiliations = []
    if quote.speaker_id:
        affiliations = [a for a in quote.speaker.affiliations.all() if a.held_in(year)]
    positions = list(take.positions.select_related("question", "stance"))
    evidence_for = [p for p in positions if p.evidence_id == quote.pk]
    # "The same question": the questions the quote is evidence on, else every question the take answers.
    questions = {p.question_id for p in (evidence_for or positions)}
    other_ids = list(
        Quote.objects.published().of_speaker_on(quote, questions).values_list("pk", flat=True)[:OTHERS_SHOWN]
    )
    return QuoteSections(
        affiliations=affiliations,
        authorships=list(take.authorships.select_related("expert").order_by("order", "id")),
        evidence_for=evidence_for,
        positions=positions,
        others=quote_cards([Quote(pk=pk) for pk in other_ids]),
    )


#: The largest id a database column holds: a longer number in the address is no quote (404, not 500).
LARGEST_ID = 2**63 - 1


@require_safe
def quote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if pk > LARGEST_ID:
        raise Http404("No such quote.")
    quote = get_object_or_404(Quote.objects.published().with_page_details(), pk=pk)
    sections = quote_sections(quote)
    speaker = quote.speaker.name if quote.speaker else "Unattributed"
    words = " ".join(quote.text.split())
    short = words if len(words) <= 70 else words[:69].rstrip() + "…"
    return page(
        request,
        "archive/quote_detail.html",
        f"“{short}” — {speaker}",
        f"{speaker}, in “{quote.take.title}”: “{words}”",
        quote=quote,
        take=quote.take,
        sections=sections,
        og_type="article",
    )
