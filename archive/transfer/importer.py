"""Resolve a read document against the database, plan every change, then write it all at once.

Planning reads the database (in chunks, by slug and URL) and finds every remaining problem: unknown
slugs, a stance of another question, a take URL that belongs to another take, ... Only when the
plan is clean does writing start, in one transaction, with batched inserts and updates. A dry run
stops after planning. Importing the same document twice changes nothing the second time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from archive import models
from archive.db import search_index, stats
from archive.db.bulk import insert_rows
from archive.transfer import Progress, chunked
from archive.transfer.document import Document, ImportFailed, Record, describe

QUERY_CHUNK = 500
WRITE_CHUNK = 2000
#: SQLite: an import that writes this many takes merges the search index afterwards (search_index.optimize).
OPTIMIZE_AFTER_TAKES = 5000
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

#: A new take's columns: the file's fields (or the model's defaults), its references, its timestamps.
NEW_TAKE_DEFAULTS = [
    (name, models.Take._meta.get_field(name).get_default()) for name in (*TAKE_FIELDS, "publication", "collection")
]
NEW_TAKE_COLUMNS = [*TAKE_FIELDS, "publication_id", "collection_id", "created", "updated"]
PUBLISHED_AT = TAKE_FIELDS.index("published")
REFERENCE_AT = (("publication", len(TAKE_FIELDS)), ("collection", len(TAKE_FIELDS) + 1))


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def __str__(self) -> str:
        text = f"{self.created:,} created, {self.updated:,} updated, {self.unchanged:,} unchanged"
        return text + (f", {self.deleted:,} deleted" if self.deleted else "")


@dataclass
class Summary:
    """What an import did (or, in a dry run, would do), section by section."""

    dry_run: bool = False
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        order = ["publications", "experts", "questions", "stances", "collections", "themes", "takes"]
        return [f"{name}: {self.tallies[name]}" for name in order if name in self.tallies]

    @property
    def changed(self) -> int:
        return sum(t.created + t.updated + t.deleted for t in self.tallies.values())


def fetch(queryset, lookup: str, values, size: int = QUERY_CHUNK) -> list:
    """``queryset.filter(<lookup>__in=values)``, chunked so no query holds too many parameters."""
    rows = []
    for chunk in chunked(sorted(set(values), key=str), size):
        rows.extend(queryset.filter(**{f"{lookup}__in": chunk}))
    return rows


def apply_changes(obj, values: dict) -> list[str]:
    """Set the values that differ on ``obj``; the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def reference_changed(current_id: int | None, slug: str | None, ids: dict[str, int]) -> bool:
    """Whether pointing at ``slug`` changes a foreign key that now holds ``current_id``.

    A slug missing from ``ids`` names a row this import creates: that is always a change.
    """
    if slug is None:
        return current_id is not None
    return ids.get(slug) != current_id or current_id is None


@dataclass
class TakePlan:
    """What to do with one take of the document."""

    record: Record
    take_id: int | None = None  # the existing take, or the new one once written
    fields: dict = field(default_factory=dict)  # model values to create with, or the changed ones
    authors: list[str] | None = None  # expert slugs, when they change
    themes: list[str] | None = None  # theme slugs, when they change
    quote_ids: list[int] = field(default_factory=list)  # the existing quotes, in order
    quotes: bool = False  # whether the quotes change
    positions: bool = False
    responses: bool = False

    is_new: bool = True  # no existing take matched (take_id is filled in once it is written)

    @property
    def changes(self) -> bool:
        return bool(self.fields or self.authors is not None or self.themes is not None) or (
            self.quotes or self.positions or self.responses
        )


