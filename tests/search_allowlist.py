"""The queries whose results may differ, and why (tests/test_search_differential.py).

``CROSS_DATABASE``: queries that find different takes or quotes on SQLite and on PostgreSQL.
``WEBSEARCH``: queries of the parts of the syntax docs/search.md calls the same as PostgreSQL's
``websearch_to_tsquery`` where the archive's PostgreSQL results still differ from it.
``WEBSEARCH_DELIBERATE``: the parts of the syntax the archive reads differently on purpose; their
queries are not compared with ``websearch_to_tsquery``.

Each entry is listed in docs/search.md, "Where the two engines still differ" (the test checks it).
A query that stops differing must leave the list: the test fails on a stale entry too.
"""

CROSS_DATABASE: dict[str, str] = {}

WEBSEARCH: dict[str, str] = {}

WEBSEARCH_DELIBERATE: dict[str, str] = {
    "or": "OR joins only the terms on each side of it, and a stray OR or an OR next to an exclusion is "
    "ignored; websearch_to_tsquery reads `-kim OR hanoi` as `!kim | hanoi`",
    "phrase with stop words": "in a phrase every word counts, stop words too; websearch_to_tsquery('english') "
    'drops them and keeps their places, so `"state in a union"` would find *state of the union*',
    "hyphen": "a hyphenated word is a phrase of its parts, as both indexes store it; "
    "websearch_to_tsquery also looks for the whole hyphenated word, which the index does not hold",
    "abbreviation": "`U.S.` is read as the index stores it; websearch_to_tsquery keeps `u.s` as one token",
    "punctuation": "punctuation separates words and carries no meaning; websearch_to_tsquery gives `-`, `or` "
    "and quotes inside words meanings of their own",
    "script": "a Korean word matches the words that begin with it (its particles); websearch_to_tsquery "
    "matches whole words",
    "number with punctuation": "punctuation inside a number separates words, as the index stores them; "
    "websearch_to_tsquery keeps `1.5` and `24/7` as single tokens",
    "only exclusions": "a query of nothing but exclusions (once stop words are left out) asks the reader for a "
    "word; websearch_to_tsquery returns every row without them",
    "truncation": "the archive cuts a query at 300 characters, 16 terms, 12 words a phrase and 100 letters "
    "a word, and says so; websearch_to_tsquery reads it all",
}
