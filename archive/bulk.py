"""Kept for the search package's imports: bulk inserts and id arrays now live in archive/db/bulk.py."""

from archive.db.bulk import insert_rows, int_array

__all__ = ["insert_rows", "int_array"]
