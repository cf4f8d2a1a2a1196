"""App start-up: the database-maintained rules and search index survive every migration.

Before any archive migration runs on SQLite, the triggers of every part in the registry
(archive/db/__init__.py) are lifted (``pre_migrate``); after ``migrate`` each part whose migration
is applied is installed again, re-filling what it keeps if any of its triggers was missing
(``post_migrate``). On PostgreSQL nothing needs lifting: its triggers follow the tables.
"""

from django.apps import AppConfig
from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_migrate

from archive import db
from archive.db import search_text


def lift_sqlite_triggers(sender, using: str = "default", plan=None, **kwargs) -> None:
    """Drop the archive's SQLite triggers when archive migrations are about to run."""
    db.lift_for_migrations(connections[using], plan)


def reinstall_database_parts(sender, using: str = "default", **kwargs) -> None:
    """Put back the rules, the search index, the who-holds-what table and the data version."""
    db.restore_after_migrate(connections[using])


def ensure_editors_group(sender, **kwargs) -> None:
    from archive.editors import ensure_editors_group

    ensure_editors_group()


class ArchiveConfig(AppConfig):
    name = "archive"
    verbose_name = "Hanoi Summit archive"

    def ready(self) -> None:
        connection_created.connect(search_text.register, dispatch_uid="archive_search_text")
        pre_migrate.connect(lift_sqlite_triggers, sender=self)
        post_migrate.connect(reinstall_database_parts, sender=self)
        post_migrate.connect(ensure_editors_group, sender=self)
