"""The shipped seed collection loads completely, loads twice without duplicates, and round-trips."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from archive.models import Expert, Position, Quote, Relation, Response, Take

pytestmark = pytest.mark.django_db
SEED = Path(settings.BASE_DIR) / "fixtures" / "seed.json"
SOURCES = Path(settings.BASE_DIR) / "fixtures" / "sources"  # the two source documents, verbatim


def test_seed_models_both_takes_with_their_experts(seed_documents):
    larison = Take.objects.get(slug="washingtons-continuing-failure-to-understand-our-adversaries")
    assert [a.expert.name for a in larison.authorships.all()] == ["Daniel Larison"]
    assert larison.publication.name == "The American Conservative"
    speakers = set(larison.quotes.values_list("speaker__name", flat=True))
    assert {"Steven Metz", "Geoffrey Cain", "Graham Allison", "Daniel Larison"} <= speakers

    soo_kim = Take.objects.get(url="https://nationalinterest.org/node/47282")
    assert soo_kim.collection.slug == "hanoi-summit-80-experts"
    assert soo_kim.date_display == "March 2019"
    assert soo_kim.quotes.get(is_headline=True).text.startswith("Kim, with nukes and missiles in tow")
    expert = Expert.objects.get(slug="soo-kim")
    assert {a.organization for a in expert.affiliations.all()} == {
        "Central Intelligence Agency",
        "The Hill",
        "Foundation for Defense of Democracies",
    }


def test_first_seed_agrees_with_metz_and_cain_and_disputes_allison(seed_documents):
    relations = {(r.expert.name, r.relation) for r in Response.objects.select_related("expert")}
    assert relations == {
        ("Steven Metz", Relation.AGREES),
        ("Geoffrey Cain", Relation.AGREES),
        ("Graham Allison", Relation.DISPUTES),
    }


def test_seed_positions_cover_three_to_five_questions(seed_documents):
    questions = set(Position.objects.values_list("question__slug", flat=True))
    assert 3 <= len(questions) <= 5
    for position in Position.objects.select_related("stance", "evidence"):
        assert position.stance.question_id == position.question_id
        assert position.evidence is None or position.evidence.take_id == position.take_id


def test_full_texts_and_quotes_are_verbatim_from_the_seed_documents(seed_documents):
    texts = [p.read_text(encoding="utf-8") for p in SOURCES.glob("*.txt")]
    assert len(texts) == 2
    for take in Take.objects.all():
        assert any(take.body in text for text in texts)
    for quote in Quote.objects.all():
        assert any(quote.text in text for text in texts), quote.text


def test_loading_twice_duplicates_nothing(seed_documents):
    counts = {model: model.objects.count() for model in (Take, Expert, Quote, Position, Response)}
    call_command("loaddata", str(SEED), verbosity=0)
    assert counts == {model: model.objects.count() for model in counts}


def test_the_fixture_round_trips_through_dumpdata(seed_documents, tmp_path):
    out = tmp_path / "dump.json"
    call_command("dumpdata", "archive", output=str(out), verbosity=0)
    volatile = {"created", "updated"}

    def normalise(objects):
        return sorted(
            (
                o["model"],
                o["pk"],
                json.dumps({k: v for k, v in o["fields"].items() if k not in volatile}, sort_keys=True),
            )
            for o in objects
        )

    assert normalise(json.loads(out.read_text())) == normalise(json.loads(SEED.read_text()))
