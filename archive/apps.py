"""App start-up: the database-maintained rules and search index survive every migration.

SQLite rebuilds a table to alter it (create a copy, drop, rename). Triggers on the old table are
dropped with it, and triggers elsewhere that name the table make the rename fail. So before any
archive migration runs on SQLite, the archive's triggers are lifted (``pre_migrate``); after
``migrate`` they are put back, and the search index and the who-holds-what table
(archive/stances.py) are re-filled if any of their parts was missing (``post_migrate``). On
PostgreSQL nothing needs lifting: its triggers follow the tables.
"""

from django.apps import AppConfig
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate, pre_migrate

RULES_MIGRATION = ("archive", "0002_integrity_triggers")
SEARCH_MIGRATION = ("archive", "0004_search_index")
STANCES_MIGRATION = ("archive", "0006_expert_stance")
VERSION_MIGRATION = ("archive", "0007_data_version")


def _applied(connection) -> set[tuple[str, str]]:
    return set(MigrationRecorder(connection).applied_migrations())


def lift_sqlite_triggers(sender, using: str = "default", plan=None, **kwargs) -> None:
    """Drop the archive's SQLite triggers when archive migrations are about to run."""
    from archive import data_version, db_rules, stances
    from archive.search import schema

    connection = connections[using]
    if connection.vendor != "sqlite" or not any(m.app_label == "archive" for m, _ in plan or []):
        return
    if "archive_take" not in connection.introspection.table_names():
        return
    db_rules.uninstall(connection)
    schema.uninstall_sqlite_triggers(connection)
    data_version.uninstall_sqlite_triggers(connection)
    stances.uninstall_triggers(connection)


def reinstall_database_rules(sender, using: str = "default", **kwargs) -> None:
    """Put the integrity triggers back while migration 0002 is applied."""
    from archive import db_rules

    connection = connections[using]
    if RULES_MIGRATION in _applied(connection):
        db_rules.install(connection)


def reinstall_search_index(sender, using: str = "default", **kwargs) -> None:
    """Re-create missing search triggers/tables while 0004 is applied, re-indexing if any were missing."""
    from archive.search import schema

    connection = connections[using]
    if SEARCH_MIGRATION in _applied(connection):
        schema.install(connection)


def reinstall_stances(sender, using: str = "default", **kwargs) -> None:
    """Re-create missing who-holds-what triggers while 0006 is applied, rebuilding the table if any were missing."""
    from archive import stances

    connection = connections[using]
    if STANCES_MIGRATION in _applied(connection):
        stances.install(connection)


def reinstall_data_version(sender, using: str = "default", **kwargs) -> None:
    """Put the data version's triggers back (and on tables created since) while 0007 is applied;
    writes made while SQLite's were lifted moved no version, so move it once."""
    from archive import data_version

    connection = connections[using]
    if VERSION_MIGRATION in _applied(connection):
        data_version.install(connection)
        data_version.bump(connection)


def ensure_editors_group(sender, **kwargs) -> None:
    from archive.editors import ensure_editors_group

    ensure_editors_group()


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Hanoi Summit archive"

    def ready(self) -> None:
        pre_migrate.connect(lift_sqlite_triggers, sender=self)
        post_migrate.connect(reinstall_database_rules, sender=self)
        post_migrate.connect(reinstall_search_index, sender=self)
        post_migrate.connect(reinstall_stances, sender=self)
        post_migrate.connect(reinstall_data_version, sender=self)
        post_migrate.connect(ensure_editors_group, sender=self)
