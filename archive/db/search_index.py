"""The full-text indexes, kept by the database itself so that no write can leave them stale.

PostgreSQL
    A stored generated ``search_vector`` column on ``archive_take`` and ``archive_quote`` with a GIN
    index: each column folded by ``archive_search_fold()`` (written from ``search_text``), parsed
    with ``archive_english`` (Snowball English without stop words, so every word is indexed), the
    columns joined with a one-position gap so no phrase spans two of them.
    Before parsing, punctuation becomes a space, so PostgreSQL splits words exactly as FTS5 and the
    query parser do (``self-preservation`` → ``self preservation``, ``U.S.`` → ``u s``).
    Spelling suggestions come from ``archive_search_word`` (every word ever indexed, lower-cased),
    filled by triggers, with a trigram index; expert names get a trigram index too.

SQLite
    External-content FTS5 tables ``archive_take_fts`` and ``archive_quote_fts`` (tokenizer
    ``unicode61 remove_diacritics 2``), kept in step by triggers that index each column's folded,
    stemmed words (``archive_search_text()``, ``search_text.sqlite_text``), and a contentless
    ``archive_search_words`` table (no stemming, ``detail=none``) whose ``fts5vocab`` view lists
    the words for spelling suggestions.

``install()`` is idempotent. Migration 0004 calls it, and so does every ``migrate`` (post_migrate,
through the registry in archive/db/__init__.py): SQLite drops a table's triggers when Django
rebuilds the table to alter it; when any trigger or table was missing, ``install()`` re-creates it
and rebuilds the FTS content, because writes made while the triggers were gone were not indexed.

On PostgreSQL a generated column forbids ``ALTER COLUMN … TYPE`` of the columns it reads (title,
standfirst, summary, body, text): such a migration must call ``uninstall_postgres_columns()`` first
and ``install()`` after (docs/search.md).
"""

# ruff: noqa: S608 - SQL here is built from the fixed table and column names in DOCUMENTS, never from input.
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

from archive.db import search_text, stances

CONFIG = "archive_english"
#: Snowball English without stop words (PostgreSQL's ``english_stem`` drops them).
STEM_DICTIONARY = "archive_english_stem"

# Characters that separate words before PostgreSQL's parser sees the text: ASCII punctuation, Latin-1
# symbols, general punctuation, arrows and symbols, CJK and full-width punctuation. Written out so the
# result does not depend on the database's locale.
PG_SEPARATORS = (
    r"[[:punct:][:space:]\u00a0-\u00bf\u00d7\u00f7\u2000-\u206f\u2190-\u2bff\u3000-\u303f"
    r"\ufe30-\ufe4f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+"
)

# Columns of each searchable table, with their PostgreSQL weight (A ranks highest) and FTS5 bm25
# weight. Titles, summaries and quotes rank above full text.
DOCUMENTS = {
    "archive_take": [("title", "A", 10.0), ("standfirst", "B", 4.0), ("summary", "A", 10.0), ("body", "D", 1.0)],
    "archive_quote": [("text", "A", 10.0)],
}


def pg_words(sql: str) -> str:
    """SQL for ``sql`` with punctuation turned into spaces (the text the PostgreSQL parser sees)."""
    return f"regexp_replace(coalesce({sql}, ''), E'{PG_SEPARATORS}', ' ', 'g')"


def pg_lexemes(sql: str) -> str:
    """A FROM item: the lower-cased words of ``sql``, one row (column ``lexeme``) each, for the
    spelling-suggestion word list. Split on the same separators as ``pg_words``; about four times
    cheaper than ``to_tsvector('simple', …)``, which also classifies and de-duplicates tokens."""
    return f"regexp_split_to_table(lower(coalesce({sql}, '')), E'{PG_SEPARATORS}') AS lexeme"


#: A lexeme between two columns' vectors, deleted once they are joined: it leaves a gap of one
#: position, so no phrase can match across two columns (a summary's last word and the body's first).
#: No query can hold it (query words are letters and digits).
PG_FIELD_GAP = "|"


