"""Settings of a database session that only one of the databases has.

``statement_timeout``: PostgreSQL cancels a statement that runs longer (archive/limits.py sets it on
every connection of the web process). SQLite has no such setting: there it does nothing.
"""

from django.db.backends.base.base import BaseDatabaseWrapper


def set_statement_timeout(connection: BaseDatabaseWrapper, milliseconds: int) -> None:
    """PostgreSQL: cancel this session's statements after ``milliseconds`` (0: never)."""
    if connection.vendor == "postgresql" and milliseconds > 0:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{milliseconds}ms"])
