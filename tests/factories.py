"""Factories that build archive data for tests (the fixtures are for the demo, not for tests)."""

import datetime

import factory
from factory.django import DjangoModelFactory

from archive import models


class PublicationFactory(DjangoModelFactory):
    class Meta:
        model = models.Publication

    name = factory.Sequence(lambda n: f"Outlet {n}")
    slug = factory.Sequence(lambda n: f"outlet-{n}")
    kind = models.PublicationKind.THINK_TANK


class ExpertFactory(DjangoModelFactory):
    class Meta:
        model = models.Expert

    name = factory.Sequence(lambda n: f"Expert {n}")
    slug = factory.Sequence(lambda n: f"expert-{n}")
    sort_name = factory.LazyAttribute(lambda o: o.name)


class AffiliationFactory(DjangoModelFactory):
    class Meta:
        model = models.Affiliation

    expert = factory.SubFactory(ExpertFactory)
    organization = factory.Sequence(lambda n: f"Institute {n}")
    role = "Fellow"


class CollectionFactory(DjangoModelFactory):
    class Meta:
        model = models.Collection

    title = factory.Sequence(lambda n: f"Collection {n}")
    slug = factory.Sequence(lambda n: f"collection-{n}")
    publication = factory.SubFactory(PublicationFactory)


class ThemeFactory(DjangoModelFactory):
    class Meta:
        model = models.Theme

    name = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.Sequence(lambda n: f"theme-{n}")


class QuestionFactory(DjangoModelFactory):
    class Meta:
        model = models.Question

    text = factory.Sequence(lambda n: f"Question {n}?")
    slug = factory.Sequence(lambda n: f"question-{n}")
    order = factory.Sequence(lambda n: n)


class StanceFactory(DjangoModelFactory):
    class Meta:
        model = models.Stance

    question = factory.SubFactory(QuestionFactory)
    label = factory.Sequence(lambda n: f"Stance {n}")
    slug = factory.Sequence(lambda n: f"stance-{n}")
    position = factory.Sequence(lambda n: n)


class TakeFactory(DjangoModelFactory):
    class Meta:
        model = models.Take
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Take number {n}")
    slug = factory.Sequence(lambda n: f"take-{n}")
    kind = models.TakeKind.ANALYSIS
    publication = factory.SubFactory(PublicationFactory)
    published = datetime.date(2019, 3, 1)
    status = models.Status.PUBLISHED
    url = factory.Sequence(lambda n: f"https://example.org/takes/{n}")

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if not create:
            return
        for order, expert in enumerate(extracted or [ExpertFactory()]):
            models.TakeAuthor.objects.create(take=self, expert=expert, order=order)


class QuoteFactory(DjangoModelFactory):
    class Meta:
        model = models.Quote

    take = factory.SubFactory(TakeFactory)
    text = factory.Sequence(lambda n: f"Quoted words number {n}.")
    speaker = factory.SubFactory(ExpertFactory)


class PositionFactory(DjangoModelFactory):
    class Meta:
        model = models.Position

    take = factory.SubFactory(TakeFactory)
    stance = factory.SubFactory(StanceFactory)
    question = factory.LazyAttribute(lambda o: o.stance.question)
    confidence = models.Confidence.MEDIUM


class ResponseFactory(DjangoModelFactory):
    class Meta:
        model = models.Response

    take = factory.SubFactory(TakeFactory)
    expert = factory.SubFactory(ExpertFactory)
    relation = models.Relation.AGREES
