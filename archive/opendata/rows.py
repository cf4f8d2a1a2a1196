"""What one row of each download holds: takes, quotes, experts (and who holds which stance), a
question's positions. Each ``*_rows`` function streams an ordered queryset (``streaming.in_chunks``)
and yields JSON-ready dicts; each ``*_COLUMNS`` list is the CSV's header, in order
(docs/open-data.md describes every column).

A chunk's rows and what they show are read as plain values (``values()``), never as model
instances: 100,000 takes with their authors, stances and themes would otherwise be some 1,000,000
objects built and dropped (four times the time, measured: docs/performance.md).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterator

from django.db.models import QuerySet
from django.urls import reverse

from archive.db.bulk import id_list
from archive.models import Affiliation, Expert, ExpertStance, Position, Quote, Take, TakeAuthor
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


@functools.cache
def _around_slug(name: str) -> tuple[str, str]:
    """The text of a one-slug URL around its slug: ``reverse()`` for each of 100,000 rows was half
    a download's time. (Slugs need no escaping in a path: ``SlugField`` holds ``[-a-zA-Z0-9_]``.)"""
    before, _, after = reverse(name, args=["slug"]).rpartition("slug")
    return before, after


def path_of(name: str, slug: str) -> str:
    before, after = _around_slug(name)
    return before + slug + after


def take_path(slug: str) -> str:
    return path_of("take_detail", slug)


@functools.cache
def _around_id(name: str) -> tuple[str, str]:
    """The text of a one-number URL around its number (as ``_around_slug``)."""
    sentinel = 987654321
    before, _, after = reverse(name, args=[sentinel]).rpartition(str(sentinel))
    return before, after


def quote_path(pk: int) -> str:
    """A quote's permalink: its own page, ``/quotes/<id>/``."""
    before, after = _around_id("quote_detail")
    return f"{before}{pk}{after}"


def among(ids) -> object:
    """A chunk's ids as one bound parameter (``archive.db.bulk.id_list``): 1,000 placeholders cost
    more Python than the query itself."""
    return id_list(list(ids), Take.objects.db)


def by_id(rows) -> dict[int, dict]:
    return {row["id"]: row for row in rows}


def grouped(pairs) -> dict[int, list]:
    """``(key, value)`` rows as key -> values, in the rows' order."""
    groups: dict[int, list] = defaultdict(list)
    for key, value in pairs:
        groups[key].append(value)
    return groups


def bylines(take_ids) -> dict[int, list[tuple[str, str]]]:
    """(name, slug) of each take's authors, in byline order: one query for a chunk."""
    rows = TakeAuthor.objects.filter(take_id__in=among(take_ids)).order_by("take_id", "order", "id")
    return grouped(
        (take, (name, slug)) for take, name, slug in rows.values_list("take_id", "expert__name", "expert__slug")
    )


def dated(row: dict, prefix: str = "") -> dict:
    """A take's date in ISO form with the precision it is known to (day, month or year)."""
    day = row[f"{prefix}published"]
    return {
        "published": day.isoformat() if day else None,
        "date_precision": row[f"{prefix}date_precision"] if day else None,
    }


TAKE_VALUES = ("id", "slug", "title", "publication__name", "publication__slug", "collection__title",
               "collection__slug", "kind", "published", "date_precision", "url", "archived_url", "summary")  # fmt: skip


def load_takes(ids: list[int]) -> dict[int, dict]:
    takes = by_id(Take.objects.published().filter(pk__in=among(ids)).values(*TAKE_VALUES))
    authors = bylines(ids)
    stances = grouped(
        (take, f"{short or text}: {label}")
        for take, short, text, label in Position.objects.filter(take_id__in=among(ids))
        .order_by("take_id", "question__order", "question_id")
        .values_list("take_id", "question__short_label", "question__text", "stance__label")
    )
    themes = grouped(
        Take.themes.through.objects.filter(take_id__in=among(ids))
        .order_by("take_id", "theme__name")
        .values_list("take_id", "theme__name")
    )
    for pk, take in takes.items():
        take.update(authors=authors.get(pk, []), stances=stances.get(pk, []), themes=themes.get(pk, []))
    return takes


def take_rows(ordered: QuerySet, absolute: Absolute) -> Iterator[dict]:
    for take in in_chunks(ordered, load_takes):
        yield {
            "id": take["id"],
            "slug": take["slug"],
            "url": absolute(take_path(take["slug"])),
            "title": take["title"],
            "authors": [name for name, _ in take["authors"]],
            "author_slugs": [slug for _, slug in take["authors"]],
            "publication": take["publication__name"],
            "publication_slug": take["publication__slug"],
            "collection": take["collection__title"],
            "collection_slug": take["collection__slug"],
            "kind": take["kind"],
            **dated(take),
            "original_url": take["url"] or None,
            "archived_url": take["archived_url"] or None,
            "summary": take["summary"],
            "themes": take["themes"],
            "stances": take["stances"],
        }


