"""The home page and the About page."""

from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from archive import cache
from archive.db import data_version, stance_dates, totals
from archive.models import Publication, Question, Take
from archive.phases import PHASES, SUMMIT_END, SUMMIT_START
from archive.reading import stance_split, take_cards
from archive.timeline import published_volume
from archive.views.base import page


def home_figures() -> dict:
    """The whole archive's totals and stance split, from the counts the database keeps, and kept in
    the cache until the data changes (archive/cache.py)."""
    using = Take.objects.published().db
    volume = published_volume("all", "Takes over time", using)
    kept = totals.totals(connections[using])
    return {
        # The chart counts every published take (``counted``); the rest the database keeps
        # (archive/db/totals.py, archive/db/stance_dates.py): no pass over the quotes or the experts.
        "totals": {"takes": volume.counted, "outlets": kept["outlets"]},
        "experts": kept["experts"],
        "quotes": kept["quotes"],
        "split": stance_dates.split(connections[using]),
        "volume": volume,
    }


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    figures = cache.kept("home figures", None, home_figures, version=data_version.for_request(request))
    questions = Question.objects.prefetch_related("stances")
    return page(
        request,
        "archive/home.html",
        "Who said what about the Hanoi summit",
        "Expert opinion on the February 2019 Trump–Kim summit in Hanoi: takes, quotes, and where each "
        "expert stands on the questions the summit raised.",
        totals=figures["totals"],
        expert_count=figures["experts"],
        quote_count=figures["quotes"],
        splits=[stance_split(question, figures["split"]) for question in questions],
        volume=figures["volume"],
        latest=take_cards(Take.objects.published().newest_first()[:6]),
    )


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return page(
        request,
        "archive/about.html",
        "About the data",
        "What the archive records, what a stance means, how editors assign positions, and where the takes come from.",
        questions=Question.objects.prefetch_related("stances", "stances__opposes"),
        publications=Publication.objects.with_published_takes(),
        phases=PHASES,
        summit=(SUMMIT_START, SUMMIT_END),
    )
