"""Write the archive in the import format, deterministically.

Every item carries every key (null or empty when unset); sections are sorted by slug, keys
alphabetically, nested lists in their meaningful order (byline, quote order, stance scale). The
same database always gives the same bytes, so export -> import into an empty database -> export
gives an identical file. Takes are streamed in chunks: memory stays flat on a large archive.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from django.db.models import Prefetch

from archive import models
from archive.transfer import FORMAT_VERSION, Progress
from archive.transfer.document import format_date

CHUNK = 2000


def dump(value, level: int) -> str:
    """``value`` as JSON, indented as it would be ``level`` levels deep in the whole document."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2)
    return text.replace("\n", "\n" + "  " * level)


def publication_item(p: models.Publication) -> dict:
    return {
        "slug": p.slug,
        "name": p.name,
        "kind": p.kind,
        "homepage": p.homepage,
        "country": p.country,
        "description": p.description,
    }


def expert_item(e: models.Expert) -> dict:
    return {
        "slug": e.slug,
        "name": e.name,
        "sort_name": e.sort_name,
        "kind": e.kind,
        "bio": e.bio,
        "homepage": e.homepage,
        "social_handle": e.social_handle,
        "affiliations": [
            {
                "organization": a.organization,
                "role": a.role,
                "start_year": a.start_year,
                "end_year": a.end_year,
                "current": a.current,
            }
            for a in e.affiliations.all()
        ],
    }


def question_item(q: models.Question) -> dict:
    return {
        "slug": q.slug,
        "text": q.text,
        "short_label": q.short_label,
        "description": q.description,
        "order": q.order,
        "stances": [
            {"slug": s.slug, "label": s.label, "meaning": s.meaning, "position": s.position} for s in q.stances.all()
        ],
    }


def collection_item(c: models.Collection) -> dict:
    return {
        "slug": c.slug,
        "title": c.title,
        "prompt": c.prompt,
        "publication": c.publication.slug if c.publication else None,
        "url": c.url,
        "description": c.description,
    }


def theme_item(t: models.Theme) -> dict:
    return {"slug": t.slug, "name": t.name, "description": t.description}


def take_item(t: models.Take, exported: set[str] | None) -> dict:
    """One take; ``exported`` (when filtering) holds the slugs a response may point at."""
    quotes = list(t.quotes.all())
    index = {quote.pk: n for n, quote in enumerate(quotes)}
    positions = sorted(t.positions.all(), key=lambda p: (p.question.order, p.question.slug))
    responses = sorted(
        t.responses.all(),
        key=lambda r: (r.expert.slug, r.relation, r.target_take.slug if r.target_take else ""),
    )

    def target(response: models.Response) -> str | None:
        if response.target_take is None:
            return None
        slug = response.target_take.slug
        return slug if exported is None or slug in exported else None

    return {
        "slug": t.slug,
        "title": t.title,
        "standfirst": t.standfirst,
        "kind": t.kind,
        "status": t.status,
        "publication": t.publication.slug if t.publication else None,
        "collection": t.collection.slug if t.collection else None,
        "authors": [a.expert.slug for a in t.authorships.all()],
        "published": format_date(t.published, t.date_precision),
        "url": t.url,
        "archived_url": t.archived_url,
        "language": t.language,
        "summary": t.summary,
        "body": t.body,
        "themes": sorted(theme.name for theme in t.themes.all()),
        "quotes": [
            {
                "text": q.text,
                "speaker": q.speaker.slug if q.speaker else None,
                "headline": q.is_headline,
                "source_url": q.source_url,
            }
            for q in quotes
        ],
        "positions": [
            {
                "question": p.question.slug,
                "stance": p.stance.slug,
                "confidence": p.confidence,
                "quote": index.get(p.evidence_id),
                "note": p.note,
            }
            for p in positions
        ],
        "appearances": [
            {
                "url": a.url,
                "kind": a.kind,
                "publication": a.publication.slug if a.publication else None,
                "published": a.published.isoformat() if a.published else None,
                "title": a.title,
            }
            for a in t.appearances.all()
        ],
        "predictions": [prediction_item(p, index) for p in t.predictions.all()],
        "responses": [
            {
                "expert": r.expert.slug,
                "relation": r.relation,
                "take": target(r),
                "quote": index.get(r.quote_id),
                "note": r.note,
            }
            for r in responses
        ],
    }


