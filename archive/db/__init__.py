"""What the database keeps for the archive itself, and every SQL that differs between PostgreSQL and SQLite
outside search ranking (which is in archive/search/).

The parts the database maintains with triggers, in the order they are installed:

- ``rules`` (rules.py): rules a CHECK constraint cannot express (migration 0002);
- ``search index`` (search_index.py): tsvector columns + GIN on PostgreSQL, FTS5 on SQLite (0004);
- ``stances`` (stances.py): the who-holds-what table ``archive_expertstance`` (0006);
- ``data version`` (data_version.py): a number that moves on every write (0007);
- ``clean text`` (clean_text.py): no control or bidirectional override characters in any text (0014);
- ``take dates`` (take_dates.py): published takes per date, a journal of counts (0020);
- ``stance dates`` (stance_dates.py): published positions per question, stance and date, a journal
  of counts (0022);
- ``totals`` (totals.py): the home page's published quotes, public experts and outlets, a journal of
  counts (0022);
- ``expert records`` (expert_records.py): each expert's prediction record, a journal of sums (0023);
- ``prediction counts`` (prediction_counts.py): published predictions per outcome, question and
  horizon, a journal of counts (0024);
- ``take locks`` (take_locks.py): PostgreSQL, a row written under a take locks the take first, so
  the journals and the who-holds-what table stay exact when two writers meet (0025).

``PARTS`` is the one registry of them: the migration that introduces a part calls its
``install``/``uninstall`` (``run_python``), and archive/apps.py calls ``lift_for_migrations`` before
``migrate`` and ``restore_after_migrate`` after it. SQLite rebuilds a table to alter it (create a
copy, drop, rename): triggers on the old table are dropped with it, and triggers elsewhere that name
the table make the rename fail. So before archive migrations run on SQLite the parts' triggers are
lifted, and after ``migrate`` every part whose migration is applied is installed again (each
``install`` is idempotent and re-fills what it keeps when any of its triggers was missing). On
PostgreSQL nothing needs lifting: its triggers follow the tables.

The other modules: bulk.py (multi-row inserts, id arrays), session.py (the web process's statement
timeout), stats.py (planner statistics after bulk writes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import migrations
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

from archive.db import (
    clean_text,
    data_version,
    expert_records,
    prediction_counts,
    rules,
    search_index,
    stance_dates,
    stances,
    take_dates,
    take_locks,
    totals,
)

SUPPORTED = ("postgresql", "sqlite")

Hook = Callable[[BaseDatabaseWrapper], object]


@dataclass(frozen=True)
class Part:
    """One piece of database-side machinery and the migration that introduces it."""

    name: str
    migration: str  # the archive migration that first installs it
    install: Hook  # idempotent: creates what is missing (and re-fills derived rows when it was)
    uninstall: Hook  # the migration's reverse: drops it all
    lift_sqlite: Hook  # SQLite, before table rebuilds: drops its triggers only
    after_migrate: Hook | None = None  # what every ``migrate`` runs; ``install`` when None

    def restore(self, connection: BaseDatabaseWrapper) -> None:
        (self.after_migrate or self.install)(connection)


def _restore_data_version(connection: BaseDatabaseWrapper) -> None:
    """Writes made while SQLite's triggers were lifted moved no version, so move it once."""
    data_version.install(connection)
    data_version.bump(connection)


PARTS: tuple[Part, ...] = (
    Part("rules", "0002_integrity_triggers", rules.install, rules.uninstall, rules.uninstall),
    Part(
        "search index",
        "0004_search_index",
        search_index.install,
        search_index.uninstall,
        search_index.uninstall_sqlite_triggers,
    ),
    Part("stances", "0006_expert_stance", stances.install, stances.uninstall_triggers, stances.uninstall_triggers),
    Part(
        "data version",
        "0007_data_version",
        data_version.install,
        data_version.uninstall,
        data_version.uninstall_sqlite_triggers,
        after_migrate=_restore_data_version,
    ),
    Part(
        "clean text",
        "0014_clean_text",
        clean_text.install,
        clean_text.uninstall,
        clean_text.uninstall_sqlite_triggers,
    ),
    Part(
        "take dates",
        "0020_take_dates",
        take_dates.install,
        take_dates.uninstall,
        take_dates.uninstall_sqlite_triggers,
    ),
    Part(
        "stance dates",
        "0022_stance_dates",
        stance_dates.install,
        stance_dates.uninstall,
        stance_dates.uninstall_sqlite_triggers,
    ),
    Part("totals", "0022_stance_dates", totals.install, totals.uninstall, totals.uninstall_sqlite_triggers),
    Part(
        "expert records",
        "0023_expert_records",
        expert_records.install,
        expert_records.uninstall,
        expert_records.uninstall_sqlite_triggers,
    ),
    Part(
        "prediction counts",
        "0024_prediction_counts",
        prediction_counts.install,
        prediction_counts.uninstall,
        prediction_counts.uninstall_sqlite_triggers,
    ),
    Part(
        "take locks",
        "0025_take_locks",
        take_locks.install,
        take_locks.uninstall,
        take_locks.uninstall_sqlite_triggers,
    ),
)


def part(name: str) -> Part:
    return next(p for p in PARTS if p.name == name)


def run_python(name: str) -> migrations.RunPython:
    """The operation of the migration that introduces part ``name``: install forwards, uninstall backwards."""
    found = part(name)

    def forwards(apps, schema_editor) -> None:
        found.install(schema_editor.connection)

    def backwards(apps, schema_editor) -> None:
        found.uninstall(schema_editor.connection)

    return migrations.RunPython(forwards, backwards)


def check_supported(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor not in SUPPORTED:
        raise RuntimeError(f"The archive supports PostgreSQL and SQLite, not {connection.vendor}.")


def engine_name(connection: BaseDatabaseWrapper) -> str:
    """``"postgresql"`` or ``"sqlite"``, for messages (the benchmark's corpus line)."""
    check_supported(connection)
    return connection.vendor


def lift_for_migrations(connection: BaseDatabaseWrapper, plan) -> None:
    """SQLite, before a ``migrate`` whose plan holds archive migrations: drop every part's triggers."""
    if connection.vendor != "sqlite" or not any(m.app_label == "archive" for m, _ in plan or []):
        return
    if "archive_take" not in connection.introspection.table_names():
        return
    for each in PARTS:
        each.lift_sqlite(connection)


def restore_after_migrate(connection: BaseDatabaseWrapper) -> None:
    """After ``migrate``: put back every part whose migration is applied, in order."""
    applied = {name for app, name in MigrationRecorder(connection).applied_migrations() if app == "archive"}
    for each in PARTS:
        if each.migration in applied:
            each.restore(connection)
