"""Synthetic corpora for benchmarks: realistic in shape, clearly marked, deterministic for a seed.

Everything generated is marked synthetic: slugs start with ``synthetic-``, outlets and experts are
named "Synthetic …", URLs use the reserved ``.invalid`` domain, and summaries say so. The shipped
fixtures never contain any of it.

The text is English-like: a Zipf-distributed vocabulary of common English words and made-up words,
with a few topic words placed in nearly every quote ("korea", "kim", "nuclear", "summit") and a few
rare ones ("yongbyon" in about one quote in two thousand), so searches for common and rare words
cost what they would in a real archive of commentary on North Korea.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection, transaction

from archive.db import data_version, search_index
from archive.db.bulk import copy_rows
from archive.models import (
    Collection,
    Confidence,
    DatePrecision,
    Expert,
    Outcome,
    Position,
    Prediction,
    Publication,
    PublicationKind,
    Question,
    Quote,
    Stance,
    StatedConfidence,
    Status,
    Take,
    TakeAuthor,
    TakeKind,
    Theme,
)

SYNTHETIC = "synthetic"
START = datetime.date(2019, 2, 1)
END = datetime.date(2024, 12, 31)

ENGLISH = (
    "the of and to a in that is was he for it with as his on be at by i this had not are but from or have an "
    "they which one you were her all she there would their we him been has when who will more no if out so said "
    "what up its about into than them can only other new some could time these two may then do first any my now "
    "such like our over man me even most made after also did many before must through back years where much your "
    "way well down should because each just those people how too little state good very make world still own see "
    "men work long get here between both life being under never day same another know while last might us great "
    "old year off come since against go came right used take three policy talks deal pressure regime leader "
    "washington pyongyang seoul beijing tokyo diplomacy negotiations relief arsenal missile weapons deterrent "
    "security alliance president administration agreement framework verification inspectors freeze dismantle"
).split()

# Topic words and the share of quotes each appears in.
TOPIC_WORDS = {
    "korea": 0.90,
    "kim": 0.70,
    "nuclear": 0.60,
    "summit": 0.50,
    "sanctions": 0.20,
    "denuclearization": 0.10,
    "hanoi": 0.05,
    "singapore": 0.02,
    "yongbyon": 0.0005,
}

#: The words a hostile body repeats (``CorpusSpec.hostile_repeats``): the common words of the
#: issue's slow search (issue 21) and the filler a pasted page repeats.
HOSTILE_WORDS = (
    "north korea kim summit talks sanctions analysts verification officials diplomacy region pressure deal "
    "framework missile freeze lorem ipsum dolor"
).split()
#: Words of a hostile body besides the repeated ones (with 25 repeats a body runs ~1,100 words).
HOSTILE_FILLER = 625

SYLLABLES = (
    "ka ri mo tan sel ver lo pra un de mi no ta gu ser fin bal cor den ex im pro sta tri vel win zor "
    "ba che dor el fa gre hu is jo kel lum mar nev op pel quo ras sil tor ul van wes yar zen"
).split()


@dataclass
class CorpusSpec:
    takes: int
    quotes_per_take: int
    experts: int
    seed: int = 1
    publications: int = 0  # 0: about one outlet per 40 experts, at least 5
    batch_size: int = 5000
    #: 0: ordinary bodies. n > 0: hostile bodies, each word of ``HOSTILE_WORDS`` repeated about n
    #: times (0.8n–1.2n) among ``HOSTILE_FILLER`` ordinary words: the data that made ranking slow.
    hostile_repeats: int = 0

    def outlet_count(self) -> int:
        return self.publications or max(5, self.experts // 40)


@dataclass
class CorpusReport:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds else 0.0


class TextMaker:
    """Deterministic English-like sentences with a Zipf vocabulary."""

    def __init__(self, rng: random.Random, vocabulary_size: int = 30000, pool_size: int = 400_000) -> None:
        self.rng = rng
        made_up: set[str] = set()
        while len(made_up) < vocabulary_size - len(ENGLISH):
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            if word not in TOPIC_WORDS and word not in ENGLISH:
                made_up.add(word)
        invented = sorted(made_up)
        rng.shuffle(invented)  # made-up words take random ranks after the English ones
        vocabulary = ENGLISH + invented
        weights = [1.0 / (rank + 1) ** 1.07 for rank in range(len(vocabulary))]
        self.pool = rng.choices(vocabulary, weights=weights, k=pool_size)

    def words(self, count: int) -> list[str]:
        start = self.rng.randrange(len(self.pool) - count)
        words = self.pool[start : start + count]
        for word, share in TOPIC_WORDS.items():
            if self.rng.random() < share:
                words.insert(self.rng.randrange(len(words) + 1), word)
        return words

    def sentence(self, low: int, high: int) -> str:
        words = self.words(self.rng.randint(low, high))
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def hostile_body(self, repeats: int) -> str:
        """A long body repeating each of ``HOSTILE_WORDS`` about ``repeats`` times, shuffled into
        ordinary words and cut into sentences of 12–30 words."""
        words = self.words(HOSTILE_FILLER)
        for word in HOSTILE_WORDS:
            words += [word] * self.rng.randint(max(1, repeats * 4 // 5), max(1, repeats * 6 // 5))
        self.rng.shuffle(words)
        sentences, start = [], 0
        while start < len(words):
            end = start + self.rng.randint(12, 30)
            text = " ".join(words[start:end])
            sentences.append(text[0].upper() + text[1:] + ".")
            start = end
        return " ".join(sentences)


def _questions() -> list[tuple[Question, list[Stance]]]:
    """The archive's questions and stances; a synthetic set when the database has none."""
    questions = list(Question.objects.prefetch_related("stances"))
    if not questions:
        for number in range(1, 6):
            question = Question.objects.create(
                text=f"Synthetic question {number}?", slug=f"{SYNTHETIC}-question-{number}", order=number
            )
            Stance.objects.bulk_create(
                Stance(question=question, label=f"Synthetic stance {number}.{s}", slug=f"stance-{s}", position=s)
                for s in range(4)
            )
        questions = list(Question.objects.prefetch_related("stances"))
    return [(q, list(q.stances.all())) for q in questions if q.stances.all()]