def pg_document(table: str, alias: str = "") -> str:
    """The weighted tsvector of one row of ``table``: the one definition of the search document.

    Each column is folded (``archive.db.search_text``: NFKC, case, letters like ø and ß, accents)
    by the database's own function, then parsed and stemmed; the columns' vectors are joined with
    a gap of one position between them."""
    prefix = f"{alias}." if alias else ""
    gap = f" || '{PG_FIELD_GAP}:1'::tsvector || "
    joined = gap.join(
        f"setweight(to_tsvector('{CONFIG}'::regconfig, "
        f"{pg_words(f'{search_text.PG_FUNCTION}({prefix}{column})')}), '{weight}')"
        for column, weight, _ in DOCUMENTS[table]
    )
    if len(DOCUMENTS[table]) == 1:
        return joined
    return f"ts_delete({joined}, '{PG_FIELD_GAP}'::text)"


def bm25_weights(table: str) -> str:
    return ", ".join(str(weight) for _, _, weight in DOCUMENTS[table])


# --------------------------------------------------------------------------- PostgreSQL

_PG_WORD_COLLECTORS = {"archive_take": "archive_take_words", "archive_quote": "archive_quote_words"}


#: The GIN indexes a bulk load grows most slowly row by row: ``bulk_load()`` drops them for the load
#: and builds them again from the whole table after it (~8 times faster for 1,000,000 quotes).
_PG_GIN_INDEXES = {
    **{
        f"{table}_search_idx": f"CREATE INDEX IF NOT EXISTS {table}_search_idx ON {table} USING gin (search_vector)"
        for table in _PG_WORD_COLLECTORS
    },
    "archive_search_word_trgm": "CREATE INDEX IF NOT EXISTS archive_search_word_trgm "
    "ON archive_search_word USING gin (word gin_trgm_ops)",
}
#: Memory for the set-wise work after a bulk load (PostgreSQL's defaults: 64 MB and 4 MB).
PG_BULK_MEMORY = "256MB"


def _postgres_install_sql() -> list[str]:
    statements = [
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{CONFIG}') THEN
                CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = english);
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = '{STEM_DICTIONARY}') THEN
                -- english_stem without its stop-word list: every word is indexed, as FTS5 does
                CREATE TEXT SEARCH DICTIONARY {STEM_DICTIONARY} (TEMPLATE = snowball, Language = english);
            END IF;
        END $$
        """,
        # The text is folded before parsing (search_text); unaccent stays for ts_headline, which
        # parses the original text.
        f"ALTER TEXT SEARCH CONFIGURATION {CONFIG} ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, "
        f"hword, hword_part, word WITH unaccent, {STEM_DICTIONARY}",
        search_text.pg_normalise_sql(),
        "CREATE TABLE IF NOT EXISTS archive_search_word (word text PRIMARY KEY)",
        _PG_GIN_INDEXES["archive_search_word_trgm"],
        "CREATE INDEX IF NOT EXISTS archive_expert_name_trgm ON archive_expert USING gin (name gin_trgm_ops)",
        # Name suggestions test the name *or* the sort name ("Kim Soo" for "Soo Kim"): without an
        # index on each, the OR is a scan of every expert (~95 ms at 10,000), with both a BitmapOr.
        "CREATE INDEX IF NOT EXISTS archive_expert_sort_name_trgm ON archive_expert USING gin (sort_name gin_trgm_ops)",
    ]
    for table, function in _PG_WORD_COLLECTORS.items():
        columns = [column for column, _, _ in DOCUMENTS[table]]
        text = " || ' ' || ".join(f"coalesce(NEW.{column}, '')" for column in columns)
        inserted = " || ' ' || ".join(f"coalesce(new_rows.{column}, '')" for column in columns)
        statements += [
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_vector tsvector "
            f"GENERATED ALWAYS AS ({pg_document(table)}) STORED",
            _PG_GIN_INDEXES[f"{table}_search_idx"],
            # Updates, row by row (PostgreSQL allows no transition table on UPDATE OF columns).
            f"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO archive_search_word (word)
                SELECT DISTINCT lexeme FROM {pg_lexemes(text)}
                WHERE length(lexeme) BETWEEN 3 AND 40 AND lexeme !~ '^[0-9]+$'
                ON CONFLICT DO NOTHING;
                RETURN NULL;
            END $$
            """,
            f"DROP TRIGGER IF EXISTS {function} ON {table}",
            f"CREATE TRIGGER {function} AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            # Inserts, once per statement over all its new rows (a transition table): a multi-row
            # insert of 50,000 quotes collects its words in one DISTINCT, not 50,000 (~97 µs a row).
            f"""
            CREATE OR REPLACE FUNCTION {function}_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO archive_search_word (word)
                SELECT DISTINCT lexeme FROM new_rows, {pg_lexemes(inserted)}
                WHERE length(lexeme) BETWEEN 3 AND 40 AND lexeme !~ '^[0-9]+$'
                ON CONFLICT DO NOTHING;
                RETURN NULL;
            END $$
            """,
            f"DROP TRIGGER IF EXISTS {function}_inserted ON {table}",
            f"CREATE TRIGGER {function}_inserted AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}_inserted()",
        ]
    return statements


