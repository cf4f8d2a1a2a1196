"""What differs between PostgreSQL and SQLite: matching, ranking, snippets, suggestions.

Every function takes the database alias (a queryset's ``.db``) and picks the engine from the
connection's vendor; callers never ask which database they run on.
"""

# ruff: noqa: S608, S611 - table names come from the models; the reader's query is compiled by
# archive.search.query and passed only as a bound parameter.
from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, Expression, F, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL

from archive.bulk import int_array
from archive.search import schema
from archive.search.highlight import END, FRAGMENT, START
from archive.search.query import Query, to_fts5_match, to_tsquery_text

CONFIG = schema.CONFIG


def vendor(using: str) -> str:
    name = connections[using].vendor
    if name not in ("postgresql", "sqlite"):
        raise RuntimeError(f"The archive supports PostgreSQL and SQLite, not {name}.")
    return name


class _OwnTableCondition(Expression):
    """A WHERE condition on the queryset's own table, whatever alias the query gives it."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, table: str, match: str) -> None:
        super().__init__()
        self.table, self.match = table, match
        self.alias: str | None = None

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        clone = self.copy()
        clone.alias = query.get_initial_alias()
        return clone

    def relabeled_clone(self, change_map):
        clone = self.copy()
        clone.alias = change_map.get(self.alias, self.alias)
        return clone


class VectorMatches(_OwnTableCondition):
    """PostgreSQL: ``<alias>.search_vector @@ to_tsquery(…)``, served by the GIN index.

    (PostgreSQL has real booleans, so Django puts the condition in WHERE as it is. On SQLite it
    would append ``= true`` and hide the condition from the planner, hence ``pk__in`` there.)"""

    def as_sql(self, compiler, connection):
        column = f"{compiler.quote_name(self.alias)}.search_vector"
        return f"{column} @@ to_tsquery('{CONFIG}'::regconfig, %s)", [self.match]


class FtsRowMatches(_OwnTableCondition):
    """SQLite: ``EXISTS (SELECT 1 FROM <table>_fts WHERE … MATCH … AND rowid = <alias>.id)``.

    A per-row probe of the FTS5 index: the cheap test when the rows are walked in another order
    (newest by date) and most of them match, where ``id IN (every match)`` would first build the
    list of 900,000 matches of a common word (~0.5 s)."""

    def __init__(self, table: str, match: str) -> None:
        super().__init__(table, match)

    def as_sql(self, compiler, connection):
        fts = f"{self.table}_fts"
        column = f"{compiler.quote_name(self.alias)}.id"
        return f"EXISTS (SELECT 1 FROM {fts} WHERE {fts} MATCH %s AND {fts}.rowid = {column})", [self.match]


def filter_matches_walking(queryset: QuerySet, query: Query) -> QuerySet:
    """Like ``filter_matches``, for a walk in the queryset's own order that stops early (a page
    of a common word by date): SQLite probes each walked row instead of listing every match."""
    if not query.is_searchable or vendor(queryset.db) == "postgresql":
        return filter_matches(queryset, query)
    return queryset.filter(FtsRowMatches(queryset.model._meta.db_table, to_fts5_match(query)))


def filter_matches_in_runs(queryset: QuerySet, query: Query, limit: int) -> QuerySet:
    """SQLite: up to ``limit`` rows of ``queryset`` matching ``query``, the most recently added
    first, for a common word under selective filters (the rows the filters keep are few, the
    word's matches many).

    Testing each filtered row against the index costs a seek in the word's long match list
    (~70 µs a row, 0.6 s for 7,400 quotes). The filtered rows' ids come in runs instead (a take's
    quotes are stored one after another): the filtered ids are grouped into runs of consecutive
    ids and FTS5 reads each run as one rowid range — a seek per run rather than per row (56 ms for
    those 7,400 quotes in ~740 runs). Every id inside a run is a filtered row, so nothing outside
    the filters can slip in; scattered ids make one-row runs, which cost what a probe does.

    The runs are read highest first and the read stops at ``limit`` matches: a page needs the
    newest ``COUNT_CAP + 1``, not all 7,400 (whose dates alone cost ~15 ms to convert). The
    order comes from the materialised runs, the outer loop of the join; an ``ORDER BY`` on the
    join itself would let the planner put FTS5 outside and scan the whole index once per run.
    """
    if not query.is_searchable:
        return queryset.none()
    if vendor(queryset.db) == "postgresql":
        newest = filter_matches(queryset, query).order_by("-pk").values("pk")[:limit]
        return queryset.model._default_manager.using(queryset.db).filter(pk__in=newest)
    table = queryset.model._meta.db_table
    try:
        ids_sql, ids_params = queryset.order_by().values("pk").query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return queryset.none()
    runs = RawSQL(
        f"""
        WITH filtered(id) AS ({ids_sql}),
             numbered AS (SELECT id, id - ROW_NUMBER() OVER (ORDER BY id) AS run FROM filtered),
             runs AS (SELECT min(id) AS lo, max(id) AS hi FROM numbered GROUP BY run ORDER BY lo DESC)
        SELECT {table}_fts.rowid FROM runs, {table}_fts
        WHERE {table}_fts MATCH %s AND {table}_fts.rowid BETWEEN runs.lo AND runs.hi
        LIMIT %s
        """,
        (*ids_params, to_fts5_match(query), limit),
    )
    return queryset.model._default_manager.using(queryset.db).filter(pk__in=runs)


def newest_matches_sql(using: str, table: str, query: Query, limit: int) -> tuple[str, list] | None:
    """SQLite: SQL for the ``limit`` highest rowids matching ``query``, straight from the FTS5 index
    (rowid order costs nothing there: ~5 ms for 2,002 of 900,000 matches). ``None`` on PostgreSQL."""
    if vendor(using) != "sqlite" or not query.is_searchable:
        return None
    sql = f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH %s ORDER BY rowid DESC LIMIT %s"
    return sql, [to_fts5_match(query), limit]


def filter_matches(queryset: QuerySet, query: Query) -> QuerySet:
    """``queryset`` narrowed to rows whose document matches ``query`` (indexed on both engines).

    SQLite: ``id + 0 IN (SELECT rowid FROM <table>_fts WHERE … MATCH …)``. MATCH stays alone in
    its subquery, which FTS5 answers from its index; the caller's joins and filters run outside.
    The ``+ 0`` keeps SQLite's planner (which has no statistics unless ANALYZE was run) from using
    the match list as an index probe inside the join, a plan measured 10–40 times slower than
    testing each filtered row against the set of matches (docs/search.md, "Speed").
    """
    if not query.is_searchable:
        return queryset.none()
    table = queryset.model._meta.db_table
    if vendor(queryset.db) == "postgresql":
        return queryset.filter(VectorMatches(table, to_tsquery_text(query)))
    matching = RawSQL(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH %s", (to_fts5_match(query),))
    return queryset.alias(search_id=F("pk") + 0).filter(search_id__in=matching)


def score_expression(using: str, table: str, query: Query) -> RawSQL | None:
    """PostgreSQL: the relevance of a row of ``table`` (the same score as ``scores``), as an
    annotation for the query that finds the rows. ``None`` on SQLite, whose bm25 needs the MATCH
    of its own FTS5 table."""
    if vendor(using) != "postgresql" or not query.is_searchable:
        return None
    return RawSQL(
        f"ts_rank({table}.search_vector, to_tsquery('{CONFIG}'::regconfig, %s), 1)",
        (to_tsquery_text(query),),
        output_field=FloatField(),
    )


def scores(using: str, table: str, query: Query, ids: list[int]) -> dict[int, float]:
    """Relevance of each of ``ids`` (a bounded candidate set), higher is better. One query."""
    if not ids:
        return {}
    with connections[using].cursor() as cursor:
        if vendor(using) == "postgresql":
            cursor.execute(
                f"SELECT id, ts_rank(search_vector, to_tsquery('{CONFIG}'::regconfig, %s), 1) "
                f"FROM {table} WHERE id = ANY(%s::bigint[])",
                [to_tsquery_text(query), int_array(ids)],
            )
            return {pk: float(score) for pk, score in cursor.fetchall()}
        if len(schema.DOCUMENTS[table]) == 1 and len(query.required) == 1 and len(query.required[0]) == 1:
            ranked = _one_phrase_scores(cursor, table, query, ids)
            if ranked is not None:
                return ranked
        # One statement, so bm25's per-query statistics are computed once; the rowid range lets
        # FTS5 skip the rest of the index when the candidates are the newest matches.
        cursor.execute(
            f"SELECT rowid, -bm25({table}_fts, {schema.bm25_weights(table)}) FROM {table}_fts "
            f"WHERE {table}_fts MATCH %s AND rowid BETWEEN %s AND %s",
            [to_fts5_match(query), min(ids), max(ids)],
        )
        wanted = set(ids)
        return {pk: float(score) for pk, score in cursor.fetchall() if pk in wanted}


#: FTS5's bm25 constants (fts5_aux.c).
BM25_K1 = 1.2
BM25_B = 0.75


def varints(blob: bytes) -> list[int]:
    """The integers of an FTS5 record (SQLite's variable-length format: 7 bits a byte, high bit
    set while more follow, all 8 bits of a ninth byte)."""
    values, i = [], 0
    while i < len(blob):
        value = 0
        for n in range(9):
            byte = blob[i]
            i += 1
            if n == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        values.append(value)
    return values


def _one_phrase_scores(cursor, table: str, query: Query, ids: list[int]) -> dict[int, float] | None:
    """SQLite, a query of one phrase over a one-column index: bm25's order without bm25's cost.

    Before its first row, bm25 counts the rows holding each phrase of the query, reading the
    phrase's whole match list: 23 ms for a word in 900,000 quotes, whatever the candidates. With
    one phrase, that count only scales every score alike (its inverse document frequency), so
    the order is that of ``tf × (k1 + 1) / (tf + k1 × (1 − b + b × length / average length))``.
    ``tf`` is the phrase's marks in ``highlight()`` (two occurrences side by side count once,
    where bm25 counts two), the length the row's token count in the index's ``docsize`` table,
    the average from its averages record. ~5 ms for 1,000 candidates. ``None`` when the index's
    records cannot be read (then bm25 ranks).
    """
    fts = f"{table}_fts"
    cursor.execute(
        f"SELECT rowid, highlight({fts}, 0, %s, ''), (SELECT sz FROM {fts}_docsize WHERE id = {fts}.rowid), "
        f"(SELECT block FROM {fts}_data WHERE id = 1) "  # the averages record, on each row (7 bytes)
        f"FROM {fts} WHERE {fts} MATCH %s AND rowid BETWEEN %s AND %s",
        [START, to_fts5_match(query), min(ids), max(ids)],
    )
    rows = cursor.fetchall()
    if not rows:
        return {}
    averages = varints(rows[0][3] or b"")
    if len(averages) != 2 or not averages[0] or not averages[1]:
        return None
    average_length = averages[1] / averages[0]
    wanted = set(ids)
    scores = {}
    for pk, marked, size, _ in rows:
        if pk not in wanted:
            continue
        lengths = varints(size or b"")
        tf = (marked or "").count(START)
        length = lengths[0] if lengths else average_length
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / average_length)
        scores[pk] = tf * (BM25_K1 + 1) / (tf + norm) if tf else 0.0
    return scores


# --------------------------------------------------------------------------- snippets

SNIPPET_WORDS = 32


def _pg_headline(column: str, highlight_all: bool) -> str:
    if highlight_all:
        options = f"StartSel={START}, StopSel={END}, HighlightAll=true"
    else:
        options = (
            f"StartSel={START}, StopSel={END}, MaxWords={SNIPPET_WORDS}, MinWords=12, "
            f"MaxFragments=2, FragmentDelimiter={FRAGMENT}"
        )
    return f"ts_headline('{CONFIG}'::regconfig, {column}, q.query, '{options}')"


def snippets(using: str, table: str, query: Query, ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Marked-up text (sentinel characters, not HTML) of the shown rows only. One query.

    Takes get ``title``, ``summary`` and ``body``; quotes get ``text``.
    """
    ids = list(ids)
    if not ids or not query.is_searchable:
        return {}
    columns = ["title", "summary", "body"] if table == "archive_take" else ["text"]
    with connections[using].cursor() as cursor:
        if vendor(using) == "postgresql":
            selects = ", ".join(_pg_headline(f"t.{c}", highlight_all=(c == "title")) for c in columns)
            cursor.execute(
                f"SELECT t.id, {selects} FROM {table} t, "
                f"(SELECT to_tsquery('{CONFIG}'::regconfig, %s) AS query) q WHERE t.id = ANY(%s::bigint[])",
                [to_tsquery_text(query), int_array(ids)],
            )
        else:
            fts = f"{table}_fts"
            fts_columns = [c for c, _, _ in schema.DOCUMENTS[table]]
            selects = ", ".join(
                f"highlight({fts}, {fts_columns.index(c)}, '{START}', '{END}')"
                if c == "title"
                else f"snippet({fts}, {fts_columns.index(c)}, '{START}', '{END}', '{FRAGMENT}', {SNIPPET_WORDS})"
                for c in columns
            )
            placeholders = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f"SELECT rowid, {selects} FROM {fts} WHERE {fts} MATCH %s AND rowid IN ({placeholders})",
                [to_fts5_match(query), *ids],
            )
        return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in cursor.fetchall()}