THEME_NAMES = (
    "sanctions relief deterrence denuclearization verification Yongbyon missiles human-rights alliances "
    "China Japan inter-Korean diplomacy economy military-exercises nuclear-testing negotiation-tactics "
    "domestic-politics intelligence peace-declaration"
).split()


def _themes(tag: str) -> list[Theme]:
    """The archive's themes; a synthetic set when the database has none."""
    themes = list(Theme.objects.order_by("pk"))
    if not themes:
        themes = Theme.objects.bulk_create(
            Theme(name=f"Synthetic {name.replace('-', ' ')}", slug=f"{tag}-theme-{name.lower()}")
            for name in THEME_NAMES
        )
    return themes


def _dates(rng: random.Random, count: int) -> list[datetime.date]:
    """Dates clustered after the summit (Feb 2019) with a long tail to the end of 2024."""
    span = (END - START).days
    dates = [START + datetime.timedelta(days=min(span, int(rng.expovariate(1 / 180)))) for _ in range(count)]
    dates.sort()
    return dates


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def remove(seed: int) -> int:
    """Delete the synthetic corpus made with ``seed``; returns the number of takes removed."""
    tag = f"{SYNTHETIC}-s{seed}"
    with transaction.atomic():
        takes = Take.objects.filter(slug__startswith=f"{tag}-take-")
        count = takes.count()
        takes.delete()
        Expert.objects.filter(slug__startswith=f"{tag}-expert-").delete()
        Collection.objects.filter(slug__startswith=f"{tag}-collection-").delete()
        Publication.objects.filter(slug__startswith=f"{tag}-outlet-").delete()
        Theme.objects.filter(slug__startswith=f"{tag}-theme-").delete()
    return count


def exists(seed: int) -> bool:
    return Publication.objects.filter(slug__startswith=f"{SYNTHETIC}-s{seed}-outlet-").exists()


@dataclass
class _TakePlan:
    take: Take
    authors: list[Expert]
    quotes: list[tuple[str, int, bool, int]]  # text, speaker id, is headline, order
    themes: list[Theme]
    positions: list[tuple[int, int, str]]  # question id, stance id, confidence


