"""One query, one meaning (issue 18): the same folding, stemming, stop words and phrase rules on
both databases, done by the database for the stored text and by Python for the query
(archive/db/search_text.py). Runs on whichever database the suite runs on."""

# ruff: noqa: S608 - SQL built from the index module's fixed names; the text is a bound parameter.
import unicodedata

import pytest
from django.db import connection

from archive.db import search_index, search_text
from archive.models import Quote, Take
from archive.search import parse
from archive.search.highlight import mark_words
from archive.search.query import MAX_PHRASE_WORDS, MAX_WORD_CHARS
from tests.factories import QuoteFactory, TakeFactory

pytestmark = pytest.mark.django_db

DECOMPOSED_NAIVE = "nai" + "\u0308" + "ve"

#: Strings whose folding is easy to get wrong.
TRICKY = [
    "Søren Kierkegaard",
    "Łódź and Gdańsk",
    "Æsir, Œuvre, Þór",
    "Đorđe Balašević",
    "Straße STRASSE",
    "ﬁnal ﬂight",
    "ＫＩＭ Ｊｏｎｇ－ｕｎ",
    f"a {DECOMPOSED_NAIVE} view",
    "naïve café résumé",
    "Kim's statement, the U.S. and the U.N.",
    "ΣΟΦΟΣ σοφός",
    "Ведомости ёлка",
    "비핵화는 김정은의",
    "İstanbul ıspanak",
    "state-of-the-art F-35 3rd 1,000",
    "running negotiations willing news one",
]


def found(model, q: str) -> set[int]:
    return set(model.objects.search(q).values_list("pk", flat=True))


# --------------------------------------------------------------------------- the normaliser


def test_python_folds_as_the_issue_asks():
    assert search_text.words("Søren Łódź Æsir Đorđe Straße ﬁnal ＫＩＭ") == [
        "soren",
        "lodz",
        "aesir",
        "dorde",
        "strasse",
        "final",
        "kim",
    ]
    assert search_text.words(DECOMPOSED_NAIVE) == ["naive"]
    assert search_text.words("비핵화는") == ["비핵화는"]  # Hangul composed again after the accents go
    assert search_text.words("ΣΟΦΟΣ σοφός") == ["σοφοσ", "σοφοσ"]  # final sigma folded


def test_the_stemmer_is_snowball_english():
    # Porter (FTS5's) made one → on and news → new; Snowball keeps them apart. Snowball does make
    # willing → will, on both databases alike (docs/search.md).
    assert [search_text.stem(w) for w in ["one", "willing", "news", "negotiations", "negotiating"]] == [
        "one",
        "will",
        "news",
        "negoti",
        "negoti",
    ]
    assert search_text.stem("3rd") == "3rd"  # PostgreSQL files words with digits as numbers