def _postgres_backfill_words_sql() -> list[str]:
    statements = []
    for table in _PG_WORD_COLLECTORS:
        text = " || ' ' || ".join(f"coalesce({column}, '')" for column, _, _ in DOCUMENTS[table])
        statements.append(
            f"""
            INSERT INTO archive_search_word (word)
            SELECT DISTINCT lexeme FROM {table}, {pg_lexemes(text)}
            WHERE length(lexeme) BETWEEN 3 AND 40 AND lexeme !~ '^[0-9]+$'
            ON CONFLICT DO NOTHING
            """
        )
    return statements


def uninstall_postgres_columns(connection: BaseDatabaseWrapper) -> None:
    """Drop the generated columns (and their indexes), e.g. before altering a column they read."""
    with connection.cursor() as cursor:
        for table in DOCUMENTS:
            cursor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")


# --------------------------------------------------------------------------- SQLite

#: No stemmer here: the triggers give FTS5 the folded, stemmed words (``search_text.sqlite_text``),
#: one per token of the original, and ``highlight()``/``snippet()`` tokenize the original text
#: (the content table) with the same tokenizer, so the marks fall on the original words.
SQLITE_TOKENIZER = "unicode61 remove_diacritics 2"


def _sqlite_indexed(sql: str) -> str:
    return f"{search_text.SQLITE_FUNCTION}({sql})"