@dataclass
class _World:
    """What every chunk of takes is drawn from, and the one random stream that draws it."""

    spec: CorpusSpec
    rng: random.Random
    text: TextMaker
    tag: str
    dates: list[datetime.date]
    experts: list[Expert]
    author_weights: list[float]
    home: dict[int, Publication]
    collections: list[Collection]
    themes: list[Theme]
    theme_weights: list[float]
    questions: list[tuple[Question, list[Stance]]]
    stance_weights: dict[int, list[float]]

    def _body(self) -> str:
        if self.spec.hostile_repeats:
            return self.text.hostile_body(self.spec.hostile_repeats)
        return " ".join(self.text.sentence(12, 30) for _ in range(self.rng.randint(3, 8)))

    def plan(self, chunk: range) -> list[_TakePlan]:
        """The takes numbered ``chunk`` with everything attached to them, not yet stored."""
        rng, text, spec = self.rng, self.text, self.spec
        lead_authors = rng.choices(self.experts, weights=self.author_weights, k=len(chunk))
        series = [rng.choice(self.collections) if rng.random() < 0.05 else None for _ in chunk]
        takes = [
            Take(
                title=text.sentence(5, 11)[:-1],
                slug=f"{self.tag}-take-{n}",
                kind=TakeKind.COLLECTION_ANSWER if series[i] else rng.choice(TakeKind.values),
                collection=series[i],
                publication=series[i].publication if series[i] else self.home[lead_authors[i].pk],
                published=self.dates[n],
                date_precision=DatePrecision.DAY,
                url=f"https://takes.{SYNTHETIC}.invalid/{spec.seed}/{n}",
                summary="Synthetic take generated for benchmarks. " + text.sentence(20, 40),
                body=self._body(),
                status=Status.PUBLISHED if rng.random() < 0.97 else Status.DRAFT,
            )
            for i, n in enumerate(chunk)
        ]
        plans = []
        for take, lead in zip(takes, lead_authors, strict=True):
            authors = [lead]
            if rng.random() < 0.15:
                co_author = rng.choice(self.experts)
                if co_author.pk != lead.pk:
                    authors.append(co_author)
            quote_count = rng.randint(0, 2 * spec.quotes_per_take) if spec.quotes_per_take else 0
            quotes = []
            for order in range(quote_count):
                speaker = lead if rng.random() < 0.7 else rng.choice(self.experts)
                quotes.append((text.sentence(10, 35), speaker.pk, order == 0, order))
            tagged = {rng.choices(self.themes, weights=self.theme_weights)[0] for _ in range(rng.randint(0, 3))}
            positions = []
            for question, stances in rng.sample(self.questions, k=min(len(self.questions), rng.randint(1, 3))):
                stance = rng.choices(stances, weights=self.stance_weights[question.pk])[0]
                positions.append((question.pk, stance.pk, rng.choice(Confidence.values)))
            plans.append(_TakePlan(take, authors, quotes, sorted(tagged, key=lambda t: t.pk), positions))
        return plans


PREDICTION_FIELDS = [
    "take",
    "claim",
    "question",
    "confidence",
    "outcome",
    "resolved",
    "source_title",
    "source_outlet",
    "source_date",
    "source_url",
    "note",
    "order",
    "horizon",
]
RESOLVED = [Outcome.CAME_TRUE, Outcome.DID_NOT, Outcome.PARTLY]


def _predictions(plans: list[_TakePlan]) -> list[tuple]:
    """About one take in four makes a prediction, three in five of them resolved. A random stream
    of their own (seeded by the chunk's first take), so the rest of the corpus stays as it was."""
    if not plans:
        return []
    rng = random.Random(plans[0].take.pk)
    rows = []
    for plan in plans:
        if rng.random() >= 0.25 or not plan.positions:
            continue
        horizon = plan.take.published + datetime.timedelta(days=rng.randint(30, 900))
        resolved = horizon.isoformat() if rng.random() < 0.6 else None
        rows.append(
            (
                plan.take.pk,
                "Synthetic prediction generated for benchmarks.",
                plan.positions[0][0],
                rng.choice(StatedConfidence.values),
                rng.choice(RESOLVED) if resolved else Outcome.NOT_YET,
                resolved,
                "Synthetic report" if resolved else "",
                "",
                resolved,
                f"https://reports.{SYNTHETIC}.invalid/{plan.take.pk}" if resolved else "",
                "",
                0,
                horizon.isoformat(),
            )
        )
    return rows


def _store(plans: list[_TakePlan]) -> dict[str, int]:
    """Insert a planned chunk; returns the rows stored by kind."""
    Take.objects.bulk_create([plan.take for plan in plans])
    authorships, quotes, positions, tags = [], [], [], []
    for plan in plans:
        pk = plan.take.pk
        authorships += [(pk, author.pk, order) for order, author in enumerate(plan.authors)]
        quotes += [(pk, text, speaker, headline, order) for text, speaker, headline, order in plan.quotes]
        tags += [(pk, theme.pk) for theme in plan.themes]
        positions += [(pk, question, stance, confidence, "") for question, stance, confidence in plan.positions]
    copy_rows(TakeAuthor, ["take", "expert", "order"], authorships)
    copy_rows(Quote, ["take", "text", "speaker", "is_headline", "order"], quotes)
    copy_rows(Position, ["take", "question", "stance", "confidence", "note"], positions)
    copy_rows(Take.themes.through, ["take", "theme"], tags)
    predictions = _predictions(plans)
    copy_rows(Prediction, PREDICTION_FIELDS, predictions)
    return {
        "predictions": len(predictions),
        "takes": len(plans),
        "authorships": len(authorships),
        "quotes": len(quotes),
        "positions": len(positions),
        "theme tags": len(tags),
    }


