"""The shipped starter collection: real takes as facts and own-words summaries, loaded by `make run`."""

import datetime
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, F

from archive.models import Collection, Expert, Position, Publication, Question, Quote, Response, Stance, Status, Take

pytestmark = pytest.mark.django_db
STARTER = Path(settings.BASE_DIR) / "fixtures" / "starter-collection.json"
SOURCES = Path(settings.BASE_DIR) / "fixtures" / "sources"


def test_the_collection_has_the_promised_shape(seed_collection):
    takes = Take.objects.published()
    assert takes.count() >= 60
    authors = Expert.objects.filter(authorships__take__in=takes).distinct()
    assert authors.count() >= 50
    assert Publication.objects.filter(takes__in=takes).distinct().count() >= 15
    assert takes.filter(collection__slug="hanoi-summit-80-experts").count() >= 12
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


def starter_slugs() -> set[str]:
    return {take["slug"] for take in json.loads(STARTER.read_text(encoding="utf-8"))["takes"]}


def test_the_seed_quotes_are_verbatim_from_the_seed_documents(seed_collection):
    texts = [p.read_text(encoding="utf-8") for p in SOURCES.glob("*.txt")]
    seed_quotes = Quote.objects.exclude(take__slug__in=starter_slugs())
    assert seed_quotes.count() == 13
    for quote in seed_quotes:
        assert any(quote.text in text for text in texts), quote.text
    starter = json.loads(STARTER.read_text(encoding="utf-8"))
    assert all(not take.get("body") for take in starter["takes"])  # no full texts: quotes only


def test_the_starter_takes_quote_their_authors(seed_collection):
    quotes = Quote.objects.filter(take__slug__in=starter_slugs())
    assert quotes.count() >= 167
    takes = Take.objects.filter(slug__in=starter_slugs())
    assert takes.filter(quotes__isnull=False).distinct().count() >= 57
    evidence = Position.objects.filter(take__in=takes, evidence__isnull=False)
    assert evidence.count() >= 93
    assert evidence.values("evidence").distinct().count() >= 82


def test_a_date_no_source_states_is_left_unknown(seed_collection):
    # these answers' pages state no date; the collection's month is not theirs to borrow
    for slug in ("hanoi-summit-we-asked-olivia-enos", "hanoi-summit-we-asked-abigail-bard"):
        take = Take.objects.get(slug=slug)
        assert take.published is None, slug
        assert take.date_display == "date unknown"


def test_every_starter_quote_is_short_and_says_where_it_was_read(seed_collection):
    for quote in Quote.objects.filter(take__slug__in=starter_slugs()).select_related("take"):
        assert quote.text.strip(), quote.take.slug
        assert len(quote.text.split()) <= 60, (quote.take.slug, quote.text)
        assert quote.speaker_id is not None, (quote.take.slug, quote.text)
        assert quote.source_url.startswith(("https://", "http://")), (quote.take.slug, quote.text)


def test_a_quote_named_as_evidence_is_a_quote_of_the_same_take(seed_collection):
    assert Position.objects.filter(evidence__isnull=False).count() >= 96
    assert not Position.objects.filter(evidence__isnull=False).exclude(evidence__take=F("take")).exists()
    assert not Response.objects.filter(quote__isnull=False).exclude(quote__take=F("take")).exists()


def test_take_urls_carry_no_tracking_parameters_or_trailing_dot_hosts(seed_collection):
    for slug, url, archived in Take.objects.values_list("slug", "url", "archived_url"):
        for address in filter(None, (url, archived)):
            parts = urlsplit(address)
            names = [name.lower() for name, _value in parse_qsl(parts.query, keep_blank_values=True)]
            assert not [n for n in names if n.startswith("utm_") or n in ("ref", "barrier")], (slug, address)
            assert not parts.hostname.endswith("."), (slug, address)
        assert "[칼럼]" not in Take.objects.get(slug=slug).title


def test_the_collection_says_how_many_of_its_80_answers_the_archive_holds(seed_collection):
    collection = Collection.objects.get(slug="hanoi-summit-80-experts")
    held = collection.takes.count()
    assert held >= 12
    assert f"The archive holds {held} of the 80 answers" in collection.description


def test_the_take_page_links_each_quote_to_where_it_was_read(client, seed_collection):
    take = Take.objects.get(slug="hanoi-summit-we-asked-erin-connolly")
    html = client.get(take.get_absolute_url()).content.decode()
    for quote in take.quotes.all():
        assert f'<a href="{quote.source_url}" rel="noopener noreferrer">read at</a>' in html


def test_loading_again_changes_nothing(seed_collection):
    before = list(Take.objects.order_by("slug").values_list("slug", "updated"))
    call_command("load_fixtures", verbosity=0)
    assert list(Take.objects.order_by("slug").values_list("slug", "updated")) == before


def test_imported_takes_are_found_by_search_at_once(seed_collection):
    take = Take.objects.get(slug="hanoi-summit-we-asked-erin-connolly")
    assert take.status == Status.PUBLISHED
    assert take in Take.objects.published().search("Connolly miscommunication")
