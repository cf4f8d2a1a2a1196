"""The /quotes/ filter menus: the speaker menu lists exactly the first public experts by name."""

import pytest

from archive.filters.quotes import CHOICES_LISTED, first_public_experts
from archive.models import Expert, Status
from tests.factories import ExpertFactory, QuoteFactory, ResponseFactory, TakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """Experts public by each route (author, speaker, responded to), and some only in drafts,
    with names interleaved so every route supplies some of the first ones."""
    names = iter(f"{letter} Person" for letter in "QAKCMEBOGDNHFILJP")
    for _ in range(2):
        TakeFactory(authors=[ExpertFactory(name=next(names))])
        QuoteFactory(speaker=ExpertFactory(name=next(names)), take__authors=[ExpertFactory(name=next(names))])
        ResponseFactory(expert=ExpertFactory(name=next(names)), take__authors=[ExpertFactory(name=next(names))])
        TakeFactory(status=Status.DRAFT, authors=[ExpertFactory(name=next(names))])
        QuoteFactory(speaker=ExpertFactory(name=next(names)), take__status=Status.DRAFT, take__authors=[])
        ExpertFactory(name=next(names))  # in no take at all


def test_the_first_public_experts_are_those_of_public_in_name_order(people):
    everyone = list(Expert.objects.public().order_by("sort_name", "name", "pk"))
    assert len(everyone) == 10
    assert Expert.objects.count() == 18  # two more: the authors the factory gives the draft quotes' takes
    for limit in range(1, 13):
        assert first_public_experts(limit) == [(e.slug, e.name) for e in everyone[:limit]]


def test_the_speaker_menu_lists_public_experts_only(client, people):
    page = client.get("/quotes/").content.decode()
    for expert in Expert.objects.all():
        listed = f'<option value="{expert.slug}"' in page
        assert listed == Expert.objects.public().filter(pk=expert.pk).exists(), expert.name


def test_past_the_limit_the_speaker_menu_keeps_only_the_chosen_expert(client):
    experts = ExpertFactory.create_batch(CHOICES_LISTED + 1)
    TakeFactory(authors=experts)
    page = client.get(f"/quotes/?speaker={experts[5].slug}").content.decode()
    assert f'<option value="{experts[5].slug}" selected>' in page
    assert f'<option value="{experts[6].slug}"' not in page
    assert "Too many to list" in page
