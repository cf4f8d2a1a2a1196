"""The naive way of answering each benchmark question (``icontains`` filters, a ``COUNT(*)`` per
facet choice, OFFSET paging, related rows fetched one by one): the baselines ``run.py`` times
beside the pages."""

from __future__ import annotations

from archive.models import (
    Collection,
    Expert,
    Prediction,
    Publication,
    Question,
    Quote,
    Stance,
    Status,
    Take,
    TakeKind,
    Theme,
)
from archive.pagination import PER_PAGE as PAGE  # rows a page shows


def naive_quote_search(text: str, *, newest: bool = False, **filters) -> list:
    quotes = Quote.objects.filter(text__icontains=text, take__status=Status.PUBLISHED, **filters)
    total = quotes.count()
    order = "-take__published" if newest else "id"
    page = list(quotes.order_by(order)[:PAGE])
    for quote in page:  # related rows one by one
        _ = quote.speaker, quote.take.publication
    return [total, page]


def naive_take_list(offset: int = 0, **filters) -> list:
    takes = Take.objects.filter(status=Status.PUBLISHED, **filters).distinct()
    total = takes.count()
    page = list(takes.order_by("-published")[offset : offset + PAGE])
    for take in page:
        _ = take.publication, list(take.authors.all()), list(take.positions.all())
    return [total, page]


def naive_facets(**filters) -> dict:
    """A ``COUNT(*)`` for every choice of every facet the page shows, except experts.

    (Thousands of experts would mean thousands of counts: the baseline leaves that facet out,
    which only flatters the baseline.)
    """
    base = Take.objects.filter(status=Status.PUBLISHED, **filters).distinct()
    counts = {}
    for publication in Publication.objects.all():
        counts[("publication", publication.slug)] = base.filter(publication=publication).count()
    for kind in TakeKind.values:
        counts[("kind", kind)] = base.filter(kind=kind).count()
    for theme in Theme.objects.all():
        counts[("theme", theme.slug)] = base.filter(themes=theme).count()
    for collection in Collection.objects.all():
        counts[("collection", collection.slug)] = base.filter(collection=collection).count()
    for stance in Stance.objects.all():
        counts[("stance", stance.pk)] = base.filter(positions__stance=stance).count()
    return counts


def naive_take_detail(slug: str) -> list:
    take = Take.objects.get(slug=slug)
    quotes = list(take.quotes.all())
    for quote in quotes:
        _ = quote.speaker
    return [take, quotes, list(take.positions.all()), list(take.authors.all())]


def naive_expert_detail(slug: str) -> list:
    expert = Expert.objects.get(slug=slug)
    takes = list(Take.objects.filter(authorships__expert=expert, status=Status.PUBLISHED).order_by("-published"))
    for take in takes:
        _ = take.publication
    return [expert, takes]


def naive_experts_by_stance(question_slug: str) -> dict:
    question = Question.objects.get(slug=question_slug)
    grouped = {}
    for stance in question.stances.all():
        experts = Expert.objects.filter(
            authorships__take__positions__stance=stance, authorships__take__status=Status.PUBLISHED
        ).distinct()
        grouped[stance.slug] = list(experts)
    return grouped


def naive_expert_menus(**filters) -> dict:
    """The experts who wrote a published take meeting ``filters`` (a ``DISTINCT`` join), and a
    ``COUNT(DISTINCT)`` of them for every theme and every stance. (The 250 outlets are left out:
    a count per outlet ran for minutes at 100,000 takes, which only flatters the baseline.)"""
    wrote = {f"authorships__take__{name}": value for name, value in filters.items()}
    base = Expert.objects.filter(authorships__take__status=Status.PUBLISHED, **wrote)
    counts = {("listed", ""): base.distinct().count()}
    for theme in Theme.objects.all():
        counts[("theme", theme.slug)] = base.filter(authorships__take__themes=theme).distinct().count()
    for stance in Stance.objects.all():
        counts[("stance", stance.pk)] = base.filter(authorships__take__positions__stance=stance).distinct().count()
    return counts


def naive_predictions(**filters) -> list:
    """The straightforward way: every published prediction, each author's record counted in Python."""
    rows = list(Prediction.objects.filter(take__status=Status.PUBLISHED, **filters).prefetch_related("take__authors"))
    tally: dict[int, list[int]] = {}
    for prediction in rows:
        for author in prediction.take.authors.all():
            counts = tally.setdefault(author.pk, [0, 0])
            counts[0] += prediction.outcome != "not-yet"
            counts[1] += prediction.outcome == "came-true"
    return rows[:30]
