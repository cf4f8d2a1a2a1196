"""Each rule the database enforces, tried and refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from archive.models import Affiliation, Position, Quote, Response, Stance, Take, TakeAuthor
from tests.factories import (
    AffiliationFactory,
    ExpertFactory,
    PositionFactory,
    PublicationFactory,
    QuestionFactory,
    QuoteFactory,
    StanceFactory,
    TakeFactory,
)

pytestmark = pytest.mark.django_db


def refused(fn):
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


def test_slugs_are_unique():
    take = TakeFactory()
    refused(lambda: TakeFactory(slug=take.slug))
    expert = ExpertFactory()
    refused(lambda: ExpertFactory(slug=expert.slug))
    publication = PublicationFactory()
    refused(lambda: PublicationFactory(slug=publication.slug))


def test_take_url_is_unique_when_present_and_may_be_empty_many_times():
    take = TakeFactory()
    refused(lambda: TakeFactory(url=take.url))
    TakeFactory(url="")
    TakeFactory(url="")
    assert Take.objects.filter(url="").count() == 2


@pytest.mark.parametrize(
    "field, value",
    [("kind", "rant"), ("status", "secret"), ("date_precision", "week")],
)
def test_take_choices_are_checked_by_the_database(field, value):
    take = TakeFactory()
    refused(lambda: Take.objects.filter(pk=take.pk).update(**{field: value}))


def test_choice_fields_elsewhere_are_checked_by_the_database():
    publication = PublicationFactory()
    refused(lambda: type(publication).objects.filter(pk=publication.pk).update(kind="pamphlet"))
    position = PositionFactory()
    refused(lambda: Position.objects.filter(pk=position.pk).update(confidence="certain"))


def test_a_take_cannot_be_published_in_the_future_even_through_raw_updates():
    future = datetime.date.today() + datetime.timedelta(days=30)
    refused(lambda: TakeFactory(published=future))
    take = TakeFactory()
    refused(lambda: Take.objects.filter(pk=take.pk).update(published=future))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE archive_take SET published = %s WHERE id = %s", [future, take.pk])


def test_a_take_date_before_1900_is_refused():
    refused(lambda: TakeFactory(published=datetime.date(1850, 1, 1)))


def test_date_precision_is_validated_by_the_model():
    take = TakeFactory.build(published=datetime.date(2019, 3, 12), date_precision="month")
    with pytest.raises(ValidationError, match="first day of the month"):
        take.clean()


def test_affiliation_years_must_be_ordered_and_plausible():
    refused(lambda: AffiliationFactory(start_year=2019, end_year=2015))
    refused(lambda: AffiliationFactory(start_year=19))
    AffiliationFactory(start_year=2015, end_year=2015)
    assert Affiliation.objects.count() == 1


def test_one_headline_quote_per_take():
    take = TakeFactory()
    QuoteFactory(take=take, is_headline=True)
    QuoteFactory(take=take, is_headline=False)
    refused(lambda: QuoteFactory(take=take, is_headline=True))


def test_a_quote_has_text():
    refused(lambda: QuoteFactory(text=""))


def test_stance_slug_and_position_are_unique_within_a_question():
    question = QuestionFactory()
    StanceFactory(question=question, slug="never", position=0)
    refused(lambda: StanceFactory(question=question, slug="never", position=1))
    refused(lambda: StanceFactory(question=question, slug="other", position=0))
    StanceFactory(slug="never", position=0)  # another question may reuse both
    assert Stance.objects.filter(slug="never").count() == 2


def test_a_take_holds_one_stance_per_question():
    position = PositionFactory()
    other = StanceFactory(question=position.question)
    refused(lambda: PositionFactory(take=position.take, stance=other))


def test_a_stance_of_another_question_is_refused_by_database_and_model():
    take = TakeFactory()
    question = QuestionFactory()
    foreign_stance = StanceFactory()
    refused(lambda: Position.objects.create(take=take, question=question, stance=foreign_stance))
    with pytest.raises(ValidationError, match="another question"):
        Position(take=take, question=question, stance=foreign_stance).clean()


def test_a_stance_cannot_move_to_another_question_while_positions_use_it():
    position = PositionFactory()
    refused(lambda: Stance.objects.filter(pk=position.stance_id).update(question=QuestionFactory()))


def test_evidence_quote_must_come_from_the_same_take():
    position = PositionFactory()
    stranger = QuoteFactory()
    refused(lambda: Position.objects.filter(pk=position.pk).update(evidence=stranger))
    own = QuoteFactory(take=position.take)
    Position.objects.filter(pk=position.pk).update(evidence=own)
    refused(lambda: Quote.objects.filter(pk=own.pk).update(take=TakeFactory()))


def test_response_quote_must_come_from_the_responding_take():
    take = TakeFactory()
    refused(lambda: Response.objects.create(take=take, expert=ExpertFactory(), relation="agrees", quote=QuoteFactory()))


def test_a_take_cannot_respond_to_itself_and_relations_are_checked():
    take = TakeFactory()
    expert = ExpertFactory()
    refused(lambda: Response.objects.create(take=take, expert=expert, relation="agrees", target_take=take))
    refused(lambda: Response.objects.create(take=take, expert=expert, relation="loves"))


def test_an_author_appears_once_per_take():
    expert = ExpertFactory()
    take = TakeFactory(authors=[expert])
    refused(lambda: TakeAuthor.objects.create(take=take, expert=expert, order=1))


def test_deleting_an_expert_or_outlet_never_deletes_takes():
    expert = ExpertFactory()
    take = TakeFactory(authors=[expert])
    with pytest.raises(ProtectedError):
        expert.delete()
    with pytest.raises(ProtectedError):
        take.publication.delete()
    speaker = ExpertFactory()
    QuoteFactory(take=take, speaker=speaker)
    with pytest.raises(ProtectedError):
        speaker.delete()
    assert Take.objects.filter(pk=take.pk).exists()


def test_expert_sort_name_defaults_to_the_name_and_sorts_family_names():
    soo_kim = ExpertFactory(name="Soo Kim", sort_name="Kim, Soo")
    kim_jong_un = ExpertFactory(name="Kim Jong Un", sort_name="")
    allison = ExpertFactory(name="Graham Allison", sort_name="Allison, Graham")
    assert kim_jong_un.sort_name == "Kim Jong Un"
    ordered = list(type(soo_kim).objects.filter(pk__in=[soo_kim.pk, kim_jong_un.pk, allison.pk]))
    assert ordered == [allison, kim_jong_un, soo_kim]
