"""The one normalisation of searched text, for the stored text and the query, on both databases.

What is indexed is the text after, in this order:

1. Unicode NFKC (ligatures ``ﬁ`` → ``fi``, full-width ``ＫＩＭ`` → ``KIM``, composed accents);
2. lower case (``lower()``), then ``FOLD``: letters that are not an accented form of another
   (``ø`` → ``o``, ``ł`` → ``l``, ``æ`` → ``ae``, ``đ`` → ``d``, ``ß`` → ``ss``, ``œ`` → ``oe``,
   ``þ`` → ``th``, final ``ς`` → ``σ``, …);
3. accents removed: canonical decomposition (NFD), the combining marks of ``MARKS`` dropped, then
   NFC again (so ``nai`` + U+0308 + ``ve`` is ``naive``, and Hangul syllables are whole again);
4. words: runs of letters and digits (``WORD``: what SQLite's ``unicode61`` tokenizer reads as one
   token), each then stemmed with Snowball English, PostgreSQL's stemmer (PyStemmer here,
   ``english_stem``'s algorithm there), except words with a digit, which PostgreSQL files as
   numbers and does not stem. Stop words stay in the index on both databases.

``FOLD`` and ``MARKS`` are defined once here; ``pg_normalise_sql`` writes the PostgreSQL function
from them and ``sqlite_text`` is the function SQLite's index triggers call (registered on every
connection by ``register``), so the two databases cannot drift apart.
tests/test_search_normalise.py checks that each database's normaliser agrees with ``words``.

What differs on purpose: PostgreSQL normalises a whole column, SQLite (and the query) word by word,
so a character that NFKC turns into several words (``½`` → ``1⁄2``) is two words on PostgreSQL and
one (``12``) on SQLite. docs/search.md lists it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

#: Letters that are not an accented form of another letter (no decomposition removes their
#: stroke, ligature or shape), after lower-casing: what each is indexed as.
FOLD = {
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "ħ": "h",
    "ı": "i",
    "ŧ": "t",
    "ŋ": "n",
    "ƒ": "f",
    "ς": "σ",
    "æ": "ae",
    "œ": "oe",
    "ß": "ss",
    "þ": "th",
}

#: Combining accents removed after NFD (the Combining Diacritical Marks blocks). Marks of other
#: scripts (Devanagari vowel signs, …) are letters of their words and stay.
MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"

#: A word: a run of letters and digits in any script, with the combining accents SQLite's
#: ``unicode61 remove_diacritics 2`` tokenizer keeps inside a token, and private-use characters
#: (which it also counts as letters). Read on the original text, it gives the same words as the
#: SQLite index's tokenizer does, so ``highlight()`` marks the original words.
WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f\ue000-\uf8ff])+")
_MARK = re.compile(f"[{MARKS}]")
_FOLD = str.maketrans(FOLD)
_DIGIT = re.compile(r"\d")

_stemmer = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Steps 1–3 on any text: what both databases index, before it is split into words."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    return unicodedata.normalize("NFC", _MARK.sub("", unicodedata.normalize("NFD", text)))


#: Entries of each of the two word caches below. Common words stay in them (each use moves a word to
#: the front); a rare token (a number, a name) takes one entry of each until it is pushed out, ~0.1 kB
#: each: at 100,000 entries each they held ~20 MB once an import had written 100,000 takes
#: (docs/performance.md, "Import in bounded memory, fourth round").
WORD_CACHE = 20_000


@lru_cache(maxsize=WORD_CACHE)
def word(token: str) -> str:
    """One token of the original text as it is searched (unstemmed): one word, possibly empty.
    A token that folding splits (``½`` → ``1⁄2``) is joined into one (``12``)."""
    return "".join(WORD.findall(fold(token)))


@lru_cache(maxsize=WORD_CACHE)
def stem(folded: str) -> str:
    """Snowball English of a folded word, as PostgreSQL's ``english_stem``; words with a digit
    are filed as numbers by PostgreSQL's parser and not stemmed."""
    if _DIGIT.search(folded):
        return folded
    return _stemmer.stemWord(folded)


def words(text: str) -> list[str]:
    """The folded (unstemmed) words of ``text``, one for each token the SQLite index reads."""
    return [w for w in (word(token) for token in WORD.findall(text)) if w]


def sqlite_text(text: str | None) -> str | None:
    """What SQLite's FTS5 index holds for ``text``: its stemmed words, space-separated, one per
    token of the original (so positions, and ``highlight()``'s marks, are those of the original)."""
    if text is None:
        return None
    return " ".join(stem(w) for w in words(text))


# --------------------------------------------------------------------------- the databases

SQLITE_FUNCTION = "archive_search_text"
PG_FUNCTION = "archive_search_fold"


def register(sender=None, connection=None, **kwargs) -> None:
    """``connection_created``: give every SQLite connection the index's function (deterministic,
    so SQLite may use it in triggers and indexes). A connection without it cannot write to the
    searched tables at all: the triggers call it."""
    if connection is not None and connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, sqlite_text, deterministic=True)


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def pg_normalise_sql() -> str:
    """``CREATE FUNCTION archive_search_fold(text)``: steps 1–3 in SQL, IMMUTABLE so a generated
    column can call it, written from ``FOLD`` and ``MARKS``."""
    single = {k: v for k, v in FOLD.items() if len(v) == 1}
    body = "lower(normalize($1, NFKC))"
    body = f"translate({body}, {_sql_literal(''.join(single))}, {_sql_literal(''.join(single.values()))})"
    for letter, replacement in FOLD.items():
        if len(replacement) != 1:
            body = f"replace({body}, {_sql_literal(letter)}, {_sql_literal(replacement)})"
    body = f"normalize(regexp_replace(normalize({body}, NFD), E'[{MARKS}]', '', 'g'), NFC)"
    return (
        f"CREATE OR REPLACE FUNCTION {PG_FUNCTION}(text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT {body} $$"
    )