def prediction_item(p: models.Prediction, index: dict[int, int]) -> dict:
    def day(value):
        return value.isoformat() if value else None

    return {
        "claim": p.claim,
        "quote": index.get(p.evidence_id),
        "question": p.question.slug if p.question else None,
        "horizon": day(p.horizon),
        "probability": p.probability,
        "confidence": p.confidence,
        "outcome": p.outcome,
        "resolved": day(p.resolved),
        "source_title": p.source_title,
        "source_outlet": p.source_outlet,
        "source_date": day(p.source_date),
        "source_url": p.source_url,
        "note": p.note,
    }


def takes_queryset(status: str | None):
    takes = models.Take.objects.all()
    if status:
        takes = takes.filter(status=status)
    return (
        takes.order_by("slug")
        .select_related("publication", "collection")
        .prefetch_related(
            Prefetch(
                "authorships", queryset=models.TakeAuthor.objects.select_related("expert").order_by("order", "id")
            ),
            Prefetch("quotes", queryset=models.Quote.objects.select_related("speaker").order_by("order", "id")),
            Prefetch("positions", queryset=models.Position.objects.select_related("question", "stance")),
            Prefetch("responses", queryset=models.Response.objects.select_related("expert", "target_take")),
            Prefetch("appearances", queryset=models.Appearance.objects.select_related("publication").order_by("order")),
            Prefetch("predictions", queryset=models.Prediction.objects.select_related("question").order_by("order")),
            "themes",
        )
    )


def take_items(status: str | None, progress: Progress | None) -> Iterator[dict]:
    exported = set(models.Take.objects.filter(status=status).values_list("slug", flat=True)) if status else None
    total = models.Take.objects.filter(status=status).count() if status else models.Take.objects.count()
    for n, take in enumerate(takes_queryset(status).iterator(chunk_size=CHUNK), 1):
        yield take_item(take, exported)
        if progress and n % progress.every == 0:
            progress(f"exported {n:,} of {total:,} takes")


def sections(status: str | None, progress: Progress | None) -> dict:
    """Each section's items, in key order (the order ``json.dumps(sort_keys=True)`` would use)."""
    return {
        "collections": (
            collection_item(c) for c in models.Collection.objects.select_related("publication").order_by("slug")
        ),
        "experts": (
            expert_item(e)
            for e in models.Expert.objects.order_by("slug").prefetch_related(
                Prefetch("affiliations", queryset=models.Affiliation.objects.order_by("order", "id"))
            )
        ),
        "publications": (publication_item(p) for p in models.Publication.objects.order_by("slug")),
        "questions": (
            question_item(q)
            for q in models.Question.objects.order_by("slug").prefetch_related(
                Prefetch("stances", queryset=models.Stance.objects.order_by("position", "id"))
            )
        ),
        "takes": take_items(status, progress),
        "themes": (theme_item(t) for t in models.Theme.objects.order_by("slug")),
    }


def export_archive(out: TextIO, *, status: str | None = None, progress: Progress | None = None) -> int:
    """Write the archive (or its takes of one status) to ``out``; the number of takes written.

    The output is exactly ``json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2)``
    plus a final newline, written piece by piece.
    """
    out.write("{")
    count = 0
    for position, (name, items) in enumerate(sections(status, progress).items()):
        out.write("," if position else "")
        out.write(f'\n  "{name}": [')
        first = True
        for item in items:
            out.write("\n    " if first else ",\n    ")
            out.write(dump(item, 2))
            first = False
            count += name == "takes"
        out.write("]" if first else "\n  ]")
    out.write(f',\n  "version": {FORMAT_VERSION}\n}}\n')
    return count