@pytest.mark.parametrize("text", TRICKY)
def test_the_database_indexes_what_python_says(text):
    """The stored text is folded and stemmed by the database itself; the query by Python. Both
    must give the same words at the same positions."""
    expected = [search_text.stem(w) for w in search_text.words(text)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT lexeme, pos FROM unnest(to_tsvector('{search_index.CONFIG}'::regconfig, "
                f"{search_index.pg_words(search_text.PG_FUNCTION + '(%s)')})) AS v(lexeme, positions, weights), "
                "unnest(positions) AS pos ORDER BY pos",
                [text],
            )
            indexed = [lexeme for lexeme, _ in cursor.fetchall()]
        else:
            cursor.execute("CREATE VIRTUAL TABLE temp.probe USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
            cursor.execute("CREATE VIRTUAL TABLE temp.probe_vocab USING fts5vocab(temp, probe, 'instance')")
            try:
                cursor.execute(
                    "INSERT INTO temp.probe(rowid, x) VALUES (1, archive_search_text(%s)), (2, %s)", [text, text]
                )
                cursor.execute("SELECT term FROM temp.probe_vocab WHERE doc = 1 ORDER BY offset")
                indexed = [row[0] for row in cursor.fetchall()]
                # The original text, as highlight() tokenizes it, has as many words: the marks
                # land on the original words.
                cursor.execute("SELECT count(*) FROM temp.probe_vocab WHERE doc = 2")
                assert cursor.fetchone()[0] == len(expected)
            finally:
                cursor.execute("DROP TABLE temp.probe_vocab")
                cursor.execute("DROP TABLE temp.probe")
    assert indexed == expected


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's folding function")
@pytest.mark.parametrize("text", TRICKY)
def test_postgresqls_folding_function_is_pythons(text):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {search_text.PG_FUNCTION}(%s)", [text])
        assert cursor.fetchone()[0] == search_text.fold(text)


# --------------------------------------------------------------------------- what readers get


def test_letters_that_are_not_accents_are_found_either_way():
    quote = QuoteFactory(text="Søren met Łódź officials, the Æsir, Đorđe on the Straße with a ﬁnal ＫＩＭ")
    for q in [
        "soren",
        "Søren",
        "lodz",
        "Łódź",
        "aesir",
        "dorde",
        "strasse",
        "Straße",
        "final",
        "ﬁnal",
        "ＫＩＭ",
        "kim",
    ]:
        assert found(Quote, q) == {quote.pk}, q


def test_a_decomposed_accent_is_found_by_the_plain_word():
    quote = QuoteFactory(text=f"A {DECOMPOSED_NAIVE} hope.")
    assert found(Quote, "naive") == found(Quote, "naïve") == found(Quote, DECOMPOSED_NAIVE) == {quote.pk}


def test_a_possessive_finds_the_name():
    possessive = QuoteFactory(text="Kim's statement was short.")
    plain = QuoteFactory(text="Kim spoke.")
    assert found(Quote, "Kim's") == found(Quote, "kim") == found(Quote, "Kim’s") == {possessive.pk, plain.pk}
    # Inside quotes the words are as written: both indexes hold "Kim's" as kim + s.
    assert found(Quote, '"Kim\'s statement"') == {possessive.pk}
    assert found(Quote, '"kim statement"') == set()


def test_us_and_un_do_not_collide():
    us = QuoteFactory(text="The U.S. position.")
    un = QuoteFactory(text="The U.N. position.")
    pronoun = QuoteFactory(text="Tell us the position.")
    assert found(Quote, "U.S.") == {us.pk}
    assert found(Quote, "U.N.") == {un.pk}
    assert found(Quote, "us") == {pronoun.pk}


def test_a_phrase_never_spans_two_fields():
    take = TakeFactory(summary="They met in Korea.", body="Kim left early.", title="Meeting", standfirst="")
    assert found(Take, "korea kim") == {take.pk}
    assert found(Take, '"korea kim"') == set()
    assert found(Take, '"met in korea"') == {take.pk}


def test_a_phrase_needs_its_very_words_stop_words_too():
    """Both databases index every word, so stop words inside and at the edges of a phrase count."""
    union = QuoteFactory(text="The state of the union is strong.")
    hanoi = QuoteFactory(text="The summit in Hanoi closed early.")
    other = QuoteFactory(text="A summit, Hanoi said, and the end.")
    assert found(Quote, '"state of the union"') == {union.pk}
    assert found(Quote, '"state in a union"') == set()
    assert found(Quote, '"summit in hanoi"') == {hanoi.pk}
    assert found(Quote, '"the end of"') == set()
    assert found(Quote, '"the end"') == {other.pk}
    # Outside quotes stop words are left out, alike: "the end" unquoted means end.
    assert found(Quote, "the end") == {other.pk}


def test_words_porter_confused_are_kept_apart():
    one = QuoteFactory(text="One more round.")
    on = QuoteFactory(text="Talks on the table.")
    will = QuoteFactory(text="They will meet.")
    news = QuoteFactory(text="Good news today.")
    new = QuoteFactory(text="A new start.")
    assert found(Quote, "one") == {one.pk}
    assert found(Quote, "willing") == {will.pk}  # Snowball: willing → will, on both databases
    assert found(Quote, "news") == {news.pk}
    assert found(Quote, "new") == {new.pk}
    assert on.pk not in found(Quote, "one")
    negotiations = QuoteFactory(text="Negotiations resumed.")
    assert negotiations.pk in found(Quote, "negotiating")


def test_highlighting_marks_the_original_words(client):
    QuoteFactory(text="Søren's naïve Straße near Łódź, and more words after them")
    body = client.get("/quotes/", {"q": "soren strasse lodz"}).content.decode()
    body = unicodedata.normalize("NFC", body)
    for word in ["Søren", "Straße", "Łódź"]:
        assert f"<mark>{word}</mark>" in body, word


# --------------------------------------------------------------------------- shortened queries


def test_the_parser_says_what_it_cut():
    long_phrase = '"' + " ".join(f"word{n}" for n in range(MAX_PHRASE_WORDS + 1)) + '"'
    query = parse(long_phrase)
    assert query.shortened and len(query.required[0][0].words) == MAX_PHRASE_WORDS
    assert any("phrase" in cut for cut in query.cuts)
    query = parse("kim " + "x" * (MAX_WORD_CHARS + 20))
    assert query.shortened and any(str(MAX_WORD_CHARS) in cut for cut in query.cuts)
    query = parse(" ".join(f"w{n}" for n in range(20)))
    assert query.shortened and any("16" in cut for cut in query.cuts)
    assert parse("kim summit").cuts == ()


@pytest.mark.parametrize("path", ["/search/", "/quotes/", "/takes/"])
def test_the_page_says_a_query_was_shortened(client, path):
    QuoteFactory(text="Kim met Trump")
    long_phrase = '"' + " ".join(["kim"] * (MAX_PHRASE_WORDS + 1)) + '"'
    body = client.get(path, {"q": long_phrase}).content.decode()
    assert f"A phrase can hold {MAX_PHRASE_WORDS} words" in body
    body = client.get(path, {"q": "kim " + "x" * (MAX_WORD_CHARS + 1)}).content.decode()
    assert f"Words longer than {MAX_WORD_CHARS} letters were left out" in body


def test_the_python_fallback_marks_folded_words_too():
    """Past the highlighting budget the query's words are marked in Python (results._attach_plain)."""
    assert "<mark>Søren</mark>" in mark_words("Søren met Kim", ["soren"])