class Importer:
    def __init__(self, document: Document, progress: Progress | None = None):
        self.doc = document
        self.progress = progress
        self.errors: list[str] = []
        self.summary = Summary(warnings=list(document.warnings))
        # slug -> id of rows that exist (filled in for new rows as they are written)
        self.ids: dict[str, dict[str, int]] = defaultdict(dict)
        # slugs each section of the document defines, and slugs already looked up in the database
        self.planned_slugs = {
            section: {r.slug for r in getattr(document, section) if r.slug}
            for section in ("publications", "experts", "questions", "collections", "themes")
        }
        self.checked: dict[str, set[str]] = defaultdict(set)

    def error(self, where: str, key: str | None, message: str) -> None:
        self.errors.append(f"{where}: {key}: {message}" if key else f"{where}: {message}")

    def say(self, message: str) -> None:
        if self.progress:
            self.progress(message)

    # ------------------------------------------------------------------ entry point

    def run(self, dry_run: bool = False) -> Summary:
        self.summary.dry_run = dry_run
        self.plan()
        if self.errors:
            raise ImportFailed(self.errors)
        if not dry_run:
            try:
                with transaction.atomic():
                    self.write()
                    takes = self.summary.tallies["takes"]
                    if takes.created + takes.updated >= OPTIMIZE_AFTER_TAKES:
                        self.say("merging the search index")
                        search_index.optimize(connection)
            except DatabaseError as exc:
                raise ImportFailed([f"the database refused the import, so nothing was written: {exc}"]) from None
            takes = self.summary.tallies["takes"]
            if takes.created + takes.updated >= stats.ANALYZE_AFTER_TAKES:
                self.say(stats.PROGRESS)
                stats.analyze(connection)
        return self.summary

    def plan(self) -> None:
        self.plan_publications()
        self.plan_experts()
        self.plan_questions()
        self.plan_collections()
        self.plan_themes()
        self.plan_takes()

    # ------------------------------------------------------------------ reference sections

    def plan_simple(self, name: str, model, records: list[Record], refs: dict | None = None):
        """Creates and updates for a section matched by slug; ``refs`` maps a field to its section."""
        refs = refs or {}
        existing = {obj.slug: obj for obj in fetch(model.objects.all(), "slug", [r.slug for r in records])}
        for slug, obj in existing.items():
            self.ids[name][slug] = obj.pk
        tally = self.summary.tallies[name]
        creates, updates = [], []
        for record in records:
            values = dict(record.fields)
            ref_values = {key: values.pop(key) for key in refs if key in values}
            for key, section in refs.items():
                if ref_values.get(key) is not None and not self.known(section, ref_values[key]):
                    self.error(record.where, key, f"{describe(ref_values[key])} is not a known {section[:-1]} slug")
            obj = existing.get(record.slug)
            if obj is None:
                obj = model(**values)
                creates.append((obj, record, ref_values))
                tally.created += 1
                continue
            changed = apply_changes(obj, values)
            for key, slug in ref_values.items():
                if reference_changed(getattr(obj, f"{key}_id"), slug, self.ids[refs[key]]):
                    changed.append(key)
            updates.append((obj, record, ref_values, changed))
        return creates, updates

    def known(self, section: str, slug: str) -> bool:
        """Whether a slug names a row of the section, in the document or in the database."""
        if slug in self.planned_slugs[section]:
            return True
        if slug not in self.ids[section] and slug not in self.checked[section]:
            self.checked[section].add(slug)
            model = SECTION_MODELS[section]
            row = model.objects.filter(slug=slug).values_list("pk", flat=True).first()
            if row is not None:
                self.ids[section][slug] = row
        return slug in self.ids[section]

    def preload(self, section: str, slugs) -> None:
        """Look up, in chunks, the slugs of a section the document refers to but does not define."""
        wanted = {s for s in slugs if s and s not in self.planned_slugs[section] and s not in self.ids[section]}
        wanted -= self.checked[section]
        model = SECTION_MODELS[section]
        for chunk in chunked(sorted(wanted), QUERY_CHUNK):
            self.ids[section].update(model.objects.filter(slug__in=chunk).values_list("slug", "pk"))
        self.checked[section] |= wanted

    def finish_tally(self, name: str, updates) -> list:
        tally = self.summary.tallies[name]
        changed = [u for u in updates if u[-1]]
        tally.updated += len(changed)
        tally.unchanged += len(updates) - len(changed)
        return changed

    def plan_publications(self) -> None:
        creates, updates = self.plan_simple("publications", models.Publication, self.doc.publications)
        self.publication_plan = (creates, self.finish_tally("publications", updates))

    def plan_collections(self) -> None:
        creates, updates = self.plan_simple(
            "collections", models.Collection, self.doc.collections, {"publication": "publications"}
        )
        self.collection_plan = (creates, self.finish_tally("collections", updates))

    def plan_experts(self) -> None:
        creates, updates = self.plan_simple("experts", models.Expert, self.doc.experts)
        for obj, _record, _refs in creates:
            if not obj.sort_name:
                obj.sort_name = obj.name
        existing_ids = [obj.pk for obj, *_ in updates]
        current = defaultdict(list)
        for chunk in chunked(existing_ids, QUERY_CHUNK):
            for row in (
                models.Affiliation.objects.filter(expert_id__in=chunk)
                .order_by("expert_id", "order", "id")
                .values_list("expert_id", "organization", "role", "start_year", "end_year", "current")
            ):
                current[row[0]].append(row[1:])
        self.affiliation_replacements: list[tuple] = []  # (expert object, rows)
        for obj, record, _refs in creates:
            if record.lists.get("affiliations"):
                self.affiliation_replacements.append((obj, record.lists["affiliations"]))
        for obj, record, _refs, changed in updates:
            rows = record.lists.get("affiliations")
            if rows is None:
                continue
            wanted = [(r["organization"], r["role"], r["start_year"], r["end_year"], r["current"]) for r in rows]
            if wanted != current[obj.pk]:
                self.affiliation_replacements.append((obj, rows))
                changed.append("affiliations")
        self.expert_plan = (creates, self.finish_tally("experts", updates))

    def plan_questions(self) -> None:
        creates, updates = self.plan_simple("questions", models.Question, self.doc.questions)
        stances_tally = self.summary.tallies["stances"]
        # question slug -> stance slug -> stance id (existing) or None (new): the stances after the import
        self.stances: dict[str, dict[str, int | None]] = {}
        self.stance_creates: list[tuple] = []  # (question object, row)
        self.stance_updates: list[models.Stance] = []
        self.stance_deletes: list[models.Stance] = []
        existing_questions = {obj.slug: obj for obj, *_ in updates}
        current = defaultdict(dict)
        for stance in fetch(models.Stance.objects.all(), "question_id", [q.pk for q in existing_questions.values()]):
            current[stance.question_id][stance.slug] = stance
        for obj, record, _refs in creates:
            rows = record.lists.get("stances") or []
            self.stances[record.slug] = {row["slug"]: None for row in rows}
            self.stance_creates += [(obj, row) for row in rows]
            stances_tally.created += len(rows)
        for obj, record, _refs, changed in updates:
            rows = record.lists.get("stances")
            have = current[obj.pk]
            if rows is None:
                self.stances[record.slug] = {slug: stance.pk for slug, stance in have.items()}
                continue
            self.stances[record.slug] = {
                row["slug"]: (have[row["slug"]].pk if row["slug"] in have else None) for row in rows
            }
            wanted = {row["slug"] for row in rows}
            stances_changed = False
            for row in rows:
                stance = have.get(row["slug"])
                if stance is None:
                    self.stance_creates.append((obj, row))
                    stances_tally.created += 1
                    stances_changed = True
                elif apply_changes(stance, {k: row[k] for k in ("label", "meaning", "position")}):
                    self.stance_updates.append(stance)
                    stances_tally.updated += 1
                    stances_changed = True
                else:
                    stances_tally.unchanged += 1
            removed = [stance for slug, stance in have.items() if slug not in wanted]
            self.stance_deletes += [(stance, record) for stance in removed]
            stances_tally.deleted += len(removed)
            if stances_changed or removed:
                changed.append("stances")
        self.question_plan = (creates, self.finish_tally("questions", updates))

    def stances_of(self, question_slug: str) -> dict[str, int | None] | None:
        """The stances a question will have, loading them for questions the document does not list."""
        if question_slug not in self.stances:
            question_id = self.ids["questions"].get(question_slug)
            if question_id is None:
                return None
            self.stances[question_slug] = dict(
                models.Stance.objects.filter(question_id=question_id).values_list("slug", "pk")
            )
        return self.stances[question_slug]

    def plan_themes(self) -> None:
        creates, updates = self.plan_simple("themes", models.Theme, self.doc.themes)
        # every theme, as it will be after the import: by exact name, by slug, and by folded name
        self.theme_by_name: dict[str, str] = {}
        self.theme_by_slug: dict[str, str] = {}
        self.theme_by_folded: dict[str, str] = {}
        for slug, name in models.Theme.objects.values_list("slug", "name"):
            self._remember_theme(slug, name)
        file_names = {}
        for record in self.doc.themes:
            name = record.fields.get("name")
            self._remember_theme(record.slug, name)
            file_names[name] = record.slug
        for name, slug in file_names.items():
            other = models.Theme.objects.filter(name=name).exclude(slug=slug).values_list("slug", flat=True).first()
            if other and other not in self.planned_slugs["themes"]:
                where = next(r.where for r in self.doc.themes if r.slug == slug)
                self.error(where, "name", f"{describe(name)} is already the name of the theme {describe(other)}")
        self.theme_creates = [obj for obj, *_ in creates]
        self.theme_updates = self.finish_tally("themes", updates)

    def _remember_theme(self, slug: str, name: str) -> None:
        self.theme_by_slug[slug] = slug
        self.theme_by_name[name] = slug
        self.theme_by_folded.setdefault(name.casefold(), slug)

    def resolve_theme(self, text: str) -> str:
        """The slug of the theme a take names (by name or slug), creating the theme when it is new."""
        slug = self.theme_by_name.get(text) or self.theme_by_slug.get(text) or self.theme_by_folded.get(text.casefold())
        if slug:
            return slug
        base = (slugify(text) or slugify(text, allow_unicode=True) or "theme")[:90]
        slug, n = base, 1
        while slug in self.theme_by_slug or models.Theme.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        theme = models.Theme(name=text[:100], slug=slug)
        self.theme_creates.append(theme)
        self.summary.tallies["themes"].created += 1
        self._remember_theme(slug, theme.name)
        return slug

    # ------------------------------------------------------------------ takes

    def plan_takes(self) -> None:
        records = self.doc.takes
        total = len(records)
        tally = self.summary.tallies["takes"] if records else None
        slugs = [r.slug for r in records if r.slug]
        urls = [r.fields["url"] for r in records if r.fields.get("url")]
        by_slug = {row[1]: row for row in fetch(models.Take.objects.values_list("id", "slug", "url"), "slug", slugs)}
        by_url = {row[2]: row for row in fetch(models.Take.objects.values_list("id", "slug", "url"), "url", urls)}

        # references the document does not define: look them up in a few chunked queries
        self.preload("publications", (r.fields.get("publication") for r in records))
        self.preload("collections", (r.fields.get("collection") for r in records))
        experts = set()
        questions = set()
        for record in records:
            experts.update(record.lists.get("authors") or ())
            experts.update(q["speaker"] for q in record.lists.get("quotes") or () if q["speaker"])
            experts.update(r["expert"] for r in record.lists.get("responses") or ())
            questions.update(p["question"] for p in record.lists.get("positions") or ())
        self.preload("experts", experts)
        self.preload("questions", questions)

        plans: list[TakePlan] = []
        claimed: dict[int, str] = {}  # existing take id -> the record that matched it
        final_slugs: dict[str, TakePlan] = {}
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
        self.assign_new_slugs([p for p in plans if not p.record.slug])
        for plan in plans:
            final_slugs[plan.record.slug] = plan
        self.take_plans = plans

        # response targets the document does not define
        targets = {
            r["target_take"]
            for record in records
            for r in record.lists.get("responses") or ()
            if r["target_take"] and r["target_take"] not in final_slugs
        }
        self.target_ids = {
            row[0]: row[1] for row in fetch(models.Take.objects.values_list("slug", "id"), "slug", targets)
        }
        self.final_slugs = final_slugs

        existing = [p for p in plans if not p.is_new]
        done = 0
        for chunk in chunked(existing, 1000):
            self.compare_existing(chunk)
            before, done = done, done + len(chunk)
            if self.progress and done // self.progress.every > before // self.progress.every:
                self.say(f"compared {done:,} of {len(existing):,} existing takes")
        for n, plan in enumerate(plans, 1):
            self.check_references(plan)
            if plan.is_new:
                plan.fields = self.new_take_fields(plan.record)
                plan.authors = plan.record.lists.get("authors") or []
                plan.themes = [self.resolve_theme(t) for t in plan.record.lists.get("themes") or ()]
                plan.quotes = bool(plan.record.lists.get("quotes"))
                plan.positions = bool(plan.record.lists.get("positions"))
                plan.responses = bool(plan.record.lists.get("responses"))
                tally.created += 1
            elif plan.changes:
                tally.updated += 1
            else:
                tally.unchanged += 1
            if self.progress and n % self.progress.every == 0:
                self.say(f"planned {n:,} of {total:,} takes")
        self.check_removed_stances()

    def assign_new_slugs(self, plans: list[TakePlan]) -> None:
        """Slugs for new takes given only a URL: from the title, made unique."""
        if not plans:
            return
        taken = {r.slug for r in self.doc.takes if r.slug}
        bases = [(p, (slugify(p.record.fields.get("title", "")) or "take")[:190]) for p in plans]
        existing = set(fetch(models.Take.objects.values_list("slug", flat=True), "slug", [b for _p, b in bases]))
        for plan, base in bases:
            slug, n = base, 1
            while slug in taken or slug in existing:
                n += 1
                slug = f"{base}-{n}"
                if slug not in taken and models.Take.objects.filter(slug=slug).exists():
                    existing.add(slug)
            taken.add(slug)
            plan.record.slug = slug
            plan.record.fields["slug"] = slug

    def new_take_fields(self, record: Record) -> dict:
        return {**record.fields, "slug": record.slug}

    def target_key(self, slug: str) -> tuple:
        plan = self.final_slugs.get(slug)
        if plan is not None:
            return ("id", plan.take_id) if plan.take_id else ("new", plan.record.index)
        return ("id", self.target_ids.get(slug))

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
        own_key = ("id", plan.take_id) if plan.take_id else ("new", record.index)
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

    def questions_with_stance(self, stance_slug: str) -> list[str]:
        if not hasattr(self, "_stance_owners"):
            owners = defaultdict(set)
            for question, stances in self.stances.items():
                for slug in stances:
                    owners[slug].add(question)
            self._stance_owners = owners
        found = set(self._stance_owners.get(stance_slug, ()))
        found |= set(
            models.Stance.objects.filter(slug=stance_slug)
            .exclude(question__slug__in=list(self.stances))
            .values_list("question__slug", flat=True)
        )
        return [describe(slug) for slug in sorted(found)]

    def compare_existing(self, plans: list[TakePlan]) -> None:
        """Load the current state of existing takes and record what the document changes."""
        ids = [p.take_id for p in plans]
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

        for plan in plans:
            record, take_id = plan.record, plan.take_id
            now = current[take_id]
            wanted = {k: v for k, v in record.fields.items() if k not in ("publication", "collection")}
            wanted["slug"] = record.slug
            plan.fields = {k: v for k, v in wanted.items() if now[k] != v}
            for key in ("publication", "collection"):
                if key in record.fields and record.fields[key] != now[f"{key}__slug"]:
                    plan.fields[key] = record.fields[key]
            if "authors" in record.lists and record.lists["authors"] != authors[take_id]:
                plan.authors = record.lists["authors"]
            if "themes" in record.lists:
                wanted_themes = [self.resolve_theme(t) for t in record.lists["themes"]]
                if set(wanted_themes) != themes[take_id]:
                    plan.themes = wanted_themes
            have_quotes = quotes[take_id]
            plan.quote_ids = [q[0] for q in have_quotes]
            index_of = {q[0]: n for n, q in enumerate(have_quotes)}
            if "quotes" in record.lists:
                wanted_quotes = [
                    (q["text"], q["speaker"], q["is_headline"], q["source_url"]) for q in record.lists["quotes"]
                ]
                plan.quotes = wanted_quotes != [q[1:] for q in have_quotes]
            if "positions" in record.lists:
                have = sorted((q, s, c, index_of.get(e), n) for q, s, c, e, n in positions[take_id])
                want = sorted(
                    (p["question"], p["stance"], p["confidence"], p["evidence"], p["note"])
                    for p in record.lists["positions"]
                )
                plan.positions = have != want
            if "responses" in record.lists:
                have = sorted(
                    (e, r, ("id", t) if t else None, index_of.get(q) if q else None, n)
                    for e, r, t, q, n in responses[take_id]
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
                plan.responses = have != want

    def check_removed_stances(self) -> None:
        """A stance the document drops must not be left in use by a position the import keeps."""
        if not self.stance_deletes:
            return
        rewritten = {p.take_id for p in self.take_plans if p.take_id and "positions" in p.record.lists}
        for stance, question in self.stance_deletes:
            in_use = models.Position.objects.filter(stance=stance).values_list("take_id", "take__slug")
            kept = [slug for take_id, slug in in_use if take_id not in rewritten]
            if kept:
                self.error(
                    question.where,
                    "stances",
                    f"drops the stance {describe(stance.slug)}, which {len(kept)} take(s) still hold "
                    f"(for example {describe(kept[0])})",
                )

    # ------------------------------------------------------------------ writing

    def write(self) -> None:
        self.write_simple("publications", models.Publication, self.publication_plan)
        self.write_simple("experts", models.Expert, self.expert_plan)
        self.write_affiliations()
        self.write_simple("questions", models.Question, self.question_plan)
        self.write_stances()
        self.write_simple("collections", models.Collection, self.collection_plan, {"publication": "publications"})
        self.write_themes()
        self.write_takes()
        if self.stance_deletes:
            models.Stance.objects.filter(pk__in=[s.pk for s, _question in self.stance_deletes]).delete()

    def write_simple(self, name: str, model, plan, refs: dict | None = None) -> None:
        creates, updates = plan
        for obj, _record, ref_values in creates:
            for key, slug in ref_values.items():
                setattr(obj, f"{key}_id", self.ids[refs[key]][slug] if slug else None)
        new = [obj for obj, *_ in creates]
        model.objects.bulk_create(new, batch_size=WRITE_CHUNK)
        for obj in new:
            self.ids[name][obj.slug] = obj.pk
        fields = set()
        for obj, _record, ref_values, changed in updates:
            for key, slug in ref_values.items():
                setattr(obj, f"{key}_id", self.ids[refs[key]][slug] if slug else None)
            fields.update(f for f in changed if f not in ("affiliations", "stances"))
        objs = [u[0] for u in updates]
        if fields and objs:
            model.objects.bulk_update(objs, sorted(fields), batch_size=WRITE_CHUNK)

    def write_affiliations(self) -> None:
        experts = [obj for obj, _rows in self.affiliation_replacements]
        models.Affiliation.objects.filter(expert__in=[e.pk for e in experts]).delete()
        models.Affiliation.objects.bulk_create(
            [
                models.Affiliation(expert=expert, order=order, **row)
                for expert, rows in self.affiliation_replacements
                for order, row in enumerate(rows)
            ],
            batch_size=WRITE_CHUNK,
        )

    def write_stances(self) -> None:
        # Park moved and dropped stances out of the way first: (question, position) is unique.
        moving = self.stance_updates + [stance for stance, _question in self.stance_deletes]
        if moving:
            final = {s.pk: s.position for s in moving}
            for n, stance in enumerate(moving):
                stance.position = 30000 + n
            models.Stance.objects.bulk_update(moving, ["position"])
            for stance in self.stance_updates:
                stance.position = final[stance.pk]
            models.Stance.objects.bulk_update(self.stance_updates, ["label", "meaning", "position"])
        new = [models.Stance(question=question, **row) for question, row in self.stance_creates]
        models.Stance.objects.bulk_create(new, batch_size=WRITE_CHUNK)
        for stance, (question, _row) in zip(new, self.stance_creates, strict=True):
            self.stances[question.slug][stance.slug] = stance.pk

    def write_themes(self) -> None:
        models.Theme.objects.bulk_create(self.theme_creates, batch_size=WRITE_CHUNK)
        for theme in self.theme_creates:
            self.ids["themes"][theme.slug] = theme.pk
        objs = [obj for obj, *_rest in self.theme_updates]
        fields = sorted({name for *_rest, changed in self.theme_updates for name in changed})
        if objs and fields:
            models.Theme.objects.bulk_update(objs, fields)

    def theme_id(self, slug: str) -> int:
        if slug not in self.ids["themes"]:
            self.ids["themes"].update(models.Theme.objects.filter(slug=slug).values_list("slug", "pk"))
        return self.ids["themes"][slug]

    def expert_id(self, slug: str | None) -> int | None:
        return self.ids["experts"][slug] if slug else None

    def write_takes(self) -> None:
        plans = [p for p in self.take_plans if p.changes]
        total = len(plans)
        done = 0
        for chunk in chunked(plans, WRITE_CHUNK):
            self.write_take_chunk(chunk)
            before, done = done, done + len(chunk)
            if self.progress and done // self.progress.every > before // self.progress.every:
                self.say(f"wrote {done:,} of {total:,} takes")
        self.write_responses([p for p in plans if p.responses])

    def take_values(self, fields: dict) -> dict:
        values = {k: v for k, v in fields.items() if k not in ("publication", "collection")}
        for key, section in (("publication", "publications"), ("collection", "collections")):
            if key in fields:
                values[f"{key}_id"] = self.ids[section][fields[key]] if fields[key] else None
        return values

    def new_take_rows(self, plans: list[TakePlan]) -> list[tuple]:
        """Rows of ``NEW_TAKE_COLUMNS`` for new takes, in database form: what ``bulk_create`` would
        insert (the model's defaults for fields the file leaves out, both timestamps now)."""
        ops = connection.ops
        now = ops.adapt_datetimefield_value(timezone.now())
        ids = {
            key: self.ids[section] for key, section in (("publication", "publications"), ("collection", "collections"))
        }
        rows = []
        for plan in plans:
            fields = plan.fields
            row = [fields.get(name, default) for name, default in NEW_TAKE_DEFAULTS]
            row[PUBLISHED_AT] = ops.adapt_datefield_value(row[PUBLISHED_AT])
            for key, at in REFERENCE_AT:
                row[at] = ids[key][fields[key]] if fields.get(key) else None
            rows.append((*row, now, now))
        return rows

    def write_take_chunk(self, plans: list[TakePlan]) -> None:
        new = [p for p in plans if p.is_new]
        take_ids = insert_rows(models.Take, NEW_TAKE_COLUMNS, self.new_take_rows(new), returning=True)
        for plan, take_id in zip(new, take_ids, strict=True):
            plan.take_id = take_id
            self.final_slugs[plan.record.slug] = plan

        changed = [p for p in plans if not p.is_new and p.fields]
        if changed:
            now = timezone.now()
            objs, names = [], {"updated"}
            for plan in changed:
                values = self.take_values(plan.fields)
                names.update(values)
                obj = models.Take(pk=plan.take_id, updated=now)
                objs.append((obj, values))
            # fields not changed on a take keep their values: update takes in groups sharing a field set
            groups = defaultdict(list)
            for obj, values in objs:
                for name, value in values.items():
                    setattr(obj, name, value)
                groups[tuple(sorted(values))].append(obj)
            for names_tuple, group in groups.items():
                models.Take.objects.bulk_update(group, [*names_tuple, "updated"])

        # authors
        rewrite = [p for p in plans if p.authors is not None]
        models.TakeAuthor.objects.filter(take_id__in=[p.take_id for p in rewrite if not p.is_new]).delete()
        insert_rows(
            models.TakeAuthor,
            ["take_id", "expert_id", "order"],
            [(p.take_id, self.ids["experts"][slug], order) for p in rewrite for order, slug in enumerate(p.authors)],
        )
        # themes
        through = models.Take.themes.through
        rewrite = [p for p in plans if p.themes is not None]
        through.objects.filter(take_id__in=[p.take_id for p in rewrite if not p.is_new]).delete()
        insert_rows(
            through, ["take_id", "theme_id"], [(p.take_id, self.theme_id(slug)) for p in rewrite for slug in p.themes]
        )
        # quotes: updated in place by index so positions and responses keep pointing at them
        self.write_quotes([p for p in plans if p.quotes])
        # positions: the take's whole set is replaced when it changes
        rewrite = [p for p in plans if p.positions]
        models.Position.objects.filter(take_id__in=[p.take_id for p in rewrite if not p.is_new]).delete()
        insert_rows(
            models.Position,
            ["take_id", "question_id", "stance_id", "confidence", "evidence_id", "note"],
            [
                (
                    p.take_id,
                    self.ids["questions"][row["question"]],
                    self.stances_of(row["question"])[row["stance"]],
                    row["confidence"],
                    p.quote_ids[row["evidence"]] if row["evidence"] is not None else None,
                    row["note"],
                )
                for p in rewrite
                for row in p.record.lists["positions"]
            ],
        )

    def write_quotes(self, plans: list[TakePlan]) -> None:
        updates, creates, deletes, unmark = [], [], [], []
        for plan in plans:
            rows = plan.record.lists["quotes"]
            ids = plan.quote_ids
            for order, row in enumerate(rows):
                values = {
                    "text": row["text"],
                    "speaker_id": self.expert_id(row["speaker"]),
                    "is_headline": row["is_headline"],
                    "source_url": row["source_url"],
                    "order": order,
                }
                if order < len(ids):
                    updates.append(models.Quote(pk=ids[order], take_id=plan.take_id, **values))
                    unmark.append(ids[order])
                else:
                    creates.append((plan, (plan.take_id, *values.values())))
            deletes += ids[len(rows) :]
            plan.quote_ids = ids[: len(rows)]
        if deletes:
            models.Quote.objects.filter(pk__in=deletes).delete()
        if unmark:  # only one headline per take at any moment: clear them before setting the new ones
            for chunk in chunked(unmark, QUERY_CHUNK):
                models.Quote.objects.filter(pk__in=chunk, is_headline=True).update(is_headline=False)
        models.Quote.objects.bulk_update(
            updates, ["text", "speaker_id", "is_headline", "source_url", "order"], batch_size=500
        )
        new_ids = insert_rows(
            models.Quote,
            ["take_id", "text", "speaker_id", "is_headline", "source_url", "order"],
            [row for _plan, row in creates],
            returning=True,
        )
        for (plan, _row), pk in zip(creates, new_ids, strict=True):
            plan.quote_ids.append(pk)

    def write_responses(self, plans: list[TakePlan]) -> None:
        for chunk in chunked(plans, WRITE_CHUNK):
            old = [p.take_id for p in chunk if not p.is_new]  # a new take has no responses yet
            models.Response.objects.filter(take_id__in=old).delete()
            insert_rows(
                models.Response,
                ["take_id", "expert_id", "relation", "target_take_id", "quote_id", "note"],
                [
                    (
                        p.take_id,
                        self.ids["experts"][row["expert"]],
                        row["relation"],
                        self.target_id(row["target_take"]),
                        p.quote_ids[row["quote"]] if row["quote"] is not None else None,
                        row["note"],
                    )
                    for p in chunk
                    for row in p.record.lists["responses"]
                ],
            )

    def target_id(self, slug: str | None) -> int | None:
        if not slug:
            return None
        plan = self.final_slugs.get(slug)
        return plan.take_id if plan is not None else self.target_ids[slug]


SECTION_MODELS = {
    "publications": models.Publication,
    "experts": models.Expert,
    "questions": models.Question,
    "collections": models.Collection,
    "themes": models.Theme,
}


def import_document(document: Document, *, dry_run: bool = False, progress: Progress | None = None) -> Summary:
    """Import a read document; ImportFailed (nothing written) when anything is wrong."""
    return Importer(document, progress).run(dry_run=dry_run)
