"""The reader's query language, parsed into a small tree and compiled for each engine.

Syntax (the same on PostgreSQL and SQLite; docs/search.md explains it to readers):

- ``nuclear deal``      every word must match (AND)
- ``"comeback kid"``    the words in this order (a phrase); an unclosed quote runs to the end
- ``-sanctions``        leave out results with this word; ``-"maximum pressure"`` leaves out a phrase
- ``talks OR summit``   either word; OR (in capitals) joins the terms on each side of it
- ``비핵화``              a Korean word also matches the words that begin with it (비핵화는, 비핵화를):
                        the stem with its particles

Everything else is text: ``AND``, ``NOT``, ``NEAR``, ``*``, ``(`` and other punctuation carry no
meaning. A word is a run of letters and digits (any script), so ``self-preservation`` and ``U.S.``
are phrases of their parts, exactly as both indexes split them. Nothing the reader types reaches
``to_tsquery`` or ``MATCH`` unquoted: the compilers below emit only quoted words and their own
operators.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from archive.db import search_text

#: The one cap on the length of a reader's query, on every page (/search/, /quotes/, /takes/?q=).
#: 300 characters: the parser keeps at most MAX_TERMS terms, so a longer query is nearly always
#: cut by it anyway; the take list repeats the query in every facet and chip link (~100 a page),
#: so the cap bounds the page; and the home page's and the take list's forms take 300 already.
#: (/search/ and /quotes/ read 1,000 before: a longer query is now cut here, and the page says so.)
#: Views read ``MAX_QUERY_CHARS + 1`` characters of ``q``, so the parser still knows the reader's
#: text was longer (``Query.shortened``) and the page can say so; the take list's form says it itself.
MAX_QUERY_CHARS = 300
MAX_TERMS = 16
MAX_PHRASE_WORDS = 12
MAX_WORD_CHARS = 100  # longer "words" cannot be real ones (and PostgreSQL refuses lexemes over 2 KB)

# PostgreSQL's English stop words (tsearch_data/english.stop). PostgreSQL leaves them out of its
# index; FTS5 keeps them, so the parser drops them from both engines' queries alike, except inside
# a phrase (see docs/search.md). tests/test_search_postgres.py checks this list against the database.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her
    hers herself it its itself they them their theirs themselves what which who whom this that these
    those am is are was were be been being have has had having do does did doing a an the and but if or
    because as until while of at by for with about against between into through during before after
    above below to from up down in out on off over under again further then once here there when where
    why how all any both each few more most other some such no nor not only own same so than too very s
    t can will just don should now
    """.split()  # noqa: SIM905 - kept as the stop-word file reads
)

# A possessive 's at the end of a word typed outside quotes: ``Kim's`` searches ``kim``. Both
# indexes hold "Kim's" as the words kim and s, so inside quotes it stays (``"Kim's view"``).
_POSSESSIVE = re.compile(r"(?<=[^\W_])['’ʼ][sS](?![^\W_])")
# Tokens of the query: a quoted phrase (the closing quote is optional), or a run of anything else.
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "＂": '"'})


def all_words_of(text: str) -> list[str]:
    """The words of ``text`` as both indexes see them: runs of letters and digits, folded
    (``archive.db.search_text``: NFKC, case, ø → o, ß → ss, accents removed), not stemmed."""
    return search_text.words(text)


def words_of(text: str) -> list[str]:
    """``all_words_of`` without the words too long to be real ones."""
    return [w for w in all_words_of(text) if len(w) <= MAX_WORD_CHARS]


@dataclass(frozen=True)
class Phrase:
    """One or more words that must appear together, in order."""

    words: tuple[str, ...]

    @property
    def is_stop(self) -> bool:
        return all(w in STOP_WORDS for w in self.words)

    def __str__(self) -> str:
        return self.words[0] if len(self.words) == 1 else '"' + " ".join(self.words) + '"'


@dataclass(frozen=True)
class Query:
    """All of ``required`` (each an OR of phrases) and none of ``excluded``.

    ``problem`` says why there is nothing to search for: ``"empty"`` (nothing typed, or only
    punctuation), ``"too-common"`` (only stop words) or ``"only-exclusions"`` (only -words).
    """

    text: str = ""
    required: tuple[tuple[Phrase, ...], ...] = ()
    excluded: tuple[Phrase, ...] = ()
    problem: str = ""
    shortened: bool = False
    #: What the parser cut from the reader's query, one sentence each for the page (``shortened``
    #: is true when there is any).
    cuts: tuple[str, ...] = ()
    ignored_stop_words: tuple[str, ...] = field(default=())

    @property
    def is_searchable(self) -> bool:
        return not self.problem and bool(self.required)

    @property
    def message(self) -> str:
        """A friendly sentence for the reader when the query cannot run, else ``""``."""
        return {
            "empty": "Nothing to search for: type a word, a name or a phrase in quotes.",
            "too-common": "Those words are too common to search for on their own: add a more specific word.",
            "only-exclusions": "Add a word to search for: words with a minus sign only leave results out.",
        }.get(self.problem, "")

    @property
    def plain_words(self) -> list[str]:
        """Single required words, for spelling suggestions."""
        return [p.words[0] for group in self.required for p in group if len(p.words) == 1]

    def __str__(self) -> str:
        parts = [" OR ".join(str(p) for p in group) for group in self.required]
        parts += [f"-{p}" for p in self.excluded]
        return " ".join(parts)

    def replace_word(self, old: str, new: str) -> Query:
        def swap(p: Phrase) -> Phrase:
            return Phrase(tuple(new if w == old else w for w in p.words))

        return Query(
            text=self.text,
            required=tuple(tuple(swap(p) for p in group) for group in self.required),
            excluded=self.excluded,
        )


