from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def reinstall_database_rules(sender, using: str = "default", **kwargs) -> None:
    """Re-create the archive's triggers after every migrate (SQLite drops them on table rebuilds)."""
    from archive import db_rules

    connection = connections[using]
    if "archive_take" in connection.introspection.table_names():
        db_rules.install(connection)


def reinstall_search_index(sender, using: str = "default", **kwargs) -> None:
    """Re-create missing search triggers/tables after every migrate, re-indexing if any were missing."""
    from django.db.migrations.recorder import MigrationRecorder

    from archive.search import schema

    connection = connections[using]
    # Only while migration 0003 is applied: after "migrate archive 0002" the index stays removed.
    if ("archive", "0003_search_index") in MigrationRecorder(connection).applied_migrations():
        schema.install(connection)


def ensure_editors_group(sender, **kwargs) -> None:
    from archive.editors import ensure_editors_group

    ensure_editors_group()


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Hanoi Summit archive"

    def ready(self) -> None:
        post_migrate.connect(reinstall_database_rules, sender=self)
        post_migrate.connect(reinstall_search_index, sender=self)
        post_migrate.connect(ensure_editors_group, sender=self)
