"""What one row of each download holds: takes, quotes, experts (and who holds which stance), a
question's positions. Each ``*_rows`` function streams an ordered queryset (``streaming.in_chunks``)
and yields JSON-ready dicts; each ``*_COLUMNS`` list is the CSV's header, in order
(docs/open-data.md describes every column)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.db.models import Prefetch, QuerySet

from archive.models import Expert, ExpertStance, Position, Quote, Take, TakeAuthor
from archive.opendata.streaming import in_chunks

Absolute = Callable[[str], str]

TAKE_COLUMNS = [
    "id", "slug", "url", "title", "authors", "author_slugs", "publication", "publication_slug",
    "collection", "collection_slug", "kind", "published", "date_precision", "original_url",
    "archived_url", "summary", "themes", "stances",
]  # fmt: skip
QUOTE_COLUMNS = [
    "id", "url", "text", "speaker", "speaker_slug", "headline", "read_at", "take_slug", "take_title",
    "take_url", "take_authors", "publication", "published", "date_precision",
]  # fmt: skip
EXPERT_COLUMNS = ["id", "slug", "url", "name", "sort_name", "kind", "take_count", "affiliations", "homepage"]
HOLDER_COLUMNS = ["question", "question_slug", "stance", "stance_slug", "expert", "expert_slug", "expert_url",
                  "takes", "newest"]  # fmt: skip
POSITION_COLUMNS = [
    "question_slug", "stance", "stance_slug", "take_slug", "take_title", "take_url", "authors",
    "publication", "published", "date_precision", "confidence", "evidence", "evidence_speaker",
]  # fmt: skip

BYLINE = Prefetch("authorships", queryset=TakeAuthor.objects.select_related("expert").order_by("order", "id"))


def dated(take: Take) -> dict:
    """A take's date in ISO form with the precision it is known to (day, month or year)."""
    return {
        "published": take.published.isoformat() if take.published else None,
        "date_precision": take.date_precision if take.published else None,
    }


def take_rows(ordered: QuerySet, absolute: Absolute) -> Iterator[dict]:
    def load(ids):
        return (
            Take.objects.published()
            .filter(pk__in=ids)
            .select_related("publication", "collection")
            .prefetch_related(
                BYLINE,
                Prefetch("positions", queryset=Position.objects.select_related("question", "stance")),
                "themes",
            )
        )

    for take in in_chunks(ordered, load):
        authors = [a.expert for a in take.authorships.all()]
        positions = sorted(take.positions.all(), key=lambda p: (p.question.order, p.question_id))
        yield {
            "id": take.pk,
            "slug": take.slug,
            "url": absolute(take.get_absolute_url()),
            "title": take.title,
            "authors": [expert.name for expert in authors],
            "author_slugs": [expert.slug for expert in authors],
            "publication": take.publication.name if take.publication else None,
            "publication_slug": take.publication.slug if take.publication else None,
            "collection": take.collection.title if take.collection else None,
            "collection_slug": take.collection.slug if take.collection else None,
            "kind": take.kind,
            **dated(take),
            "original_url": take.url or None,
            "archived_url": take.archived_url or None,
            "summary": take.summary,
            "themes": [theme.name for theme in take.themes.all()],
            "stances": [f"{p.question.short_label or p.question.text}: {p.stance.label}" for p in positions],
        }


def quote_url(quote: Quote) -> str:
    """Where a quote is read: its take's page, at the quote."""
    return f"{quote.take.get_absolute_url()}#quote-{quote.pk}"


def quote_rows(ordered: QuerySet, absolute: Absolute) -> Iterator[dict]:
    def load(ids):
        return (
            Quote.objects.published()
            .filter(pk__in=ids)
            .select_related("speaker", "take", "take__publication")
            .prefetch_related(Prefetch("take__authorships", queryset=BYLINE.queryset))
        )

    for quote in in_chunks(ordered, load):
        take = quote.take
        yield {
            "id": quote.pk,
            "url": absolute(quote_url(quote)),
            "text": quote.text,
            "speaker": quote.speaker.name if quote.speaker else None,
            "speaker_slug": quote.speaker.slug if quote.speaker else None,
            "headline": quote.is_headline,
            "read_at": quote.source_url or None,
            "take_slug": take.slug,
            "take_title": take.title,
            "take_url": absolute(take.get_absolute_url()),
            "take_authors": [a.expert.name for a in take.authorships.all()],
            "publication": take.publication.name if take.publication else None,
            **dated(take),
        }


def expert_rows(ordered: QuerySet, absolute: Absolute) -> Iterator[dict]:
    def load(ids):
        return Expert.objects.filter(pk__in=ids).with_take_counts().prefetch_related("affiliations")

    for expert in in_chunks(ordered, load):
        yield {
            "id": expert.pk,
            "slug": expert.slug,
            "url": absolute(expert.get_absolute_url()),
            "name": expert.name,
            "sort_name": expert.sort_name,
            "kind": expert.kind,
            "take_count": expert.take_count,
            "affiliations": [str(a) for a in expert.affiliations.all() if a.current],
            "homepage": expert.homepage or None,
        }


def holder_rows(ordered: QuerySet, absolute: Absolute) -> Iterator[dict]:
    """Who holds which stance (``ExpertStance`` rows, ordered): one row per stance and expert."""

    def load(ids):
        return ExpertStance.objects.filter(pk__in=ids).select_related("expert", "question", "stance")

    for held in in_chunks(ordered, load):
        yield {
            "question": held.question.text,
            "question_slug": held.question.slug,
            "stance": held.stance.label,
            "stance_slug": held.stance.slug,
            "expert": held.expert.name,
            "expert_slug": held.expert.slug,
            "expert_url": absolute(held.expert.get_absolute_url()),
            "takes": held.takes,
            "newest": held.newest.isoformat() if held.newest else None,
        }


def position_rows(ordered: QuerySet, absolute: Absolute) -> Iterator[dict]:
    def load(ids):
        return (
            Position.objects.published()
            .filter(pk__in=ids)
            .select_related("stance", "question", "take", "take__publication", "evidence", "evidence__speaker")
            .prefetch_related(Prefetch("take__authorships", queryset=BYLINE.queryset))
        )

    for position in in_chunks(ordered, load):
        take, evidence = position.take, position.evidence
        yield {
            "question_slug": position.question.slug,
            "stance": position.stance.label,
            "stance_slug": position.stance.slug,
            "take_slug": take.slug,
            "take_title": take.title,
            "take_url": absolute(take.get_absolute_url()),
            "authors": [a.expert.name for a in take.authorships.all()],
            "publication": take.publication.name if take.publication else None,
            **dated(take),
            "confidence": position.confidence,
            "evidence": evidence.text if evidence else None,
            "evidence_speaker": evidence.speaker.name if evidence and evidence.speaker else None,
        }
