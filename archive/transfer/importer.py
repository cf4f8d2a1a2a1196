"""Resolve a read document against the database, plan every change, then write it all at once.

Planning reads the database (in chunks, by slug and URL) and finds every remaining problem: unknown
slugs, a stance of another question, a take URL that belongs to another take, ... Only when the
plan is clean does writing start, in one transaction, with batched inserts and updates. A dry run
stops after planning. Importing the same document twice changes nothing the second time.

The work is in three parts, one module each, combined into ``Importer``:
- ``section_plans``: publications, experts, questions, collections, themes;
- ``take_plans``: the takes and every reference they make;
- ``writing``: the batched writes of a clean plan.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, transaction

from archive.db import conflicts, search_index, stats
from archive.transfer import Progress
from archive.transfer.document import Document, ImportFailed
from archive.transfer.section_plans import SectionPlanning
from archive.transfer.spill import SpilledMap
from archive.transfer.take_plans import TakePlanning
from archive.transfer.writing import Writing

#: Attempts at an import that clashes with another write at the same moment (archive/db/conflicts.py),
#: and the longest pause between two, in seconds (random, so two clashing imports do not meet again).
ATTEMPTS = 4
MAX_PAUSE = 2.0

#: SQLite: an import that writes this many takes merges the search index afterwards (search_index.optimize).
OPTIMIZE_AFTER_TAKES = 5000


#: The importer's attributes kept in temporary files (archive/transfer/spill.py), let go by ``close``.
SPILLED = (
    *("publication_plan", "expert_plan", "question_plan", "collection_plan", "theme_plan", "theme_named"),
    *("stances", "stance_owners", "stance_creates", "stance_additions", "stance_deletes"),
    *("take_plans", "waiting_responses", "theme_by_name", "theme_by_slug", "theme_by_folded"),
    *("assigned_slugs", "claimed", "target_ids", "rewritten_positions"),
)


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


class Importer(SectionPlanning, TakePlanning, Writing):
    def __init__(self, document: Document, progress: Progress | None = None):
        self.doc = document
        self.progress = progress
        self.errors: list[str] = []
        self.summary = Summary(warnings=list(document.warnings))
        # slug -> id of rows that exist (filled in for new rows as they are written), on disk: they
        # grow with the reference sections (docs/performance.md, "Import in bounded memory")
        self.ids: dict[str, SpilledMap] = defaultdict(SpilledMap)
        # slugs each section of the document defines, and slugs already looked up in the database
        self.planned_slugs = {
            section: document.defined_slugs(section)
            for section in ("publications", "experts", "questions", "collections", "themes")
        }
        self.checked: dict[str, SpilledMap] = defaultdict(SpilledMap)

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
            with transaction.atomic():
                self.write()
                takes = self.summary.tallies["takes"]
                if takes.created + takes.updated >= OPTIMIZE_AFTER_TAKES:
                    self.say("merging the search index")
                    search_index.optimize(connection)
            takes = self.summary.tallies["takes"]
            if takes.created + takes.updated >= stats.ANALYZE_AFTER_TAKES:
                self.say(stats.PROGRESS)
                stats.analyze(connection)
        return self.summary

    def close(self) -> None:
        """Let go of the temporary files the import's state is kept in (archive/transfer/spill.py)."""
        held = [*self.ids.values(), *self.checked.values(), *(getattr(self, name, None) for name in SPILLED)]
        for item in held:
            if item is not None:
                item.close()

    def plan(self) -> None:
        self.plan_publications()
        self.plan_experts()
        self.plan_questions()
        self.plan_collections()
        self.plan_themes()
        self.plan_takes()


def import_document(
    document: Document, *, dry_run: bool = False, progress: Progress | None = None, attempts: int = ATTEMPTS
) -> Summary:
    """Import a read document; ImportFailed (nothing written) when anything is wrong.

    A write that clashes with another at the same moment (two imports updating the same takes in
    opposite orders deadlock, and the database aborts one) is rolled back whole, planned afresh
    against what the other wrote, and tried again, up to ``attempts`` times in all."""
    for attempt in range(1, attempts + 1):
        importer = Importer(document, progress)
        try:
            return importer.run(dry_run=dry_run)
        except DatabaseError as exc:
            clash = conflicts.clash(exc)
            if clash is None:
                raise ImportFailed([f"the database refused the import, so nothing was written: {exc}"]) from None
            if attempt == attempts:
                raise ImportFailed(
                    [f"the import met {clash} {attempts} times, so nothing was written; run it again later"]
                ) from None
            if progress:
                progress(f"the import met {clash}; nothing was kept, trying again ({attempt + 1} of {attempts})")
            time.sleep(random.uniform(0.1, MAX_PAUSE))  # noqa: S311 - a pause, not a secret
        finally:
            importer.close()
    raise AssertionError("unreachable")
