"""Planning the reference sections of an import: publications, experts (with affiliations),
questions (with stances), collections and themes, matched by slug; and the slug look-ups the
takes' references need. Part of ``importer.Importer``: the methods read and fill its state."""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import batched

from django.utils.text import slugify

from archive import models
from archive.transfer import QUERY_CHUNK, chunked, fetch
from archive.transfer.document import Record, describe
from archive.transfer.spill import SpilledList, SpilledMap, SpilledPairs

#: Items of a reference section planned (and written) at a time.
SECTION_CHUNK = 2000

#: Questions whose stances ``stances_of`` keeps in memory (the takes name a few questions, again and again).
STANCE_CACHE = 1000

#: Where a question's stances that move or go wait while the others take their places.
PARKED = 30000

SECTION_MODELS = {
    "publications": models.Publication,
    "experts": models.Expert,
    "questions": models.Question,
    "collections": models.Collection,
    "themes": models.Theme,
}


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


class SectionPlanning:
    """Creates and updates for the sections that takes refer to, checked before anything is written."""

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
        planned, ids, checked = self.planned_slugs[section], self.ids[section], self.checked[section]
        wanted = {s for s in slugs if s and s not in planned and s not in ids and s not in checked}
        model = SECTION_MODELS[section]
        for chunk in chunked(sorted(wanted), QUERY_CHUNK):
            ids.update(model.objects.filter(slug__in=chunk).values_list("slug", "pk"))
        checked.add_all(wanted)

    def finish_tally(self, name: str, updates) -> list:
        tally = self.summary.tallies[name]
        changed = [u for u in updates if u[-1]]
        tally.updated += len(changed)
        tally.unchanged += len(updates) - len(changed)
        return changed

    def plan_in_chunks(self, name: str, model, refs: dict | None = None, more=None) -> SpilledList:
        """``plan_simple`` a chunk of the section's records at a time, each chunk's plan (creates,
        changed updates, and what ``more`` adds) kept on disk until writing: memory does not grow
        with the number of items (docs/performance.md, "Import in bounded memory")."""
        plans = SpilledList()
        for records in batched(getattr(self.doc, name), SECTION_CHUNK):
            creates, updates = self.plan_simple(name, model, records, refs)
            extra = more(creates, updates) if more else None
            # kept without their records (writing does not read them): less to pickle
            creates = [(obj, None, ref_values) for obj, _record, ref_values in creates]
            updates = [(obj, None, *rest) for obj, _record, *rest in self.finish_tally(name, updates)]
            plans.extend([(creates, updates, extra)])
        return plans

    def plan_publications(self) -> None:
        self.publication_plan = self.plan_in_chunks("publications", models.Publication)

    def plan_collections(self) -> None:
        self.collection_plan = self.plan_in_chunks("collections", models.Collection, {"publication": "publications"})

    def plan_experts(self) -> None:
        """The experts, with (in each chunk's plan) the experts whose affiliations are replaced."""
        self.expert_plan = self.plan_in_chunks("experts", models.Expert, more=self.plan_affiliations)

    def plan_affiliations(self, creates, updates) -> list[tuple]:
        """(expert object, rows) for each expert of a chunk whose affiliations the file replaces."""
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
        replacements = []
        for obj, record, _refs in creates:
            if record.lists.get("affiliations"):
                replacements.append((obj, record.lists["affiliations"]))
        for obj, record, _refs, changed in updates:
            rows = record.lists.get("affiliations")
            if rows is None:
                continue
            wanted = [(r["organization"], r["role"], r["start_year"], r["end_year"], r["current"]) for r in rows]
            if wanted != current[obj.pk]:
                replacements.append((obj, rows))
                changed.append("affiliations")
        return replacements

    def plan_questions(self) -> None:
        """The questions a chunk at a time (``plan_in_chunks``), with their stances; every question's
        stances as they will be after the import kept on disk (``self.stances``: question slug ->
        JSON of stance slug -> id, null for a new stance; ``self.stance_owners``: stance slug ->
        the file's questions that will have it), and the stances to create and to delete."""
        self.stances = SpilledMap()
        self.stance_owners = SpilledPairs()
        self.stance_cache: dict[str, dict[str, int | None]] = {}  # recently used ``stances_of``, bounded
        self.stance_creates = SpilledList()  # (question slug, row) of the new questions' stances
        self.stance_additions = SpilledList()  # the same for existing questions: created after them
        self.stance_deletes = SpilledList()  # (stance id, stance slug, where the question is in the file)
        self.question_plan = self.plan_in_chunks("questions", models.Question, more=self.plan_stances)

    def plan_stances(self, creates, updates) -> tuple[list, list]:
        """A chunk of questions' stances; its plan: (stance id, parked position) of the stances that
        move or go (parked out of the way first: (question, position) is unique), and the changed
        stances with their new values."""
        tally, after_import = self.summary.tallies["stances"], {}  # question slug -> stance slug -> id
        current = defaultdict(dict)
        for stance in fetch(models.Stance.objects.all(), "question_id", [obj.pk for obj, *_ in updates]):
            current[stance.question_id][stance.slug] = stance
        for _obj, record, _refs in creates:
            rows = record.lists.get("stances") or []
            after_import[record.slug] = {row["slug"]: None for row in rows}
            for row in rows:
                self.stance_creates.append((record.slug, row))
            tally.created += len(rows)
        parked, changed_stances = [], []
        for obj, record, _refs, changed in updates:
            have, rows = current[obj.pk], record.lists.get("stances")
            if rows is None:
                after_import[record.slug] = {slug: stance.pk for slug, stance in have.items()}
                continue
            ids = {slug: stance.pk for slug, stance in have.items()}
            after_import[record.slug] = {row["slug"]: ids.get(row["slug"]) for row in rows}
            moving = self.plan_question_stances(record, have, rows)
            wanted = {row["slug"] for row in rows}
            removed = [stance for slug, stance in have.items() if slug not in wanted]
            for stance in removed:
                self.stance_deletes.append((stance.pk, stance.slug, record.where))
            tally.deleted += len(removed)
            if moving or removed or not wanted <= have.keys():
                changed.append("stances")
            parked += [(stance.pk, PARKED + n) for n, stance in enumerate(moving + removed)]
            changed_stances += moving
        self.remember_stances(after_import)
        return parked, changed_stances

    def plan_question_stances(self, record: Record, have: dict, rows: list[dict]) -> list:
        """An existing question's stances the file adds (to create) or changes (returned, changed)."""
        tally, moving = self.summary.tallies["stances"], []
        for row in rows:
            stance = have.get(row["slug"])
            if stance is None:
                self.stance_additions.append((record.slug, row))
                tally.created += 1
            elif apply_changes(stance, {k: row[k] for k in ("label", "meaning", "position")}):
                moving.append(stance)
                tally.updated += 1
            else:
                tally.unchanged += 1
        return moving

    def remember_stances(self, after_import: dict[str, dict[str, int | None]]) -> None:
        """A chunk's questions' stances as they will be (stance slug -> id, None if new), on disk."""
        self.stances.update((question, json.dumps(stances)) for question, stances in after_import.items())
        self.stance_owners.add_all((slug, question) for question, stances in after_import.items() for slug in stances)

    def stances_of(self, question_slug: str) -> dict[str, int | None] | None:
        """The stances a question will have, loading them for questions the document does not list."""
        stances = self.stance_cache.get(question_slug)
        if stances is not None:
            return stances
        text = self.stances.get(question_slug)
        if text is None:
            question_id = self.ids["questions"].get(question_slug)
            if question_id is None:
                return None
            stances = dict(models.Stance.objects.filter(question_id=question_id).values_list("slug", "pk"))
            self.stances[question_slug] = json.dumps(stances)
        else:
            stances = json.loads(text)
        if len(self.stance_cache) >= STANCE_CACHE:
            self.stance_cache.clear()
        self.stance_cache[question_slug] = stances
        return stances

    def plan_themes(self) -> None:
        """The themes a chunk at a time, like ``plan_in_chunks``; every theme as it will be after
        the import kept on disk by exact name, by slug and by folded name (for ``resolve_theme``),
        and the themes takes name that do not exist kept on disk until written."""
        self.theme_by_name, self.theme_by_slug, self.theme_by_folded = SpilledMap(), SpilledMap(), SpilledMap()
        self.theme_named = SpilledList()  # (name, slug) of the themes takes name that are new
        themes = models.Theme.objects.values_list("slug", "name")
        for rows in batched(themes.iterator(chunk_size=QUERY_CHUNK), QUERY_CHUNK):
            self._remember_themes(rows)
        self.theme_plan = SpilledList()
        taken_names = []  # problems reported after those of every item, as when planned whole
        for records in batched(self.doc.themes, SECTION_CHUNK):
            creates, updates = self.plan_simple("themes", models.Theme, records)
            for record in records:
                name = record.fields.get("name")
                if name and name == record.slug:
                    message = f"{describe(name)} is the theme's slug: give it a name readers see"
                    self.error(record.where, "name", message)
            self._remember_themes([(record.slug, record.fields.get("name")) for record in records])
            taken_names += self._names_taken(records)
            creates = [(obj, None, ref_values) for obj, _record, ref_values in creates]
            updates = [(obj, None, *rest) for obj, _record, *rest in self.finish_tally("themes", updates)]
            self.theme_plan.extend([(creates, updates, None)])
        for where, name, other in taken_names:
            self.error(where, "name", f"{describe(name)} is already the name of the theme {describe(other)}")

    def _names_taken(self, records) -> list[tuple]:
        """(where, name, other slug) for the file's themes whose name another theme has, one that
        the file does not list (names are unique in the database and, folded, in the file)."""
        names = [r.fields.get("name") for r in records if r.fields.get("name") is not None]
        holders = dict(fetch(models.Theme.objects.values_list("name", "slug"), "name", names))
        taken = []
        for record in records:
            other = holders.get(record.fields.get("name"))
            if other and other != record.slug and other not in self.planned_slugs["themes"]:
                taken.append((record.where, record.fields.get("name"), other))
        return taken

    def _remember_themes(self, pairs) -> None:
        """(slug, name) pairs, in order: a later name or slug replaces an earlier one; a folded
        name keeps the first theme that had it."""
        pairs = list(pairs)
        self.theme_by_slug.update((slug, slug) for slug, _name in pairs)
        self.theme_by_name.update((name, slug) for slug, name in pairs)
        self.theme_by_folded.add_missing((name.casefold(), slug) for slug, name in pairs)

    def resolve_themes(self, texts) -> list[str]:
        """The slugs of the themes a take names, each once, in the order first named: one theme named
        twice (by its slug and by its name, say) is one tag (the database holds a take's theme once)."""
        return list(dict.fromkeys(self.resolve_theme(text) for text in texts))

    def resolve_theme(self, text: str) -> str:
        """The slug of the theme a take names (by name or slug), creating the theme when it is new."""
        slug = self.theme_by_name.get(text) or self.theme_by_slug.get(text) or self.theme_by_folded.get(text.casefold())
        if slug:
            return slug
        name = models.theme_display_name(text[:100])
        base = (slugify(text) or slugify(text, allow_unicode=True) or "theme")[:90]
        if base == name:  # a one-word name in a script without case (비핵화): the slug must differ from it
            base = "theme"
        slug, n = base, 1
        while slug in self.theme_by_slug or models.Theme.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        self.theme_named.append((name, slug))
        self.summary.tallies["themes"].created += 1
        self._remember_themes([(slug, name)])
        return slug