def parse(text: str | Query | None) -> Query:
    """Parse what the reader typed. Never raises: any input gives a Query."""
    if isinstance(text, Query):
        return text
    raw = (text or "").strip()
    shortened = len(raw) > MAX_QUERY_CHARS
    source = unicodedata.normalize("NFKC", raw[:MAX_QUERY_CHARS]).translate(_QUOTES)

    cuts: list[str] = []
    if shortened:
        cuts.append(f"Your search was {len(raw):,} characters long: only the first {MAX_QUERY_CHARS} were used.")

    # 1. Tokens: (negated, phrase) terms and OR markers.
    items: list[object] = []
    too_long = cut_phrases = 0
    for match in _TOKEN.finditer(source):
        minus, quoted, bare = match.groups()
        if bare is not None:
            if bare == "OR":
                items.append("OR")
                continue
            negated = bare.startswith("-")
            found = all_words_of(_POSSESSIVE.sub("", bare[1:] if negated else bare))
        else:
            negated = bool(minus)
            found = all_words_of(quoted)
        words = [w for w in found if len(w) <= MAX_WORD_CHARS]
        too_long += len(found) - len(words)
        if len(words) > MAX_PHRASE_WORDS:
            cut_phrases += 1
        if words:
            items.append((negated, Phrase(tuple(words[:MAX_PHRASE_WORDS]))))
    if too_long:
        cuts.append(f"Words longer than {MAX_WORD_CHARS} letters were left out ({too_long}).")
    if cut_phrases:
        cuts.append(
            f"A phrase can hold {MAX_PHRASE_WORDS} words: longer ones were cut to their first {MAX_PHRASE_WORDS}."
        )

    # 2. Groups: OR joins the positive terms on each side; a stray OR is ignored.
    groups: list[list[Phrase]] = []
    excluded: list[Phrase] = []
    join_next = False
    previous_positive = False
    for item in items:
        if item == "OR":
            join_next = previous_positive
            continue
        negated, phrase = item
        if negated:
            excluded.append(phrase)
            previous_positive = join_next = False
            continue
        if join_next and groups:
            groups[-1].append(phrase)
        else:
            groups.append([phrase])
        previous_positive, join_next = True, False

    if len(groups) + len(excluded) > MAX_TERMS:
        cuts.append(f"Only the first {MAX_TERMS} words or phrases were used.")
        groups = groups[:MAX_TERMS]
        excluded = excluded[: max(0, MAX_TERMS - len(groups))]

    # 3. Stop words: dropped alike on both engines, as PostgreSQL does ("the OR war" means "war").
    ignored = {p.words[0] for g in groups for p in g if p.is_stop} | {p.words[0] for p in excluded if p.is_stop}
    required = tuple(
        dict.fromkeys(g for g in (tuple(dict.fromkeys(p for p in grp if not p.is_stop)) for grp in groups) if g)
    )
    excluded_kept = tuple(dict.fromkeys(p for p in excluded if not p.is_stop))

    problem = ""
    if not required:
        problem = "too-common" if groups else "only-exclusions" if excluded else "empty"
    return Query(
        text=raw[:MAX_QUERY_CHARS],
        required=required,
        excluded=excluded_kept if required else (),
        problem=problem,
        shortened=bool(cuts),
        cuts=tuple(cuts),
        ignored_stop_words=tuple(sorted(ignored)),
    )


# --------------------------------------------------------------------------- compilers

# Hangul (syllables, jamo, compatibility jamo). A Korean word carries its particles and endings
# attached (비핵화는, 비핵화를, 비핵화의): the reader types the stem, so a word with Hangul in it
# matches the indexed words that begin with it, on both engines (``'비핵화':*`` / ``"비핵화"*``).
# Words in other scripts match whole (stemmed) words as before, so English searches are unchanged.
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def matches_as_prefix(word: str) -> bool:
    """Whether ``word`` (a parsed word) matches the indexed words that begin with it: Korean words."""
    return _HANGUL.search(word) is not None


def _pg_word(word: str) -> str:
    return f"'{word}':*" if matches_as_prefix(word) else f"'{word}'"


def _pg_phrase(phrase: Phrase) -> str:
    return "(" + " <-> ".join(_pg_word(w) for w in phrase.words) + ")"


def to_tsquery_text(query: Query) -> str:
    """The text for PostgreSQL ``to_tsquery(config, …)``: every word single-quoted.

    Words hold only letters and digits, so no quote or backslash can reach the tsquery parser.
    """
    parts = ["(" + " | ".join(_pg_phrase(p) for p in group) + ")" for group in query.required]
    parts += [f"!{_pg_phrase(p)}" for p in query.excluded]
    return " & ".join(parts)


def _fts5_phrase(phrase: Phrase) -> str:
    # The SQLite index holds stemmed words (search_text.sqlite_text); PostgreSQL stems in to_tsquery.
    return " + ".join(
        f'"{search_text.stem(w)}"*' if matches_as_prefix(w) else f'"{search_text.stem(w)}"' for w in phrase.words
    )


def to_fts5_match(query: Query) -> str:
    """The text for SQLite FTS5 ``MATCH``: every word double-quoted, operators our own."""
    positive = " AND ".join("(" + " OR ".join(_fts5_phrase(p) for p in group) + ")" for group in query.required)
    negative = "".join(f" NOT ({_fts5_phrase(p)})" for p in query.excluded)
    return f"({positive}){negative}"
