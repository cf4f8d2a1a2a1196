"""Kept for the search package's imports: the search index's definitions now live in archive/db/search_index.py."""

from archive.db.search_index import CONFIG, DOCUMENTS, bm25_weights, pg_document, pg_words

__all__ = ["CONFIG", "DOCUMENTS", "bm25_weights", "pg_document", "pg_words"]
