"""The shipped starter collection: real takes as facts and own-words summaries, loaded by `make run`."""

import datetime
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count

from archive.models import Expert, Publication, Question, Quote, Stance, Status, Take

pytestmark = pytest.mark.django_db
STARTER = Path(settings.BASE_DIR) / "fixtures" / "starter-collection.json"
SOURCES = Path(settings.BASE_DIR) / "fixtures" / "sources"


def test_the_collection_has_the_promised_shape(seed_collection):
    takes = Take.objects.published()
    assert takes.count() >= 60
    authors = Expert.objects.filter(authorships__take__in=takes).distinct()
    assert authors.count() >= 50
    assert Publication.objects.filter(takes__in=takes).distinct().count() >= 15
    assert takes.filter(collection__slug="hanoi-summit-80-experts").count() >= 10
    assert 4 <= Question.objects.count() <= 6


def test_every_take_has_a_source_url_and_a_position(seed_collection):
    assert not Take.objects.filter(url="").exists()
    assert not Take.objects.annotate(n=Count("positions")).filter(n=0).exists()
    assert not Take.objects.filter(summary="").exists()


def test_every_stance_is_used(seed_collection):
    unused = Stance.objects.annotate(n=Count("positions")).filter(n=0)
    assert list(unused.values_list("question__slug", "slug")) == []


def test_takes_are_from_the_run_up_to_the_year_after(seed_collection):
    dated = Take.objects.exclude(published=None)
    assert dated.filter(published__lt=datetime.date(2019, 1, 1)).count() == 0
    assert dated.filter(published__gt=datetime.date(2020, 12, 31)).count() == 0


def test_quote_text_comes_only_from_the_seed_documents(seed_collection):
    texts = [p.read_text(encoding="utf-8") for p in SOURCES.glob("*.txt")]
    for quote in Quote.objects.all():
        assert any(quote.text in text for text in texts), quote.text
    starter = json.loads(STARTER.read_text(encoding="utf-8"))
    assert all(not take.get("quotes") and not take.get("body") for take in starter["takes"])


def test_loading_again_changes_nothing(seed_collection):
    before = list(Take.objects.order_by("slug").values_list("slug", "updated"))
    call_command("load_fixtures", verbosity=0)
    assert list(Take.objects.order_by("slug").values_list("slug", "updated")) == before


def test_imported_takes_are_found_by_search_at_once(seed_collection):
    take = Take.objects.get(slug="hanoi-summit-we-asked-erin-connolly")
    assert take.status == Status.PUBLISHED
    assert take in Take.objects.published().search("Connolly miscommunication")
