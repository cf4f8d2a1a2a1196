"""Planning the takes of an import: match each to an existing take (by slug, then URL), check
every reference, and record what changes (fields, authors, themes, quotes, positions, responses).
Part of ``importer.Importer``: the methods read and fill its state."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import reset_queries
from django.utils.text import slugify

from archive import models
from archive.transfer import QUERY_CHUNK, chunked, fetch
from archive.transfer.document import Record, describe
from archive.transfer.spill import SpilledList, SpilledMap

TAKE_FIELDS = (
    "slug",
    "title",
    "standfirst",
    "kind",
    "published",
    "date_precision",
    "url",
    "archived_url",
    "summary",
    "body",
    "language",
    "status",
)

#: The columns of an appearance and of a prediction as the file gives them (the file's keys, in
#: model terms: references by slug; a prediction's evidence by quote index).
APPEARANCE_KEYS = ("url", "kind", "publication", "published", "title")
APPEARANCE_COLUMNS = ("url", "kind", "publication__slug", "published", "title")
PREDICTION_KEYS = (
    "evidence",
    "claim",
    "question",
    "horizon",
    "probability",
    "confidence",
    "outcome",
    "resolved",
    "source_title",
    "source_outlet",
    "source_date",
    "source_url",
    "note",
)
PREDICTION_COLUMNS = ("evidence_id", *PREDICTION_KEYS[1:2], "question__slug", *PREDICTION_KEYS[3:])


#: Takes planned (and later written) at a time: only these takes' texts are in memory at once.
PLAN_CHUNK = 2000


@dataclass(slots=True)
class TakePlan:
    """What to do with one take of the document. Between planning and writing it keeps no text: only
    the take's id and slug, the names of the fields that change, and which lists are rewritten
    (``forget``); writing reads the take from the file again and puts its values back (``recall``)."""

    record: Record | None
    take_id: int | None = None  # the existing take, or the new one once written
    fields: dict = field(default_factory=dict)  # model values to create with, or the changed ones
    authors: list[str] | None = None  # expert slugs, when they change
    themes: list[str] | None = None  # theme slugs, when they change
    quote_ids: list[int] = field(default_factory=list)  # the existing quotes, in order
    quotes: bool = False  # whether the quotes change
    positions: bool = False
    responses: bool = False
    slug: str = ""
    appearances: bool = False
    predictions: bool = False

    is_new: bool = True  # no existing take matched (take_id is filled in once it is written)

    @property
    def changes(self) -> bool:
        return (
            self.is_new
            or bool(self.fields or self.authors is not None or self.themes is not None)
            or (self.quotes or self.positions or self.responses or self.appearances or self.predictions)
        )

    def forget(self) -> None:
        """Drop the take's text, keeping what writing needs to find it again."""
        self.slug = self.record.slug
        self.fields = {} if self.is_new else dict.fromkeys(self.fields)
        self.record = None

    def recall(self, record: Record, new_take_fields) -> None:
        """Put back the take's values from ``record`` (the same item, read again)."""
        record.slug = self.slug
        self.record = record
        if self.is_new:
            self.fields = new_take_fields(record)
        else:
            wanted = {**record.fields, "slug": self.slug}
            self.fields = {name: wanted[name] for name in self.fields}