def _sqlite_tables() -> dict[str, str]:
    tables = {}
    for table, columns in DOCUMENTS.items():
        names = ", ".join(column for column, _, _ in columns)
        tables[f"{table}_fts"] = (
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {table}_fts USING fts5({names}, content='{table}', "
            f"content_rowid='id', tokenize='{SQLITE_TOKENIZER}')"
        )
    tables["archive_search_words"] = (
        "CREATE VIRTUAL TABLE IF NOT EXISTS archive_search_words USING fts5(words, content='', detail='none', "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    tables["archive_search_words_vocab"] = (
        "CREATE VIRTUAL TABLE IF NOT EXISTS archive_search_words_vocab USING fts5vocab(archive_search_words, 'row')"
    )
    return tables


def _sqlite_words_rowid(table: str, row: str) -> str:
    # One contentless table holds the words of both tables: quotes at even rowids, takes at odd.
    return f"{row}.id * 2" if table == "archive_quote" else f"{row}.id * 2 + 1"


def _sqlite_words_text(table: str, row: str) -> str:
    return " || ' ' || ".join(f"coalesce({row}.{column}, '')" for column, _, _ in DOCUMENTS[table])


def _sqlite_triggers() -> dict[str, str]:
    triggers = {}
    for table, columns in DOCUMENTS.items():
        fts = f"{table}_fts"
        names = [column for column, _, _ in columns]
        cols = ", ".join(names)
        new = ", ".join(_sqlite_indexed(f"new.{c}") for c in names)
        old = ", ".join(_sqlite_indexed(f"old.{c}") for c in names)
        insert = (
            f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); "
            f"INSERT INTO archive_search_words(rowid, words) "
            f"VALUES ({_sqlite_words_rowid(table, 'new')}, {_sqlite_words_text(table, 'new')});"
        )
        delete = (
            f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO archive_search_words(archive_search_words, rowid, words) "
            f"VALUES ('delete', {_sqlite_words_rowid(table, 'old')}, {_sqlite_words_text(table, 'old')});"
        )
        triggers[f"{table}_search_ai"] = (
            f"CREATE TRIGGER IF NOT EXISTS {table}_search_ai AFTER INSERT ON {table} BEGIN {insert} END"
        )
        triggers[f"{table}_search_ad"] = (
            f"CREATE TRIGGER IF NOT EXISTS {table}_search_ad AFTER DELETE ON {table} BEGIN {delete} END"
        )
        triggers[f"{table}_search_au"] = (
            f"CREATE TRIGGER IF NOT EXISTS {table}_search_au AFTER UPDATE OF id, {cols} ON {table} "
            f"BEGIN {delete} {insert} END"
        )
    return triggers


def sqlite_rebuild(connection: BaseDatabaseWrapper) -> None:
    """Re-index every row from the tables themselves (after writes the triggers may have missed)."""
    with connection.cursor() as cursor:
        for table, columns in DOCUMENTS.items():
            # Not FTS5's 'rebuild', which would index the content table's original text.
            names = [column for column, _, _ in columns]
            cursor.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('delete-all')")
            cursor.execute(
                f"INSERT INTO {table}_fts(rowid, {', '.join(names)}) "
                f"SELECT id, {', '.join(_sqlite_indexed(c) for c in names)} FROM {table}"
            )
        cursor.execute("INSERT INTO archive_search_words(archive_search_words) VALUES ('delete-all')")
        for table in DOCUMENTS:
            cursor.execute(
                f"INSERT INTO archive_search_words(rowid, words) "
                f"SELECT {_sqlite_words_rowid(table, table)}, {_sqlite_words_text(table, table)} FROM {table}"
            )
    optimize(connection)  # a rebuild leaves each index in as many segments as a bulk load does


def optimize(connection: BaseDatabaseWrapper) -> None:
    """SQLite: merge each FTS5 index into one segment (no-op on PostgreSQL, whose GIN indexes are
    built whole after a bulk load).

    A bulk load leaves each index in several segments (nine for 1,000,000 quotes), and every
    search then seeks in each of them. That is what a common word under selective filters pays
    once per run of ids: ~780 runs cost 50 ms over nine segments, 27 ms over one. Merging takes
    ~5 s at 1,000,000 quotes, so it runs after bulk loads only; ordinary writes leave a few small
    segments, which FTS5's automerge keeps in check.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in DOCUMENTS:
            cursor.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('optimize')")


def _sqlite_missing(connection: BaseDatabaseWrapper) -> set[str]:
    wanted = set(_sqlite_tables()) | set(_sqlite_triggers())
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
    return wanted - present


# --------------------------------------------------------------------------- both


def install(connection: BaseDatabaseWrapper) -> bool:
    """Create whatever part of the search index is missing. Returns True when it rebuilt content."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass('archive_search_word') IS NULL")
            fresh = cursor.fetchone()[0]
            for sql in _postgres_install_sql():
                cursor.execute(sql)
            if fresh:
                for sql in _postgres_backfill_words_sql():
                    cursor.execute(sql)
        return bool(fresh)
    if connection.vendor == "sqlite":
        missing = _sqlite_missing(connection)
        if not missing:
            return False
        with connection.cursor() as cursor:
            for sql in _sqlite_tables().values():
                cursor.execute(sql)
            for sql in _sqlite_triggers().values():
                cursor.execute(sql)
        sqlite_rebuild(connection)
        return True
    raise RuntimeError(f"The archive supports PostgreSQL and SQLite, not {connection.vendor}.")


