"""The query language: parsed the same way for both engines, never raising, never passing raw text on."""

import re

import pytest

from archive.search.query import MAX_QUERY_CHARS, parse, to_fts5_match, to_tsquery_text


def test_it_requires_every_word():
    query = parse("nuclear deal")
    assert [[p.words for p in group] for group in query.required] == [[("nuclear",)], [("deal",)]]
    assert to_tsquery_text(query) == "(('nuclear')) & (('deal'))"
    assert to_fts5_match(query) == '(("nuclear") AND ("deal"))'


def test_it_reads_a_quoted_phrase_and_an_unclosed_one():
    assert parse('"comeback kid"').required[0][0].words == ("comeback", "kid")
    assert parse('"comeback kid').required[0][0].words == ("comeback", "kid")
    assert to_fts5_match(parse('"comeback kid"')) == '(("comeback" + "kid"))'
    assert to_tsquery_text(parse('"comeback kid"')) == "(('comeback' <-> 'kid'))"


def test_it_excludes_words_and_phrases():
    query = parse('summit -sanctions -"maximum pressure"')
    assert [p.words for p in query.excluded] == [("sanctions",), ("maximum", "pressure")]
    # SQLite matches stemmed words: its index holds them (archive/db/search_text.py, issue 18).
    assert to_fts5_match(query) == '(("summit")) NOT ("sanction") NOT ("maximum" + "pressur")'
    assert to_tsquery_text(query) == "(('summit')) & !('sanctions') & !('maximum' <-> 'pressure')"


def test_it_joins_words_with_or():
    query = parse("talks OR summit deal")
    assert [[p.words for p in group] for group in query.required] == [[("talks",), ("summit",)], [("deal",)]]
    assert to_fts5_match(query) == '(("talk" OR "summit") AND ("deal"))'  # stemmed, as SQLite indexes


@pytest.mark.parametrize("text", ["OR talks", "talks OR", "talks OR OR", "OR"])
def test_it_ignores_a_stray_or(text):
    query = parse(text)
    if query.is_searchable:
        assert str(query) == "talks"
    else:
        assert query.problem == "empty"


def test_it_treats_lowercase_or_and_operators_as_words():
    assert parse("talks or summit").required == parse("talks summit").required
    assert str(parse("NEAR AND summit")) == "near summit"  # "and" is a stop word, NEAR a word


def test_it_splits_hyphenated_words_and_initials_into_phrases():
    assert parse("self-preservation").required[0][0].words == ("self", "preservation")
    assert parse("U.S.").required[0][0].words == ("u", "s")


def test_it_keeps_hangul_and_folds_accents():
    # Issue 18: the query is folded as both indexes fold the text (accents removed).
    assert str(parse("김정은 Négociations")) == "김정은 negociations"


def test_it_says_a_query_of_stop_words_is_too_common():
    for text in ["the", "to be or not to be", '"of the"', "the OR a"]:
        assert parse(text).problem == "too-common", text
        assert "too common" in parse(text).message


def test_it_drops_stop_words_next_to_real_words():
    query = parse("the war")
    assert str(query) == "war"
    assert query.ignored_stop_words == ("the",)
    assert str(parse("the OR war")) == "war"


def test_it_asks_for_a_word_when_only_exclusions_are_given():
    assert parse("-war").problem == "only-exclusions"
    assert parse('-"maximum pressure"').problem == "only-exclusions"


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '""',
        "-",
        "- -",
        "*",
        "(",
        ")",
        "***",
        "!!!",
        "...",
        "'",
        "'; DROP TABLE archive_quote; --",
        "\\",
        "\x00",
        "   ",
    ],
)
def test_it_finds_nothing_to_search_for_in_punctuation(text):
    query = parse(text)
    if query.is_searchable:  # the SQL fragment has words in it: they are searched as words
        assert set(to_fts5_match(query)) <= set('abcdefghijklmnopqrstuvwxyz_ "()+ANDORT')
    else:
        assert query.problem == "empty"
        assert "Nothing to search for" in query.message


@pytest.mark.parametrize(
    "text",
    [
        "NEAR(a b)",
        "kim*",
        '"unbalanced',
        'a"b"c',
        "(kim OR",
        "AND",
        "NOT kim",
        "kim NOT",
        "^kim",
        "col:kim",
        "{kim}",
        "kim'; --",
        "k\\'im",
        "%_%",
        "x" * 10_000,
        "kim " * 5000,
        '"' * 999,
    ],
)
def test_it_never_lets_operators_through(text):
    query = parse(text)
    if not query.is_searchable:
        return
    fts = to_fts5_match(query)
    tsq = to_tsquery_text(query)
    for word in (w for g in query.required for p in g for w in p.words):
        assert word.isalnum()
    # Only our own operators reach the engines; every word sits inside quotes.
    assert re.fullmatch(r"(?:[()&|! ]|<->|'[^\W_]+')+", tsq), tsq
    assert re.fullmatch(r'(?:[()+ ]|AND|OR|NOT|"[^\W_]+")+', fts), fts


def test_it_shortens_very_long_queries():
    query = parse("kim " * 5000)
    assert query.shortened
    assert len(query.text) <= MAX_QUERY_CHARS
    assert str(query) == "kim"


def test_it_ignores_absurdly_long_words():
    assert parse("x" * 10_000).problem == "empty"
