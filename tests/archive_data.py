"""A realistic archive of any size, built with factories: for query-count and page tests."""

import datetime
from dataclasses import dataclass, field

from archive import models
from tests.factories import (
    AffiliationFactory,
    CollectionFactory,
    ExpertFactory,
    PositionFactory,
    PublicationFactory,
    QuestionFactory,
    QuoteFactory,
    ResponseFactory,
    StanceFactory,
    TakeFactory,
    ThemeFactory,
)


@dataclass
class Archive:
    takes: list = field(default_factory=list)
    draft: models.Take | None = None
    experts: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    stances: dict = field(default_factory=dict)
    publications: list = field(default_factory=list)
    themes: list = field(default_factory=list)
    collection: models.Collection | None = None


def build_archive(n_takes: int, n_experts: int = 8) -> Archive:
    """``n_takes`` published takes, each with three authors, three quotes, three stances, themes
    and a response, plus one draft touching everything (which the public must never see)."""
    archive = Archive()
    archive.questions = [QuestionFactory(order=i) for i in range(3)]
    for question in archive.questions:
        archive.stances[question.pk] = [StanceFactory(question=question, position=i) for i in range(3)]
        archive.stances[question.pk][0].opposes.add(archive.stances[question.pk][2])  # the two ends oppose
    archive.publications = [PublicationFactory() for _ in range(3)]
    archive.themes = [ThemeFactory() for _ in range(4)]
    archive.collection = CollectionFactory(publication=archive.publications[0])
    archive.experts = [ExpertFactory() for _ in range(n_experts)]
    for expert in archive.experts:
        AffiliationFactory(expert=expert, current=True, start_year=2015)
        AffiliationFactory(expert=expert, current=False, start_year=2001, end_year=2010)
    experts = archive.experts
    for i in range(n_takes):
        take = TakeFactory(
            publication=archive.publications[i % 3],
            collection=archive.collection if i % 2 else None,
            kind=models.TakeKind.OP_ED if i % 3 == 0 else models.TakeKind.ANALYSIS,
            published=datetime.date(2019, 2, 28) + datetime.timedelta(days=i % 40),
            authors=[experts[i % len(experts)], experts[(i + 1) % len(experts)], experts[(i + 2) % len(experts)]],
        )
        take.themes.set(archive.themes[: 1 + i % 4])
        quotes = [
            QuoteFactory(take=take, speaker=experts[(i + j) % len(experts)], is_headline=(j == 0), order=j)
            for j in range(3)
        ]
        for q, question in enumerate(archive.questions):
            stance = archive.stances[question.pk][(i + q) % 3]
            PositionFactory(take=take, stance=stance, evidence=quotes[q])
        ResponseFactory(
            take=take,
            expert=experts[(i + 4) % len(experts)],
            relation=models.Relation.DISPUTES if i % 2 else models.Relation.AGREES,
            target_take=archive.takes[-1] if archive.takes else None,
            quote=quotes[1],
        )
        archive.takes.append(take)
    archive.draft = TakeFactory(
        title="Secret draft take",
        status=models.Status.DRAFT,
        publication=archive.publications[0],
        collection=archive.collection,
        authors=experts[:2],
    )
    archive.draft.themes.set(archive.themes)
    draft_quote = QuoteFactory(take=archive.draft, speaker=experts[0], is_headline=True, text="Draft words")
    PositionFactory(take=archive.draft, stance=archive.stances[archive.questions[0].pk][0], evidence=draft_quote)
    return archive