def uninstall_sqlite_triggers(connection: BaseDatabaseWrapper) -> None:
    """Drop the SQLite search triggers only (before table rebuilds); ``install`` re-creates and re-indexes."""
    with connection.cursor() as cursor:
        for name in _sqlite_triggers():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def uninstall(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table, function in _PG_WORD_COLLECTORS.items():
                for name in (function, f"{function}_inserted"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                    cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
            uninstall_postgres_columns(connection)
            cursor.execute("DROP INDEX IF EXISTS archive_expert_name_trgm")
            cursor.execute("DROP INDEX IF EXISTS archive_expert_sort_name_trgm")
            cursor.execute("DROP TABLE IF EXISTS archive_search_word")
            cursor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}")
            cursor.execute(f"DROP TEXT SEARCH DICTIONARY IF EXISTS {STEM_DICTIONARY}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {search_text.PG_FUNCTION}(text)")
        else:
            for name in _sqlite_triggers():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            for name in reversed(list(_sqlite_tables())):
                cursor.execute(f"DROP TABLE IF EXISTS {name}")


# --------------------------------------------------------------------------- bulk loads


def _max_ids(cursor) -> dict[str, int]:
    ids = {}
    for table in DOCUMENTS:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        ids[table] = cursor.fetchone()[0]
    return ids


def _check_deferred(cursor) -> None:
    """PostgreSQL: run the foreign-key checks deferred to commit now (earlier writes of the same
    transaction, e.g. a deletion), or ALTER TABLE refuses to run with "pending trigger events"."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _postgres_index_new_rows(cursor, before: dict[str, int]) -> None:
    """After a bulk load: the new rows' words into the word list, the GIN indexes built whole."""
    _check_deferred(cursor)
    # The word list's DISTINCT and the index builds, in memory rather than spilled to disk.
    cursor.execute(f"SET LOCAL maintenance_work_mem = '{PG_BULK_MEMORY}'")
    cursor.execute(f"SET LOCAL work_mem = '{PG_BULK_MEMORY}'")
    # The new rows' words, collected by a parallel plan (CREATE TABLE AS may use one; INSERT
    # … SELECT may not): half the time on two cores. Ids are integers read before the load.
    selects = []
    for table in _PG_WORD_COLLECTORS:
        text = " || ' ' || ".join(f"coalesce({column}, '')" for column, _, _ in DOCUMENTS[table])
        selects.append(f"SELECT lexeme FROM {table}, {pg_lexemes(text)} WHERE {table}.id > {int(before[table])}")
    cursor.execute(
        "CREATE TEMPORARY TABLE archive_bulk_words ON COMMIT DROP AS SELECT DISTINCT lexeme AS word "
        f"FROM ({' UNION ALL '.join(selects)}) AS words "
        "WHERE length(lexeme) BETWEEN 3 AND 40 AND lexeme !~ '^[0-9]+$'"
    )
    cursor.execute(
        "INSERT INTO archive_search_word (word) SELECT word FROM archive_bulk_words ORDER BY word "
        "ON CONFLICT DO NOTHING"
    )
    cursor.execute("DROP TABLE archive_bulk_words")
    for table, function in _PG_WORD_COLLECTORS.items():
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {function}_inserted")
    for sql in _PG_GIN_INDEXES.values():
        cursor.execute(sql)


def _sqlite_index_new_rows(cursor, before: dict[str, int]) -> None:
    """After a bulk load: the new rows into the FTS5 tables and the word list, set-wise."""
    for table, columns in DOCUMENTS.items():
        names = ", ".join(column for column, _, _ in columns)
        indexed = ", ".join(_sqlite_indexed(column) for column, _, _ in columns)
        cursor.execute(
            f"INSERT INTO {table}_fts(rowid, {names}) SELECT id, {indexed} FROM {table} WHERE id > %s",
            [before[table]],
        )
        cursor.execute(
            f"INSERT INTO archive_search_words(rowid, words) "
            f"SELECT {_sqlite_words_rowid(table, table)}, {_sqlite_words_text(table, table)} "
            f"FROM {table} WHERE id > %s",
            [before[table]],
        )
    triggers = _sqlite_triggers()
    for table in DOCUMENTS:
        cursor.execute(triggers[f"{table}_search_ai"])


@contextmanager
def bulk_load(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Index the rows inserted inside the block in one statement per table, not row by row.

    Must run inside a transaction. The per-row insert triggers are lifted for the block and the
    new rows (ids above the largest before it) are indexed set-wise at its end, about four times
    faster on SQLite (FTS5 through a trigger costs ~0.5 ms a row) and without a per-row word
    collection on PostgreSQL (its tsvector column is computed by the row itself). The triggers are
    lifted in the same transaction, and the writes lock the tables, so no other writer's row can
    slip past the index; if the block fails, the transaction rolls it all back. Update and delete
    triggers stay in force: rows changed inside the block are kept in step as usual.

    The who-holds-what table's insert triggers are lifted too, and the table rebuilt set-wise at the
    end (``archive.db.stances.bulk_load``): per-row upserts would make a corpus load several times slower.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_load() must run inside transaction.atomic().")
    with connection.cursor() as cursor:
        before = _max_ids(cursor)
        if connection.vendor == "postgresql":
            _check_deferred(cursor)
            for table, function in _PG_WORD_COLLECTORS.items():
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {function}_inserted")
            for name in _PG_GIN_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        else:
            for table in DOCUMENTS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_search_ai")
    with stances.bulk_load(connection):
        yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _postgres_index_new_rows(cursor, before)
        else:
            _sqlite_index_new_rows(cursor, before)
    optimize(connection)
