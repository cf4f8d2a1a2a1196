"""The differential search check (issue 18): one corpus, generated queries, each database's results.

``build_corpus()`` fills the default database with a small generated corpus (the benchmark's
generator, ``archive/benchmark/corpus.py``) and the crafted takes below, which hold the cases the
two engines used to read differently; ``copy_corpus(alias)`` copies those rows, ids included, into
another database (the PostgreSQL pass's SQLite twin), whose own triggers index them.
``differential_queries()`` makes the queries: fixed ones for each part of the syntax and words and
phrases read from the corpus. ``results(alias, query)`` is what each database finds for a query:
the full match sets (``search()``) and the candidates the pages rank (``results.rank``).

Used by tests/test_search_differential.py; the allowed differences and their reasons are in
tests/search_allowlist.py and docs/search.md ("Where the two engines still differ").
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from django.db import connections

from archive.benchmark import corpus
from archive.models import Collection, Expert, Publication, Question, Quote, Stance, Take, TakeAuthor
from archive.search.results import rank
from tests.factories import ExpertFactory, PublicationFactory, QuoteFactory, TakeFactory

SPEC = corpus.CorpusSpec(takes=1200, quotes_per_take=4, experts=300, seed=18)

LONG_WORD = "hanoi" + "summitry" * 14 + "abc"  # 120 letters
assert len(LONG_WORD) == 120
THIRTEEN = "the talks in hanoi ended early because the two leaders could not agree on sanctions"
THIRTEEN_OTHER = "the talks in hanoi ended early because the two leaders could not agree on anything"

#: Takes written for the cases the engines read differently: (title, standfirst, summary, body, quotes).
CRAFTED: list[tuple[str, str, str, str, list[str]]] = [
    ("Søren Lund on the summit", "", "Søren thinks the talks failed.", "", ["Søren Lund said nothing new."]),
    ("A letter from Łódź", "", "Łódź and Gdańsk watched Hanoi.", "", ["From Łódź, the talks looked short."]),
    ("The Æsir of diplomacy", "", "Æsir and Vanir, an old truce.", "", ["The Æsir would have walked away."]),
    ("Đorđe Petrović doubts the deal", "", "Đorđe wrote from Belgrade.", "", ["Đorđe saw no deal."]),
    ("Die Straße nach Hanoi", "", "Eine Straße ohne Ende.", "", ["Die Straße war lang."]),
    ("The ﬁnal communiqué", "", "No ﬁnal text was signed.", "", ["The ﬁnal word was no."]),
    ("ＫＩＭ in full-width letters", "", "ＫＩＭ ＪＯＮＧ ＵＮ left early.", "", ["ＫＩＭ said little."]),
    ("A nai\u0308ve reading", "", "A nai\u0308ve hope for a deal.", "", ["It was nai\u0308ve to expect more."]),
    ("A naïve composed reading", "", "A naïve plan.", "", ["Naïve, but not wrong."]),
    ("Kim's gamble", "", "Kim's bet on sanctions relief failed.", "", ["Kim's team left first."]),
    ("Kim’s curly gamble", "", "Kim’s offer was Yongbyon.", "", ["Kim’s envoy smiled."]),
    ("The U.S. delegation", "", "The U.S. team left early.", "", ["U.S. officials were surprised."]),
    ("The U.N. panel", "", "The U.N. panel reported on sanctions.", "", ["U.N. inspectors were not invited."]),
    ("US and UN", "", "US officials and UN envoys disagreed.", "", ["The US and the UN spoke."]),
    ("Lessons of Hanoi", "", "Singapore was different.", "Nothing was agreed in Vietnam.", []),
    ("Pressure on North Korea", "", "Washington kept its pressure on North Korea.", "Kim Jong Un left.", []),
    ("The end of the summit", "", "The end of the summit came at lunch.", "", ["The summit in Hanoi ended."]),
    ("Summit in the rain", "", "A summit held in Hanoi in the rain.", "", ["The summit of Hanoi, in February."]),
    ("State of the union", "", "The state of the union was the talk.", "", ["A state in a union of two."]),
    ("No one was willing", "", "No one was willing to read the news.", "", ["The news was old news."]),
    ("One more try", "", "One leader, one summit, one failure.", "", ["He was unwilling; one was willing."]),
    ("Numbers of 2019", "", "In 2019 the F-35 sale and the 38th parallel.", "", ["1.5 million; 3,000 troops; 24/7."]),
    ("Self-preservation", "", "Self-preservation and inter-Korean follow-up talks.", "", ["A well-known follow-up."]),
    ("비핵화는 멀었다", "", "북한의 비핵화는 멀었다.", "", ["김정은은 하노이에 갔다.", "비핵화를 원한다."]),
    ("Переговоры в Ханое", "", "Переговоры в Ханое провалились.", "", ["Ким уехал рано."]),
    ("河内峰会", "", "河内峰会没有达成协议。", "", ["ハノイ会談は決裂した。"]),
    ("قمة هانوي", "", "قمة هانوي انتهت مبكرا.", "", ["Σύνοδος στο Ανόι."]),
    ("Le cœur des négociations", "", "Œuvre de café et négociations.", "", ["Müller und die Bücher."]),
    ("A very long word", "", f"Nobody says {LONG_WORD} aloud.", "", [f"Hanoi {LONG_WORD} summit."]),
    ("Thirteen words", "", THIRTEEN.capitalize() + ".", "", [THIRTEEN_OTHER.capitalize() + "."]),
    ("Sanctions relief, near and far", "", "Sanctions relief was the ask.", "", ["Sanctions, the price of relief."]),
]


def build_corpus() -> None:
    """The generated corpus and the crafted takes, in the default database."""
    corpus.generate(SPEC)
    outlet = PublicationFactory(name="Differential outlet", slug="differential-outlet")
    expert = ExpertFactory(name="Differential expert", slug="differential-expert")
    for n, (title, standfirst, summary, body, quotes) in enumerate(CRAFTED):
        take = TakeFactory(
            title=title,
            slug=f"differential-{n}",
            standfirst=standfirst,
            summary=summary,
            body=body,
            publication=outlet,
            authors=[expert],
        )
        for order, text in enumerate(quotes):
            QuoteFactory(take=take, text=text, speaker=expert, order=order)


#: What the search needs, in an order the foreign keys allow.
COPIED = (Publication, Collection, Expert, Question, Stance, Take, TakeAuthor, Quote)


def copy_corpus(alias: str) -> None:
    """Every row of ``COPIED`` from the default database into ``alias``, ids and all."""
    for model in COPIED:
        fields = [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]
        columns = [f.column for f in fields]
        rows = list(model.objects.using("default").order_by("pk").values_list(*[f.attname for f in fields]))
        target = connections[alias]
        quote = target.ops.quote_name
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) VALUES ({placeholders})"  # noqa: S608
        prepared = [tuple(f.get_db_prep_value(v, target) for f, v in zip(fields, row, strict=True)) for row in rows]
        with target.cursor() as cursor:
            cursor.executemany(sql, prepared)


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Case:
    category: str
    query: str


#: Parts of the syntax where docs/search.md says PostgreSQL's websearch_to_tsquery reads the same.
SAME_AS_WEBSEARCH = frozenset({"word", "stemming", "phrase", "exclusion", "accent", "possessive", "number"})

FIXED: dict[str, list[str]] = {
    "word": [
        "korea",
        "kim",
        "nuclear",
        "summit",
        "sanctions",
        "denuclearization",
        "hanoi",
        "singapore",
        "yongbyon",
        "Yongbyon",
        "KOREA",
        "pyongyang",
        "washington",
        "diplomacy",
        "verification",
        "nothingmatchesthis",
    ],
    "stemming": [
        "one",
        "willing",
        "unwilling",
        "news",
        "new",
        "negotiating",
        "negotiations",
        "verify",
        "verified",
        "inspector",
        "dismantling",
        "weapon",
        "missiles",
        "leaders",
        "agreed",
        "agreeing",
        "talked",
        "talking",
        "policies",
        "securities",
        "years",
        "people",
        "being",
        "used",
        "came",
        "relief",
        "relieved",
        "pressured",
        "frameworks",
        "only",
        "two",
        "first",
        "ended",
        "surprised",
    ],
    "phrase": [
        '"north korea"',
        '"kim jong un"',
        '"sanctions relief"',
        '"hanoi singapore"',
        '"korea kim"',
        '"washington kept"',
        '"nuclear deal',
        '"leader"',
        '"relief sanctions"',
        '"korea pressure"',
    ],
    "phrase with stop words": [
        '"the end of"',
        '"the end of the summit"',
        '"summit in hanoi"',
        '"summit of hanoi"',
        '"state of the union"',
        '"state in a union"',
        '"of the summit"',
        '"in hanoi"',
        '"no one was willing"',
        '"the news"',
        '"the summit"',
        '"end of"',
        '"a summit held in hanoi"',
        'summit -"in hanoi"',
    ],
    "exclusion": [
        "korea -kim",
        "nuclear -summit",
        "hanoi -singapore",
        'korea -"north korea"',
        "kim -yongbyon",
        "sanctions -relief",
        "-kim korea",
        "korea -the",
        "-korea",
    ],
    "or": [
        "hanoi OR singapore",
        "yongbyon OR hanoi summit",
        "kim hanoi OR singapore",
        "-kim OR hanoi",
        "OR kim",
        "kim OR",
        "the OR yongbyon",
        "hanoi or singapore",
        '"north korea" OR yongbyon',
        "yongbyon OR -hanoi",
        "hanoi OR singapore OR yongbyon",
        "kim OR OR hanoi",
    ],
    "accent": [
        "Søren",
        "soren",
        "SØREN",
        "Łódź",
        "lodz",
        "Lodz",
        "Æsir",
        "aesir",
        "Đorđe",
        "dorde",
        "Straße",
        "strasse",
        "STRASSE",
        "ﬁnal",
        "final",
        "ＫＩＭ",
        "naïve",
        "nai\u0308ve",
        "naive",
        "négociations",
        "negociations",
        "café",
        "cafe",
        "müller",
        "muller",
        "mueller",
        "cœur",
        "coeur",
        "œuvre",
        "oeuvre",
        "gdańsk",
        "gdansk",
        "petrović",
        "petrovic",
    ],
    "script": [
        "비핵화",
        "비핵화는",
        "비핵화를",
        "김정은",
        "하노이",
        "Переговоры",
        "переговоры",
        "Ханое",
        "河内峰会",
        "ハノイ会談",
        "قمة",
        "Σύνοδος",
        "σύνοδος",
    ],
    "punctuation": [
        "kim!",
        "(korea)",
        "korea,",
        "kim: summit",
        "*",
        "AND",
        "NOT kim",
        "kim NEAR korea",
        "kim^2",
        "korea.summit",
        "'kim'",
        "korea AND summit",
        "kim & korea",
        "kim | korea",
        "!kim",
        "kim:*",
        "<->",
        "“north korea”",
        "«north korea»",
        "korea;--",
        "\\kim",
    ],
    "possessive": ["Kim's", "kim's", "Kim’s", "kims", '"kim\'s team"', "Kim's sanctions", "korea's", "trump's"],
    "abbreviation": [
        "U.S.",
        "U.N.",
        "US",
        "UN",
        "u.s",
        "u.s.",
        "U.S.-Korea",
        '"U.S. officials"',
        '"U.N. panel"',
        "D.P.R.K.",
        "u n",
    ],
    "number": ["2019", "38th", "100", "2019 korea", "38th parallel"],
    "number with punctuation": ["1.5", "3,000", "24/7", "F-35", "f35"],
    "hyphen": [
        "self-preservation",
        "inter-Korean",
        "follow-up",
        "well-known",
        "north-korea",
        "kim-jong-un",
        "-kim-jong",
        "self -preservation",
        "follow - up",
    ],
    "truncation": [
        f'"{THIRTEEN}"',
        f'"{THIRTEEN_OTHER}"',
        LONG_WORD,
        f"hanoi {LONG_WORD}",
        f'"{LONG_WORD} summit"',
        " ".join(f"word{n}" for n in range(17)) + " korea",
        "korea " * 60,
        "kim " + "x" * 400,
    ],
}


def _corpus_words(rng: random.Random) -> tuple[list[str], list[str]]:
    """Words of the generated quotes, common to rare, and runs of neighbouring words (phrases)."""
    texts = list(
        Quote.objects.using("default")
        .filter(take__slug__startswith="synthetic-")
        .order_by("pk")
        .values_list("text", flat=True)[:3000]
    )
    counts: dict[str, int] = {}
    for text in texts:
        for word in re.findall(r"[a-z]+", text.lower()):
            counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    words = ranked[:20:2] + ranked[20:400:19] + ranked[400 :: max(1, (len(ranked) - 400) // 20)][:20]
    phrases = []
    for text in rng.sample(texts, 40):
        tokens = re.findall(r"[a-z]+", text.lower())
        size = rng.randint(2, 4)
        start = rng.randrange(max(1, len(tokens) - size))
        phrases.append(" ".join(tokens[start : start + size]))
    return words, phrases


def differential_queries() -> list[Case]:
    """The queries, fixed ones and ones made from the corpus (deterministic for the corpus)."""
    rng = random.Random(18)
    cases = [Case(category, q) for category, queries in FIXED.items() for q in queries]
    words, phrases = _corpus_words(rng)
    cases += [Case("word", w) for w in words]
    cases += [Case("phrase with stop words", f'"{p}"') for p in phrases[:25]]
    cases += [Case("phrase", " ".join(p.split()[:2])) for p in phrases[25:]]
    for a, b in zip(words[::2], words[1::2], strict=False):
        cases.append(Case("word", f"{a} {b}"))
        cases.append(Case("exclusion", f"{a} -{b}"))
        cases.append(Case("or", f"{a} OR {b}"))
    seen: set[str] = set()
    return [c for c in cases if not (c.query in seen or seen.add(c.query))]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Found:
    """What one database finds for one query."""

    takes: frozenset[int]
    quotes: frozenset[int]
    ranked_takes: frozenset[int]
    ranked_quotes: frozenset[int]
    counts: tuple[int, bool, int, bool]  # ranked takes' count and capped, quotes' count and capped

    def summary(self) -> str:
        return f"{len(self.takes)} takes, {len(self.quotes)} quotes (ranked {self.counts})"


def results(alias: str, query: str) -> Found:
    takes = Take.objects.using(alias).published()
    quotes = Quote.objects.using(alias).published()
    take_rank, quote_rank = rank(takes, query), rank(quotes, query)
    return Found(
        takes=frozenset(takes.search(query).values_list("pk", flat=True)),
        quotes=frozenset(quotes.search(query).values_list("pk", flat=True)),
        ranked_takes=frozenset(take_rank.ids),
        ranked_quotes=frozenset(quote_rank.ids),
        counts=(take_rank.count, take_rank.capped, quote_rank.count, quote_rank.capped),
    )
