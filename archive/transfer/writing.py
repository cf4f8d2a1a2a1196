"""Writing a clean import plan: reference sections first, then takes in chunks with their
authors, themes, quotes, positions and responses (batched inserts and updates). Runs inside the
import's transaction. Part of ``importer.Importer``: the methods read its state."""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import batched

from django.db import connection, reset_queries
from django.utils import timezone

from archive import models
from archive.db.bulk import insert_rows
from archive.transfer import QUERY_CHUNK, chunked, fetch
from archive.transfer.spill import SpilledList
from archive.transfer.take_plans import PLAN_CHUNK, TAKE_FIELDS, TakePlan

WRITE_CHUNK = 2000

#: A new take's columns: the file's fields (or the model's defaults), its references, its timestamps.
NEW_TAKE_DEFAULTS = [
    (name, models.Take._meta.get_field(name).get_default()) for name in (*TAKE_FIELDS, "publication", "collection")
]
NEW_TAKE_COLUMNS = [*TAKE_FIELDS, "publication_id", "collection_id", "created", "updated"]
PUBLISHED_AT = TAKE_FIELDS.index("published")
REFERENCE_AT = (("publication", len(TAKE_FIELDS)), ("collection", len(TAKE_FIELDS) + 1))


class Writing:
    """Writes the planned rows, in the order their references need."""

    def write(self) -> None:
        self.write_in_chunks("publications", models.Publication, self.publication_plan)
        self.write_in_chunks("experts", models.Expert, self.expert_plan, after=self.write_affiliations)
        self.write_in_chunks("questions", models.Question, self.question_plan, after=self.write_stance_changes)
        self.write_new_stances()
        self.write_in_chunks("collections", models.Collection, self.collection_plan, {"publication": "publications"})
        self.write_themes()
        self.write_takes()
        for batch in batched(self.stance_deletes, QUERY_CHUNK):
            models.Stance.objects.filter(pk__in=[pk for pk, _slug, _where in batch]).delete()

    def write_simple(self, name: str, model, plan, refs: dict | None = None) -> None:
        creates, updates = plan
        for obj, _record, ref_values in creates:
            for key, slug in ref_values.items():
                setattr(obj, f"{key}_id", self.ids[refs[key]][slug] if slug else None)
        new = [obj for obj, *_ in creates]
        model.objects.bulk_create(new, batch_size=WRITE_CHUNK)
        self.ids[name].update((obj.slug, obj.pk) for obj in new)
        fields = set()
        for obj, _record, ref_values, changed in updates:
            for key, slug in ref_values.items():
                setattr(obj, f"{key}_id", self.ids[refs[key]][slug] if slug else None)
            fields.update(f for f in changed if f not in ("affiliations", "stances"))
        objs = [u[0] for u in updates]
        if fields and objs:
            model.objects.bulk_update(objs, sorted(fields), batch_size=WRITE_CHUNK)

    def write_in_chunks(self, name: str, model, plans, refs: dict | None = None, after=None) -> None:
        """A section planned a chunk at a time (``plan_in_chunks``), written a chunk at a time."""
        for creates, updates, extra in plans:
            self.write_simple(name, model, (creates, updates), refs)
            if after is not None:
                after(extra)

    def write_affiliations(self, replacements: list[tuple]) -> None:
        """The affiliations of a chunk's experts whose affiliations the file replaces."""
        models.Affiliation.objects.filter(expert__in=[e.pk for e, _rows in replacements]).delete()
        # a batch of model instances at a time: all of them at once were ~25 MB at 50,000 experts
        items = ((expert, order, row) for expert, rows in replacements for order, row in enumerate(rows))
        for batch in batched(items, WRITE_CHUNK):
            models.Affiliation.objects.bulk_create(
                [models.Affiliation(expert=expert, order=order, **row) for expert, order, row in batch]
            )

    def write_stance_changes(self, plan: tuple[list, list]) -> None:
        """A chunk of questions' stances that move or go parked out of the way, then the changed
        ones given their new values ((question, position) is unique)."""
        parked, changed = plan
        if parked:
            models.Stance.objects.bulk_update([models.Stance(pk=pk, position=at) for pk, at in parked], ["position"])
        if changed:
            models.Stance.objects.bulk_update(changed, ["label", "meaning", "position"])

    def write_new_stances(self) -> None:
        """The new questions' stances, then those added to existing questions (in the file's order,
        as planned), their ids kept with their questions' stances (``stances_of``)."""
        for planned in (self.stance_creates, self.stance_additions):
            for batch in batched(planned, WRITE_CHUNK):
                question_ids = {slug: self.ids["questions"][slug] for slug in {slug for slug, _row in batch}}
                new = [models.Stance(question_id=question_ids[slug], **row) for slug, row in batch]
                models.Stance.objects.bulk_create(new, batch_size=WRITE_CHUNK)
                ids = defaultdict(dict)
                for stance, (slug, _row) in zip(new, batch, strict=True):
                    ids[slug][stance.slug] = stance.pk
                for slug, written in ids.items():
                    self.stances[slug] = json.dumps(json.loads(self.stances[slug]) | written)
        self.stance_cache.clear()

    def write_themes(self) -> None:
        """The themes section a chunk at a time, then the new themes the takes name (all on disk)."""
        self.write_in_chunks("themes", models.Theme, self.theme_plan)
        for batch in batched(self.theme_named, WRITE_CHUNK):
            new = [models.Theme(name=name, slug=slug) for name, slug in batch]
            models.Theme.objects.bulk_create(new, batch_size=WRITE_CHUNK)
            self.ids["themes"].update((theme.slug, theme.pk) for theme in new)

    def theme_id(self, slug: str) -> int:
        if slug not in self.ids["themes"]:
            self.ids["themes"].update(models.Theme.objects.filter(slug=slug).values_list("slug", "pk"))
        return self.ids["themes"][slug]

    def expert_id(self, slug: str | None) -> int | None:
        return self.ids["experts"][slug] if slug else None

    def write_takes(self) -> None:
        """The takes a chunk at a time, in the order they were planned, each read from the document
        again; responses whose target is written later wait for it (only their ids are kept)."""
        total = sum(1 for p in self.take_plans if p.changes)
        done = 0
        self.waiting_responses = SpilledList()  # on disk: as many as the file's forward references
        plans = iter(self.take_plans)
        for records in self.doc.take_chunks(PLAN_CHUNK):
            chunk = []
            for record in records:
                plan = next(plans)
                if plan.changes:
                    plan.recall(record, self.new_take_fields)
                    chunk.append(plan)
            for part in chunked(chunk, WRITE_CHUNK):
                self.write_take_chunk(part)
            self.write_responses([p for p in chunk if p.responses])
            for plan in chunk:
                plan.forget()
            reset_queries()  # with DEBUG on, Django keeps every statement's text (a chunk's bodies)
            before, done = done, done + len(chunk)
            if self.progress and done // self.progress.every > before // self.progress.every:
                self.say(f"wrote {done:,} of {total:,} takes")
        self.write_waiting_responses()

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
        self.insert_new_takes([p for p in plans if p.is_new])
        self.update_changed_takes([p for p in plans if not p.is_new and p.fields])
        self.replace_authors([p for p in plans if p.authors is not None])
        self.replace_themes([p for p in plans if p.themes is not None])
        # quotes: updated in place by index so positions and responses keep pointing at them
        self.write_quotes([p for p in plans if p.quotes])
        self.replace_positions([p for p in plans if p.positions])
        self.replace_appearances([p for p in plans if p.appearances])
        self.replace_predictions([p for p in plans if p.predictions])

    def insert_new_takes(self, new: list[TakePlan]) -> None:
        take_ids = insert_rows(models.Take, NEW_TAKE_COLUMNS, self.new_take_rows(new), returning=True)
        for plan, take_id in zip(new, take_ids, strict=True):
            plan.take_id = take_id

    def update_changed_takes(self, changed: list[TakePlan]) -> None:
        if not changed:
            return
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

    def replace_authors(self, rewrite: list[TakePlan]) -> None:
        models.TakeAuthor.objects.filter(take_id__in=[p.take_id for p in rewrite if not p.is_new]).delete()
        insert_rows(
            models.TakeAuthor,
            ["take_id", "expert_id", "order"],
            [(p.take_id, self.ids["experts"][slug], order) for p in rewrite for order, slug in enumerate(p.authors)],
        )

    def replace_themes(self, rewrite: list[TakePlan]) -> None:
        through = models.Take.themes.through
        through.objects.filter(take_id__in=[p.take_id for p in rewrite if not p.is_new]).delete()
        insert_rows(
            through, ["take_id", "theme_id"], [(p.take_id, self.theme_id(slug)) for p in rewrite for slug in p.themes]
        )

    def replace_positions(self, rewrite: list[TakePlan]) -> None:
        """A take's whole set of positions is replaced when it changes."""
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

    def replace_appearances(self, rewrite: list[TakePlan]) -> None:
        """A take's appearances are replaced as a whole when they change."""
        models.Appearance.objects.filter(take_id__in=[p.take_id for p in rewrite if not p.is_new]).delete()
        models.Appearance.objects.bulk_create(
            [
                models.Appearance(
                    take_id=p.take_id,
                    order=order,
                    url=row["url"],
                    kind=row["kind"],
                    publication_id=self.ids["publications"][row["publication"]] if row["publication"] else None,
                    published=row["published"],
                    title=row["title"],
                )
                for p in rewrite
                for order, row in enumerate(p.record.lists["appearances"])
            ],
            batch_size=WRITE_CHUNK,
        )

    def replace_predictions(self, rewrite: list[TakePlan]) -> None:
        """A take's predictions are replaced as a whole when they change; evidence by quote index."""
        models.Prediction.objects.filter(take_id__in=[p.take_id for p in rewrite if not p.is_new]).delete()
        rows = []
        for p in rewrite:
            for order, row in enumerate(p.record.lists["predictions"]):
                values = {k: v for k, v in row.items() if k not in ("evidence", "question")}
                rows.append(
                    models.Prediction(
                        take_id=p.take_id,
                        order=order,
                        evidence_id=p.quote_ids[row["evidence"]] if row["evidence"] is not None else None,
                        question_id=self.ids["questions"][row["question"]] if row["question"] else None,
                        **values,
                    )
                )
        models.Prediction.objects.bulk_create(rows, batch_size=WRITE_CHUNK)

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

    RESPONSE_COLUMNS = ["take_id", "expert_id", "relation", "target_take_id", "quote_id", "note"]

    def write_responses(self, plans: list[TakePlan]) -> None:
        """Replace these takes' responses; those aimed at a take not written yet wait for it."""
        old = [p.take_id for p in plans if not p.is_new]  # a new take has no responses yet
        for chunk in chunked(old, QUERY_CHUNK):
            models.Response.objects.filter(take_id__in=chunk).delete()
        targets = {row["target_take"] for p in plans for row in p.record.lists["responses"] if row["target_take"]}
        ids = dict(fetch(models.Take.objects.values_list("slug", "id"), "slug", targets))
        ready = []
        for p in plans:
            for row in p.record.lists["responses"]:
                values = [
                    p.take_id,
                    self.ids["experts"][row["expert"]],
                    row["relation"],
                    row["target_take"],
                    p.quote_ids[row["quote"]] if row["quote"] is not None else None,
                    row["note"],
                ]
                if values[3] is None or values[3] in ids:
                    values[3] = ids.get(values[3])
                    ready.append(tuple(values))
                else:
                    self.waiting_responses.append(tuple(values))
        insert_rows(models.Response, self.RESPONSE_COLUMNS, ready)

    def write_waiting_responses(self) -> None:
        """Responses to takes written after their own: every target exists now."""
        for chunk in batched(self.waiting_responses, WRITE_CHUNK):
            ids = dict(fetch(models.Take.objects.values_list("slug", "id"), "slug", {row[3] for row in chunk}))
            insert_rows(models.Response, self.RESPONSE_COLUMNS, [(*row[:3], ids[row[3]], *row[4:]) for row in chunk])
        self.waiting_responses.close()
