"""Issue 15 without a browser: a page for every quote, opposing takes closest in time, every theme
named, theme exclusion, stance menus narrowed to their question, experts' reasons, search in sight."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from archive.models import Status, Theme, theme_display_name
from tests.factories import (
    AffiliationFactory,
    ExpertFactory,
    PositionFactory,
    QuestionFactory,
    QuoteFactory,
    StanceFactory,
    TakeFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


def test_a_quote_has_its_own_page_with_speaker_take_outlet_stances_and_other_quotes(client):
    speaker = ExpertFactory(name="Sue Mi Terry")
    AffiliationFactory(expert=speaker, organization="Then Institute", start_year=2015, end_year=2020)
    AffiliationFactory(expert=speaker, organization="Later Institute", start_year=2022)
    take = TakeFactory(authors=[speaker], title="A take <on> Hanoi", published=datetime.date(2019, 3, 1))
    quote = QuoteFactory(take=take, speaker=speaker, text="Words worth a page.")
    position = PositionFactory(take=take, evidence=quote)
    elsewhere = TakeFactory(authors=[speaker], published=datetime.date(2019, 5, 1))
    other = QuoteFactory(take=elsewhere, speaker=speaker, text="Other words on it.")
    PositionFactory(take=elsewhere, stance=StanceFactory(question=position.question))
    unrelated = QuoteFactory(take=TakeFactory(authors=[speaker]), speaker=speaker, text="Words on nothing shared.")

    response = client.get(quote.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Words worth a page." in html and "A take &lt;on&gt; Hanoi" in html
    assert "Then Institute" in html and "Later Institute" not in html  # affiliation at the time
    assert position.stance.label in html
    assert other.text in html and unrelated.text not in html
    assert f'href="{take.get_absolute_url()}#quote-{quote.pk}"' in html
    assert f'<link rel="canonical" href="http://testserver{quote.get_absolute_url()}">' in html
    assert '<meta property="og:type" content="article">' in html
    take_page = client.get(take.get_absolute_url()).content.decode()
    assert f'id="quote-{quote.pk}"' in take_page and f'href="{quote.get_absolute_url()}"' in take_page


def test_a_drafts_quote_has_no_page(client):
    quote = QuoteFactory(take=TakeFactory(status=Status.DRAFT))
    assert client.get(quote.get_absolute_url()).status_code == 404
    assert client.get("/quotes/999999/").status_code == 404


def test_opposing_takes_hold_a_stated_opposite_stance_closest_in_date_first(client):
    question = QuestionFactory()
    walk, missed, premature = (StanceFactory(question=question, position=i) for i in range(3))
    walk.opposes.add(missed)
    take = TakeFactory(published=datetime.date(2019, 3, 1), title="The take")
    PositionFactory(take=take, stance=walk)
    far = TakeFactory(published=datetime.date(2019, 9, 1), title="Far opposite")
    near = TakeFactory(published=datetime.date(2019, 2, 20), title="Near opposite")
    other = TakeFactory(published=datetime.date(2019, 3, 2), title="Different not opposite")
    agrees = TakeFactory(published=datetime.date(2019, 3, 1), title="Same stance")
    for t, stance in ((far, missed), (near, missed), (other, premature), (agrees, walk)):
        PositionFactory(take=t, stance=stance)
    assert missed in walk.opposes.all() and walk in missed.opposes.all()  # stated once, both ways

    html = client.get(take.get_absolute_url()).content.decode()
    section = html[html.index('id="opposing-title"') :]
    assert "Opposing takes" in section
    assert section.index("Near opposite") < section.index("Far opposite")
    assert "Different not opposite" not in section and "Same stance" not in section
    assert f"{missed.label}</strong>, where this take says <strong>{walk.label}" in section


def test_every_theme_needs_a_name_that_is_not_its_slug():
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(name="arms-control", slug="arms-control")
    with pytest.raises(ValidationError):
        Theme(name="japan", slug="japan").full_clean()
    assert theme_display_name("arms-control") == "Arms control"
    assert theme_display_name("Yongbyon") == "Yongbyon"


def test_the_shipped_themes_all_have_names(seed_collection):
    names = dict(Theme.objects.values_list("slug", "name"))
    assert names["arms-control"] == "Arms control" and names["human-rights"] == "Human rights"
    assert all(name != slug for slug, name in names.items())


def test_an_import_naming_a_new_theme_by_slug_gives_it_a_readable_name(tmp_path):
    import json

    from django.core.management import call_command

    expert = {"slug": "an-expert", "name": "An Expert"}
    take = {"slug": "a-take", "title": "A take", "kind": "analysis", "status": "published", "published": "2019-03-01",
            "authors": ["an-expert"], "themes": ["nuclear-energy", "Arms talks"]}  # fmt: skip
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"experts": [expert], "takes": [take]}), encoding="utf-8")
    call_command("import_takes", str(path), verbosity=0)
    assert set(Theme.objects.values_list("name", flat=True)) == {"Nuclear energy", "Arms talks"}


def test_theme_not_leaves_a_theme_out_of_takes_and_quotes(client):
    kept, dropped = ThemeFactory(), ThemeFactory()
    a, b = TakeFactory(title="Kept take"), TakeFactory(title="Dropped take")
    a.themes.set([kept])
    b.themes.set([kept, dropped])
    QuoteFactory(take=a, text="Kept words.")
    QuoteFactory(take=b, text="Dropped words.")
    takes = client.get(f"/takes/?theme_not={dropped.slug}").content.decode()
    assert "Kept take" in takes and "Dropped take" not in takes
    assert f"Without: {dropped.name}" in takes
    quotes = client.get(f"/quotes/?theme_not={dropped.slug}").content.decode()
    assert "Kept words." in quotes and "Dropped words." not in quotes
    unknown = client.get("/takes/?theme_not=no-such-theme")
    assert unknown.status_code == 200 and "no-such-theme" in unknown.content.decode()


def test_stance_menus_offer_only_the_chosen_questions_stances(client):
    one, two = QuestionFactory(short_label="One"), QuestionFactory(short_label="Two")
    s1, s2 = StanceFactory(question=one, label="Stance of one"), StanceFactory(question=two, label="Stance of two")
    PositionFactory(take=TakeFactory(), stance=s1)
    PositionFactory(take=TakeFactory(), stance=s2)
    for path in ("/experts/", "/quotes/", "/takes/"):
        narrowed = client.get(f"{path}?question={one.slug}").content.decode()
        assert "Stance of one" in narrowed and "Stance of two" not in narrowed, path
    grouped = client.get("/experts/").content.decode()
    assert '<optgroup label="One">' in grouped and '<optgroup label="Two">' in grouped


def test_experts_by_stance_give_the_summary_sentence_when_there_is_no_evidence(client):
    stance = StanceFactory()
    take = TakeFactory(summary="First point made here. Second point follows.", title="Why they hold it")
    PositionFactory(take=take, stance=stance)
    html = client.get(f"/experts/?question={stance.question.slug}").content.decode()
    assert "First point made here." in html and "Second point follows." not in html
    assert "Why they hold it" in html and "confidence: medium" in html


def test_search_is_in_plain_sight(client):
    html = client.get("/").content.decode()
    assert f'action="{reverse("search")}"' in html and 'id="header-q"' in html and 'id="home-q"' in html
    assert f'href="{reverse("quote_list")}"' in html  # the Quotes figure is a link
    assert ">Search</a>" in html