QUOTE_VALUES = ("id", "text", "speaker__name", "speaker__slug", "is_headline", "source_url", "take_id", "take__slug",
                "take__title", "take__publication__name", "take__published", "take__date_precision")  # fmt: skip


def load_quotes(ids: list[int]) -> dict[int, dict]:
    quotes = by_id(Quote.objects.published().filter(pk__in=among(ids)).values(*QUOTE_VALUES))
    authors = bylines({quote["take_id"] for quote in quotes.values()})
    for quote in quotes.values():
        quote["authors"] = authors.get(quote["take_id"], [])
    return quotes


def quote_rows(ordered: QuerySet, absolute: Absolute) -> Iterator[dict]:
    for quote in in_chunks(ordered, load_quotes):
        yield {
            "id": quote["id"],
            "url": absolute(quote_path(quote["id"])),
            "text": quote["text"],
            "speaker": quote["speaker__name"],
            "speaker_slug": quote["speaker__slug"],
            "headline": quote["is_headline"],
            "read_at": quote["source_url"] or None,
            "take_slug": quote["take__slug"],
            "take_title": quote["take__title"],
            "take_url": absolute(take_path(quote["take__slug"])),
            "take_authors": [name for name, _ in quote["authors"]],
            "publication": quote["take__publication__name"],
            **dated(quote, "take__"),
        }


def load_experts(ids: list[int]) -> dict[int, dict]:
    experts = by_id(
        Expert.objects.filter(pk__in=among(ids))
        .with_take_counts()
        .values("id", "slug", "name", "sort_name", "kind", "take_count", "homepage")
    )
    current = Affiliation.objects.filter(expert_id__in=among(ids), current=True).order_by("expert_id", "pk")
    affiliations = grouped(
        (e, (role, org)) for e, role, org in current.values_list("expert_id", "role", "organization")
    )
    for pk, expert in experts.items():
        expert["affiliations"] = [f"{role}, {org}" if role else org for role, org in affiliations.get(pk, [])]
    return experts


def expert_rows(ordered: QuerySet, absolute: Absolute) -> Iterator[dict]:
    for expert in in_chunks(ordered, load_experts):
        yield {
            **{name: expert[name] for name in ("id", "slug", "name", "sort_name", "kind", "take_count")},
            "url": absolute(path_of("expert_detail", expert["slug"])),
            "affiliations": expert["affiliations"],
            "homepage": expert["homepage"] or None,
        }


HOLDER_VALUES = ("id", "question__text", "question__slug", "stance__label", "stance__slug", "expert__name",
                 "expert__slug", "takes", "newest")  # fmt: skip


def holder_rows(ordered: QuerySet, absolute: Absolute) -> Iterator[dict]:
    """Who holds which stance (``ExpertStance`` rows, ordered): one row per stance and expert."""
    for held in in_chunks(
        ordered, lambda ids: by_id(ExpertStance.objects.filter(pk__in=among(ids)).values(*HOLDER_VALUES))
    ):
        yield {
            "question": held["question__text"],
            "question_slug": held["question__slug"],
            "stance": held["stance__label"],
            "stance_slug": held["stance__slug"],
            "expert": held["expert__name"],
            "expert_slug": held["expert__slug"],
            "expert_url": absolute(path_of("expert_detail", held["expert__slug"])),
            "takes": held["takes"],
            "newest": held["newest"].isoformat() if held["newest"] else None,
        }


POSITION_VALUES = ("id", "question__slug", "stance__label", "stance__slug", "take_id", "take__slug", "take__title",
                   "take__publication__name", "take__published", "take__date_precision", "confidence",
                   "evidence__text", "evidence__speaker__name")  # fmt: skip


def load_positions(ids: list[int]) -> dict[int, dict]:
    positions = by_id(Position.objects.published().filter(pk__in=among(ids)).values(*POSITION_VALUES))
    authors = bylines({position["take_id"] for position in positions.values()})
    for position in positions.values():
        position["authors"] = authors.get(position["take_id"], [])
    return positions


def position_rows(ordered: QuerySet, absolute: Absolute) -> Iterator[dict]:
    for position in in_chunks(ordered, load_positions):
        yield {
            "question_slug": position["question__slug"],
            "stance": position["stance__label"],
            "stance_slug": position["stance__slug"],
            "take_slug": position["take__slug"],
            "take_title": position["take__title"],
            "take_url": absolute(take_path(position["take__slug"])),
            "authors": [name for name, _ in position["authors"]],
            "publication": position["take__publication__name"],
            **dated(position, "take__"),
            "confidence": position["confidence"],
            "evidence": position["evidence__text"],
            "evidence_speaker": position["evidence__speaker__name"],
        }