class TakePlanning:
    """The plan for every take of the document, with each problem found recorded as an error."""

    def plan_takes(self) -> None:
        """Plan the takes a chunk at a time (a streamed document's takes are read from the file)."""
        self.document_take_slugs = self.doc.take_slugs()
        # what is kept for every take until the end of planning, on disk (archive/transfer/spill.py)
        self.assigned_slugs = SpilledMap()  # the slugs given to new takes with only a URL
        self.claimed = SpilledMap()  # existing take id -> the record that matched it
        self.target_ids = SpilledMap()  # response targets that exist, by slug
        self.rewritten_positions = SpilledMap()  # existing takes whose positions the file replaces
        self.take_plans = SpilledList()  # of TakePlan, on disk (archive/transfer/spill.py)
        for records in self.doc.take_chunks(PLAN_CHUNK):
            plans = self.plan_take_chunk(records)
            for plan in plans:
                plan.forget()
            self.take_plans.extend(plans)
            reset_queries()  # with DEBUG on, Django keeps every statement's text
        self.check_removed_stances()

    def plan_take_chunk(self, records: list[Record]) -> list[TakePlan]:
        slugs = [r.slug for r in records if r.slug]
        urls = [r.fields["url"] for r in records if r.fields.get("url")]
        by_slug = {row[1]: row for row in fetch(models.Take.objects.values_list("id", "slug", "url"), "slug", slugs)}
        by_url = {row[2]: row for row in fetch(models.Take.objects.values_list("id", "slug", "url"), "url", urls)}
        # the duplicate guard: a take's URL may be another take's appearance (republished copy)
        appearance_urls = urls + [a["url"] for r in records for a in r.lists.get("appearances") or ()]
        self.appearance_owners = {
            row[2]: row
            for row in fetch(
                models.Appearance.objects.values_list("take_id", "take__slug", "url"), "url", appearance_urls
            )
        }
        for url, row in self.appearance_owners.items():
            by_url.setdefault(url, row)
        self.url_owners = dict(by_url)
        for row in fetch(
            models.Take.objects.values_list("id", "slug", "url"), "url", [u for u in appearance_urls if u not in by_url]
        ):
            self.url_owners[row[2]] = row
        self.preload_references(records)

        plans = self.match_existing(records, by_slug, by_url)
        self.assign_new_slugs([p for p in plans if not p.record.slug])
        targets = {
            r["target_take"]
            for record in records
            for r in record.lists.get("responses") or ()
            if r["target_take"] and r["target_take"] not in self.target_ids
        }
        self.target_ids.update(fetch(models.Take.objects.values_list("slug", "id"), "slug", targets))

        existing = [p for p in plans if not p.is_new]
        for chunk in chunked(existing, 1000):
            self.compare_existing(chunk)
        self.check_and_count(plans)
        self.rewritten_positions.add_all(p.take_id for p in plans if p.take_id and "positions" in p.record.lists)
        return plans

    def preload_references(self, records: list[Record]) -> None:
        """References the document does not define: look them up in a few chunked queries."""
        self.preload(
            "publications",
            [r.fields.get("publication") for r in records]
            + [a["publication"] for r in records for a in r.lists.get("appearances") or ()],
        )
        self.preload("collections", (r.fields.get("collection") for r in records))
        experts = set()
        questions = set()
        for record in records:
            experts.update(record.lists.get("authors") or ())
            experts.update(q["speaker"] for q in record.lists.get("quotes") or () if q["speaker"])
            experts.update(r["expert"] for r in record.lists.get("responses") or ())
            questions.update(p["question"] for p in record.lists.get("positions") or ())
            questions.update(p["question"] for p in record.lists.get("predictions") or () if p["question"])
        self.preload("experts", experts)
        self.preload("questions", questions)

    def match_existing(self, records: list[Record], by_slug: dict, by_url: dict) -> list[TakePlan]:
        """A plan per record, tied to the existing take its slug (or else its URL) names."""
        plans: list[TakePlan] = []
        claimed = self.claimed
        for record in records:
            plan = TakePlan(record=record)
            slug_row = by_slug.get(record.slug) if record.slug else None
            url = record.fields.get("url")
            url_row = by_url.get(url) if url else None
            if slug_row and url_row and slug_row[0] != url_row[0]:
                self.error(record.where, "url", f"{describe(url)} already belongs to the take {describe(url_row[1])}")
            row = slug_row or url_row
            if row:
                if row[0] in claimed:
                    self.error(record.where, None, f"matches the same existing take as {claimed[row[0]]}")
                claimed[row[0]] = record.where
                plan.take_id = row[0]
                plan.is_new = False
                if not record.slug:
                    record.slug = row[1]
            plans.append(plan)
        return plans

    def check_and_count(self, plans: list[TakePlan]) -> None:
        """Check every take's references; fill in the new takes' plans; count created, updated, unchanged."""
        tally = self.summary.tallies["takes"] if plans else None
        for plan in plans:
            self.check_references(plan)
            if plan.is_new:
                plan.fields = self.new_take_fields(plan.record)
                plan.authors = plan.record.lists.get("authors") or []
                plan.themes = self.resolve_themes(plan.record.lists.get("themes") or ())
                plan.quotes = bool(plan.record.lists.get("quotes"))
                plan.positions = bool(plan.record.lists.get("positions"))
                plan.responses = bool(plan.record.lists.get("responses"))
                plan.appearances = bool(plan.record.lists.get("appearances"))
                plan.predictions = bool(plan.record.lists.get("predictions"))
                tally.created += 1
            elif plan.changes:
                tally.updated += 1
            else:
                tally.unchanged += 1
            planned = tally.created + tally.updated + tally.unchanged
            if self.progress and planned % self.progress.every == 0:
                self.say(f"planned {planned:,} of {self.doc.number_of_takes():,} takes")

    def assign_new_slugs(self, plans: list[TakePlan]) -> None:
        """Slugs for new takes given only a URL: from the title, made unique."""
        if not plans:
            return
        # Both sets tested in turn: their union, built for each chunk, cost O(takes) a chunk.
        document, taken = self.document_take_slugs, self.assigned_slugs
        bases = [(p, (slugify(p.record.fields.get("title", "")) or "take")[:190]) for p in plans]
        existing = set(fetch(models.Take.objects.values_list("slug", flat=True), "slug", [b for _p, b in bases]))
        for plan, base in bases:
            slug, n = base, 1
            while slug in document or slug in taken or slug in existing:
                n += 1
                slug = f"{base}-{n}"
                if slug not in document and slug not in taken and models.Take.objects.filter(slug=slug).exists():
                    existing.add(slug)
            taken.add(slug)
            plan.record.slug = slug
            plan.record.fields["slug"] = slug

    def new_take_fields(self, record: Record) -> dict:
        return {**record.fields, "slug": record.slug}

    def target_key(self, slug: str) -> tuple:
        """A response target: ("id", id) for a take that exists, ("new", slug) for one the document
        creates, ("id", None) for neither."""
        if slug in self.target_ids:
            return ("id", self.target_ids[slug])
        if slug in self.document_take_slugs:
            return ("new", slug)
        return ("id", None)

    def check_references(self, plan: TakePlan) -> None:
        record, where = plan.record, plan.record.where
        for key, section in (("publication", "publications"), ("collection", "collections")):
            slug = record.fields.get(key)
            if slug and not self.known(section, slug):
                self.error(where, key, f"{describe(slug)} is not a known {section[:-1]} slug")
        for n, slug in enumerate(record.lists.get("authors") or ()):
            if not self.known("experts", slug):
                self.error(where, f"authors[{n}]", f"{describe(slug)} is not a known expert slug")
        for n, quote in enumerate(record.lists.get("quotes") or ()):
            if quote["speaker"] and not self.known("experts", quote["speaker"]):
                self.error(where, f"quotes[{n}].speaker", f"{describe(quote['speaker'])} is not a known expert slug")
        for n, position in enumerate(record.lists.get("positions") or ()):
            here = f"positions[{n}]"
            question, stance = position["question"], position["stance"]
            stances = self.stances_of(question) if self.known("questions", question) else None
            if stances is None:
                self.error(where, f"{here}.question", f"{describe(question)} is not a known question slug")
            elif stance not in stances:
                owners = self.questions_with_stance(stance)
                if owners:
                    self.error(
                        where,
                        f"{here}.stance",
                        f"{describe(stance)} is a stance of another question ({', '.join(owners)}), "
                        f"not of {describe(question)}",
                    )
                else:
                    choices = ", ".join(sorted(stances)) or "none"
                    self.error(
                        where,
                        f"{here}.stance",
                        f"{describe(stance)} is not a stance of {describe(question)} (its stances: {choices})",
                    )
        self.check_appearances_and_predictions(plan)
        own_key = ("id", plan.take_id) if plan.take_id else ("new", record.slug)
        for n, response in enumerate(record.lists.get("responses") or ()):
            here = f"responses[{n}]"
            if not self.known("experts", response["expert"]):
                self.error(where, f"{here}.expert", f"{describe(response['expert'])} is not a known expert slug")
            target = response["target_take"]
            if target:
                key = self.target_key(target)
                if key == ("id", None):
                    self.error(where, f"{here}.take", f"{describe(target)} is not a known take slug")
                elif key == own_key:
                    self.error(where, f"{here}.take", "a take cannot respond to itself")

    def check_appearances_and_predictions(self, plan: TakePlan) -> None:
        """An appearance's outlet must be known and its URL no other take's; a prediction's question known."""
        record, where = plan.record, plan.record.where
        for n, appearance in enumerate(record.lists.get("appearances") or ()):
            slug = appearance["publication"]
            if slug and not self.known("publications", slug):
                self.error(where, f"appearances[{n}].publication", f"{describe(slug)} is not a known publication slug")
            owner = self.url_owners.get(appearance["url"])
            if owner and owner[0] != plan.take_id:
                self.error(
                    where,
                    f"appearances[{n}].url",
                    f"{describe(appearance['url'])} already belongs to the take {describe(owner[1])}",
                )
        for n, prediction in enumerate(record.lists.get("predictions") or ()):
            slug = prediction["question"]
            if slug and not self.known("questions", slug):
                self.error(where, f"predictions[{n}].question", f"{describe(slug)} is not a known question slug")

    def questions_with_stance(self, stance_slug: str) -> list[str]:
        """The questions that will have a stance of this slug: the file's (as the file leaves them,
        on disk) and the database's others (read a chunk at a time)."""
        found = set(self.stance_owners.values_of(stance_slug))
        in_file = self.planned_slugs["questions"]
        rows = models.Stance.objects.filter(slug=stance_slug).values_list("question__slug", flat=True)
        found.update(slug for slug in rows.iterator(chunk_size=QUERY_CHUNK) if slug not in in_file)
        return [describe(slug) for slug in sorted(found)]

    def compare_existing(self, plans: list[TakePlan]) -> None:
        """Load the current state of existing takes and record what the document changes."""
        current, lists = self.current_takes([p.take_id for p in plans])
        for plan in plans:
            self.compare_take(plan, current[plan.take_id], {name: rows[plan.take_id] for name, rows in lists.items()})

    @staticmethod
    def current_takes(ids: list[int]) -> tuple[dict[int, dict], dict[str, dict]]:
        """The takes' fields by id, and their authors, themes, quotes, positions and responses by take id
        (one query each)."""
        current = {
            row["id"]: row
            for row in models.Take.objects.filter(id__in=ids).values(
                "id", *TAKE_FIELDS, "publication__slug", "collection__slug"
            )
        }
        authors, themes, quotes = defaultdict(list), defaultdict(set), defaultdict(list)
        positions, responses = defaultdict(list), defaultdict(list)
        for take_id, slug in (
            models.TakeAuthor.objects.filter(take_id__in=ids)
            .order_by("take_id", "order", "id")
            .values_list("take_id", "expert__slug")
        ):
            authors[take_id].append(slug)
        for take_id, slug in models.Take.themes.through.objects.filter(take_id__in=ids).values_list(
            "take_id", "theme__slug"
        ):
            themes[take_id].add(slug)
        for row in (
            models.Quote.objects.filter(take_id__in=ids)
            .order_by("take_id", "order", "id")
            .values_list("take_id", "id", "text", "speaker__slug", "is_headline", "source_url")
        ):
            quotes[row[0]].append(row[1:])
        for row in models.Position.objects.filter(take_id__in=ids).values_list(
            "take_id", "question__slug", "stance__slug", "confidence", "evidence_id", "note"
        ):
            positions[row[0]].append(row[1:])
        for row in models.Response.objects.filter(take_id__in=ids).values_list(
            "take_id", "expert__slug", "relation", "target_take_id", "quote_id", "note"
        ):
            responses[row[0]].append(row[1:])
        appearances, predictions = defaultdict(list), defaultdict(list)
        for row in (
            models.Appearance.objects.filter(take_id__in=ids)
            .order_by("take_id", "order", "id")
            .values_list("take_id", *APPEARANCE_COLUMNS)
        ):
            appearances[row[0]].append(row[1:])
        for row in (
            models.Prediction.objects.filter(take_id__in=ids)
            .order_by("take_id", "order", "id")
            .values_list("take_id", *PREDICTION_COLUMNS)
        ):
            predictions[row[0]].append(row[1:])
        return current, {
            "appearances": appearances,
            "predictions": predictions,
            "authors": authors,
            "themes": themes,
            "quotes": quotes,
            "positions": positions,
            "responses": responses,
        }

    def compare_take(self, plan: TakePlan, now: dict, have: dict) -> None:
        """Record on ``plan`` what the document changes of the take as it is (``now``, ``have``)."""
        record = plan.record
        wanted = {k: v for k, v in record.fields.items() if k not in ("publication", "collection")}
        wanted["slug"] = record.slug
        plan.fields = {k: v for k, v in wanted.items() if now[k] != v}
        for key in ("publication", "collection"):
            if key in record.fields and record.fields[key] != now[f"{key}__slug"]:
                plan.fields[key] = record.fields[key]
        if "authors" in record.lists and record.lists["authors"] != have["authors"]:
            plan.authors = record.lists["authors"]
        if "themes" in record.lists:
            wanted_themes = self.resolve_themes(record.lists["themes"])
            if set(wanted_themes) != have["themes"]:
                plan.themes = wanted_themes
        have_quotes = have["quotes"]
        plan.quote_ids = [q[0] for q in have_quotes]
        index_of = {q[0]: n for n, q in enumerate(have_quotes)}
        if "quotes" in record.lists:
            wanted_quotes = [
                (q["text"], q["speaker"], q["is_headline"], q["source_url"]) for q in record.lists["quotes"]
            ]
            plan.quotes = wanted_quotes != [q[1:] for q in have_quotes]
        if "positions" in record.lists:
            now_positions = sorted((q, s, c, index_of.get(e), n) for q, s, c, e, n in have["positions"])
            want = sorted(
                (p["question"], p["stance"], p["confidence"], p["evidence"], p["note"])
                for p in record.lists["positions"]
            )
            plan.positions = now_positions != want
        if "responses" in record.lists:
            now_responses = sorted(
                (e, r, ("id", t) if t else None, index_of.get(q) if q else None, n)
                for e, r, t, q, n in have["responses"]
            )
            want = sorted(
                (
                    r["expert"],
                    r["relation"],
                    self.target_key(r["target_take"]) if r["target_take"] else None,
                    r["quote"],
                    r["note"],
                )
                for r in record.lists["responses"]
            )
            plan.responses = now_responses != want
        self.compare_lists(plan, have, index_of)

    def compare_lists(self, plan: TakePlan, have: dict, index_of: dict) -> None:
        """Whether the take's appearances or predictions change (each list replaced as a whole)."""
        lists = plan.record.lists
        if "appearances" in lists:
            want = [tuple(row[k] for k in APPEARANCE_KEYS) for row in lists["appearances"]]
            plan.appearances = want != have["appearances"]
        if "predictions" in lists:
            now = [(index_of.get(row[0]), *row[1:]) if row[0] else (None, *row[1:]) for row in have["predictions"]]
            want = [tuple(row[k] for k in PREDICTION_KEYS) for row in lists["predictions"]]
            plan.predictions = want != now

    def check_removed_stances(self) -> None:
        """A stance the document drops must not be left in use by a position the import keeps."""
        rewritten = self.rewritten_positions
        for stance_id, stance_slug, where in self.stance_deletes:
            in_use = models.Position.objects.filter(stance_id=stance_id).values_list("take_id", "take__slug")
            kept = [slug for take_id, slug in in_use if take_id not in rewritten]
            if kept:
                self.error(
                    where,
                    "stances",
                    f"drops the stance {describe(stance_slug)}, which {len(kept)} take(s) still hold "
                    f"(for example {describe(kept[0])})",
                )
