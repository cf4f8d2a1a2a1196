"""Settings of a database session that only one of the databases has.

``statement_timeout``: PostgreSQL cancels a statement that runs longer (archive/limits.py sets it on
every connection of the web process). SQLite has no such setting: there it does nothing.

``mmap_size``: SQLite reads the database file through a memory map of up to that many bytes
instead of copying pages into each connection's own cache (2 MB by default, smaller than what one
cold take list reads, so every first request after a write read its pages again: the three-filter
list's chart statement took 31.8 ms median, 16.4 with the map; docs/performance.md, "Ninth round").
The mapped pages are the operating system's page cache, shared by every connection and worker
process. PostgreSQL keeps its own shared buffers: there it does nothing.
"""

from django.db.backends.base.base import BaseDatabaseWrapper


def set_statement_timeout(connection: BaseDatabaseWrapper, milliseconds: int) -> None:
    """PostgreSQL: cancel this session's statements after ``milliseconds`` (0: never)."""
    if connection.vendor == "postgresql" and milliseconds > 0:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{milliseconds}ms"])


def map_sqlite_file(connection: BaseDatabaseWrapper, size_bytes: int) -> None:
    """SQLite: read this connection's database file through a memory map of ``size_bytes`` (0: off)."""
    if connection.vendor == "sqlite" and size_bytes > 0:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA mmap_size = {int(size_bytes)}")