# --------------------------------------------------------------------------- suggestions


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: each word lower-cased, padded with two spaces before and one after."""
    grams: set[str] = set()
    for word in re.findall(r"[^\W_]+", text.casefold()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


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


WORD_SIMILARITY = 0.4


def suggest_words(using: str, words: list[str]) -> dict[str, str]:
    """A close, indexed spelling for each word that is not in the index itself. One query."""
    words = [w for w in dict.fromkeys(words) if len(w) >= 3][:5]
    if not words:
        return {}
    with connections[using].cursor() as cursor:
        if vendor(using) == "postgresql":
            cursor.execute(
                """
                SELECT w.word,
                       EXISTS (SELECT 1 FROM archive_search_word s WHERE s.word = w.word),
                       (SELECT s.word FROM archive_search_word s
                         WHERE s.word %% w.word AND similarity(s.word, w.word) >= %s
                         ORDER BY similarity(s.word, w.word) DESC, s.word LIMIT 1)
                FROM unnest(%s::text[]) AS w(word)
                """,
                [WORD_SIMILARITY, words],
            )
            return {word: best for word, known, best in cursor.fetchall() if best and not known}
        # SQLite: the words of the unstemmed FTS5 index (fts5vocab), narrowed to those that begin
        # with the same letter and have about the same length, scored like pg_trgm's similarity().
        parts, params = [], []
        for word in words:
            first = word[0]
            parts.append(
                "SELECT %s, term FROM archive_search_words_vocab "
                "WHERE term >= %s AND term < %s AND length(term) BETWEEN %s AND %s"
            )
            params += [word, first, chr(ord(first) + 1), len(word) - 2, len(word) + 2]
        cursor.execute(" UNION ALL ".join(parts), params)
        candidates: dict[str, list[str]] = {}
        for word, term in cursor.fetchall():
            candidates.setdefault(word, []).append(term)
    suggestions = {}
    for word in words:
        terms = candidates.get(word, [])
        if word in terms:
            continue
        scored = sorted(((similarity(word, t), t) for t in terms), key=lambda st: (-st[0], st[1]))
        if scored and scored[0][0] >= WORD_SIMILARITY:
            suggestions[word] = scored[0][1]
    return suggestions


NAME_SIMILARITY = 0.45


#: PostgreSQL: how many of the closest names (per name wanted) are tested against the caller's conditions.
CLOSEST_FACTOR = 10


def similar_experts(queryset: QuerySet, text: str, limit: int = 5) -> list:
    """Experts whose name is close to ``text``: misspelt ("Larrison") or reordered ("Kim Soo")."""
    text = " ".join(re.findall(r"[^\W_]+", text))[:100]
    if len(text) < 3:
        return []
    if vendor(queryset.db) == "postgresql":
        score = "GREATEST(similarity(name, %s), word_similarity(%s, name), similarity(sort_name, %s))"
        # The closest names among all experts first (trigram indexes), then ``queryset``'s own
        # conditions on those few: a common name part ("Kim") is close to thousands of names, and
        # testing each against ``queryset`` (e.g. "appears in a published take") cost ~0.6 s.
        closest = (
            queryset.model._default_manager.using(queryset.db)
            .filter(RawSQL("(name %% %s OR %s <%% name OR sort_name %% %s)", (text, text, text), BooleanField()))
            .annotate(name_score=RawSQL(score, (text, text, text)))
            .filter(name_score__gte=NAME_SIMILARITY)
            .order_by("-name_score", "sort_name")
            .values("pk")[: limit * CLOSEST_FACTOR]
        )
        return list(
            queryset.filter(pk__in=closest)
            .annotate(name_score=RawSQL(score, (text, text, text)))
            .order_by("-name_score", "sort_name")[:limit]
        )
    # SQLite has no trigram operator; the expert list is short (people, not documents), so score
    # every name in Python with the same trigram measure. One query for the names.
    # Only names with a word starting like one of the query's words (a misspelling rarely gets
    # the first letter wrong): at 10,000 experts, scoring every name costs ~0.5 s.
    words = text.split()[:4]
    starts = Q()
    for word in words:
        for column in ("name", "sort_name"):
            starts |= Q(**{f"{column}__istartswith": word[0]}) | Q(**{f"{column}__icontains": f" {word[0]}"})
    scored = []
    for expert in queryset.filter(starts).only("id", "name", "slug", "sort_name"):
        score = max(name_similarity(text, expert.name), similarity(text, expert.sort_name))
        if score >= NAME_SIMILARITY:
            expert.name_score = score
            scored.append(expert)
    scored.sort(key=lambda e: (-e.name_score, e.sort_name))
    return scored[:limit]
