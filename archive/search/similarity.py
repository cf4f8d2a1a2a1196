"""pg_trgm's trigram similarity in Python, the same on both databases.

PostgreSQL computes it in the database (``similarity()``, ``word_similarity()``); SQLite has no
trigram operator, so its backend scores candidates here. Both suggest alike with these thresholds.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: A respelt word is offered at this similarity or above (pg_trgm's ``similarity()``).
WORD_SIMILARITY = 0.4
#: An expert's name is offered at this similarity or above.
NAME_SIMILARITY = 0.45


@lru_cache(maxsize=8192)
def trigrams(text: str) -> frozenset[str]:
    """pg_trgm's trigrams: each word lower-cased, padded with two spaces before and one after.
    Kept for the process: scoring a query against 900 names asked for the same few words'
    trigrams 25,000 times (0.43 s of a search's 0.84 s on SQLite)."""
    grams: set[str] = set()
    for word in re.findall(r"[^\W_]+", text.casefold()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity()``: shared trigrams over all trigrams."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def name_similarity(query: str, name: str) -> float:
    """How well ``query`` names ``name``, in any word order: each query word is scored against the
    closest word of the name and the weakest word counts, so "Kim Soo" names Soo Kim but
    "Kim nuclear" names nobody."""
    words, name_words = query.split(), name.split()
    if not words or not name_words:
        return 0.0
    per_word = min(max(similarity(w, n) for n in name_words) for w in words)
    return max(similarity(query, name), per_word)


def name_text(text: str) -> str:
    """What of ``text`` is compared with names: its words, at most 100 characters."""
    return " ".join(re.findall(r"[^\W_]+", text))[:100]