def _outlets_and_experts(
    spec: CorpusSpec, rng: random.Random, tag: str, report: CorpusReport, progress: Callable[[str], None]
) -> tuple[list[Publication], list[Expert]]:
    """The synthetic outlets and experts, stored."""
    publications = Publication.objects.bulk_create(
        Publication(
            name=f"Synthetic Outlet {n} (seed {spec.seed})",
            slug=f"{tag}-outlet-{n}",
            kind=rng.choice(PublicationKind.values),
            homepage=f"https://outlet-{n}.{SYNTHETIC}.invalid/",
            description="Synthetic outlet generated for benchmarks.",
        )
        for n in range(spec.outlet_count())
    )
    report.rows["publications"] = len(publications)

    experts: list[Expert] = []
    for chunk in _chunks(spec.experts, spec.batch_size):
        experts += Expert.objects.bulk_create(
            Expert(
                name=f"Synthetic Expert {n}",
                slug=f"{tag}-expert-{n}",
                sort_name=f"Expert {n:07d}, Synthetic",
                bio="Synthetic expert generated for benchmarks.",
            )
            for n in chunk
        )
    report.rows["experts"] = len(experts)
    progress(f"{len(publications)} outlets, {len(experts)} experts")
    return publications, experts


def _make_world(
    spec: CorpusSpec,
    rng: random.Random,
    text: TextMaker,
    tag: str,
    report: CorpusReport,
    progress: Callable[[str], None],
) -> _World:
    """Outlets, experts, collections and themes stored; what the takes will be drawn from."""
    publications, experts = _outlets_and_experts(spec, rng, tag, report, progress)
    # Many authors per outlet: each expert has a home outlet; a Zipf share of takes per expert.
    home = {e.pk: publications[i % len(publications)] for i, e in enumerate(experts)}
    # The busiest experts are spread through the alphabet, not bunched at the start of the A–Z list.
    author_weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(experts))]
    rng.shuffle(author_weights)
    questions = _questions()
    themes = _themes(tag)
    theme_weights = [1.0 / (rank + 1) for rank in range(len(themes))]
    # A few outlets run series (collections) of answers to one prompt.
    collections = Collection.objects.bulk_create(
        Collection(
            title=f"Synthetic collection {n}",
            slug=f"{tag}-collection-{n}",
            prompt="What should come after Hanoi? (synthetic)",
            publication=publications[n % len(publications)],
        )
        for n in range(max(1, spec.takes // 500))
    )
    report.rows["themes"] = len(themes)
    report.rows["collections"] = len(collections)
    stance_weights = {q.pk: [rng.random() ** 2 + 0.05 for _ in stances] for q, stances in questions}

    dates = _dates(rng, spec.takes)
    return _World(
        spec=spec,
        rng=rng,
        text=text,
        tag=tag,
        dates=dates,
        experts=experts,
        author_weights=author_weights,
        home=home,
        collections=collections,
        themes=themes,
        theme_weights=theme_weights,
        questions=questions,
        stance_weights=stance_weights,
    )


def generate(spec: CorpusSpec, progress: Callable[[str], None] = lambda message: None) -> CorpusReport:
    """Fill the database with a synthetic corpus. Takes are inserted in date order (rowid order = date order)."""
    rng = random.Random(spec.seed)
    text = TextMaker(rng)
    report = CorpusReport()
    began = time.perf_counter()
    tag = f"{SYNTHETIC}-s{spec.seed}"

    with transaction.atomic(), search_index.bulk_load(connection), data_version.lifted(connection):
        world = _make_world(spec, rng, text, tag, report, progress)
        counts = {"takes": 0, "authorships": 0, "quotes": 0, "positions": 0, "theme tags": 0, "predictions": 0}
        # The next chunk is planned (pure Python: text, choices) in a second thread while this one
        # waits for the database to store the current chunk: the two overlap instead of taking
        # turns. Only the planning thread draws random numbers, chunk after chunk, so the corpus
        # is the same for a seed.
        with ThreadPoolExecutor(max_workers=1) as planner:
            chunks = list(_chunks(spec.takes, spec.batch_size))
            pending = planner.submit(world.plan, chunks[0]) if chunks else None
            for index in range(len(chunks)):
                plan = pending.result()
                pending = planner.submit(world.plan, chunks[index + 1]) if index + 1 < len(chunks) else None
                stored = _store(plan)
                for name, value in stored.items():
                    counts[name] += value
                elapsed = time.perf_counter() - began
                progress(
                    f"takes {counts['takes']:,}/{spec.takes:,}  quotes {counts['quotes']:,}  "
                    f"{elapsed:,.1f}s  {sum(counts.values()) / elapsed:,.0f} rows/s"
                )
        report.rows.update(counts)
    report.seconds = time.perf_counter() - began
    return report
