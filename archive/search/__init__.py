"""Full-text search of takes and quotes on PostgreSQL (tsvector + GIN) and SQLite (FTS5).

The rest of the code does not care which database it runs on:

- ``Take.objects.search(q)`` / ``Quote.objects.search(q)``: rows matching the reader's query.
- ``Take.objects.published().by_relevance(q)``: the same, best first (a bounded candidate set),
  ranked by ``ranked_ids`` as /search/ ranks.
- ``search_page(queryset, q, sort=…, page=…, prepare=…)``: one page of results with snippets and
  a capped count, in a constant number of queries (what /search/ and /quotes/ use).
- ``parse(q)``: the query tree; ``parse(q).message`` says why a query cannot run.

Each database's SQL is in ``backends/`` (``backends.backend(using)`` gives the engine of a
database alias); nothing else here asks which database it runs on. See docs/search.md for the
syntax, the indexes and how the two engines differ.
"""

from archive.search.query import Query, parse
from archive.search.results import COUNT_CAP, SearchPage, attach_snippets, capped_count, ranked_ids, search_page

__all__ = [
    "COUNT_CAP",
    "Query",
    "SearchPage",
    "attach_snippets",
    "capped_count",
    "parse",
    "ranked_ids",
    "search_page",
]
