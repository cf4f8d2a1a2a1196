"""The take screen (issue 15): positions stacked so they fit the screen, and a quote added on the
same screen chosen as a position's evidence by its number, in one save."""

import pytest
from django.urls import reverse

from archive.admin.take_inlines import PositionInline
from archive.models import Take
from tests.factories import ExpertFactory, PublicationFactory, QuoteFactory, StanceFactory, TakeFactory
from tests.test_admin import add_take_form

pytestmark = pytest.mark.django_db


def test_positions_are_stacked_so_their_fields_fit_the_screen():
    from django.contrib.admin import StackedInline

    assert issubclass(PositionInline, StackedInline)


def test_a_new_take_names_its_new_quote_as_evidence_by_number_in_one_save(admin_client):
    authors = [ExpertFactory()]
    stance = StanceFactory(label="Never")
    data = add_take_form(PublicationFactory(), authors, stance)
    data["positions-0-evidence_number"] = "1"
    response = admin_client.post(reverse("admin:archive_take_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    take = Take.objects.get(slug="kim-will-not-give-up-the-bomb")
    position = take.positions.get()
    assert position.evidence == take.quotes.get()
    assert position.evidence.text == "The arsenal is not for sale."


def test_an_existing_take_names_a_quote_added_in_the_same_save(admin_client):
    take = TakeFactory(authors=[ExpertFactory()])
    old = QuoteFactory(take=take, text="Old words.", order=0)
    stance = StanceFactory()
    page = admin_client.get(reverse("admin:archive_take_change", args=[take.pk]))
    assert page.status_code == 200
    assert 'name="positions-0-evidence_number"' in page.content.decode()
    data = _change_form(take, old, stance)
    data.update(
        {
            **inline_management("quotes", 2, initial=1),
            "quotes-1-text": "New words, added now.",
            "quotes-1-speaker": "",
            "quotes-1-order": "1",
            "quotes-1-source_url": "",
            "positions-0-evidence_number": "2",
        }
    )
    response = admin_client.post(reverse("admin:archive_take_change", args=[take.pk]), data)
    assert response.status_code == 302, _errors(response)
    position = take.positions.get()
    assert position.evidence.text == "New words, added now."
    assert position.evidence.take_id == take.pk


def test_a_number_with_no_quote_is_refused_and_nothing_is_saved(admin_client):
    authors = [ExpertFactory()]
    data = add_take_form(PublicationFactory(), authors, StanceFactory())
    data["positions-0-evidence_number"] = "5"
    response = admin_client.post(reverse("admin:archive_take_add"), data)
    assert response.status_code == 200
    assert "There is no quote #5 on this screen." in response.content.decode()
    assert not Take.objects.filter(slug="kim-will-not-give-up-the-bomb").exists()


def test_a_list_choice_and_a_number_together_are_refused(admin_client):
    take = TakeFactory(authors=[ExpertFactory()])
    old = QuoteFactory(take=take, text="Old words.", order=0)
    data = _change_form(take, old, StanceFactory())
    data["positions-0-evidence"] = str(old.pk)
    data["positions-0-evidence_number"] = "1"
    response = admin_client.post(reverse("admin:archive_take_change", args=[take.pk]), data)
    assert response.status_code == 200
    assert "not both" in response.content.decode()
    assert not take.positions.exists()


def inline_management(prefix: str, total: int, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _errors(response):
    if not response.context:
        return response
    return [f.errors for f in response.context["inline_admin_formsets"][0].formset.forms], response.context[
        "adminform"
    ].form.errors


def _change_form(take, quote, stance) -> dict:
    data = {
        "title": take.title,
        "slug": take.slug,
        "standfirst": "",
        "kind": take.kind,
        "status": take.status,
        "publication": str(take.publication_id or ""),
        "collection": "",
        "published": take.published.isoformat() if take.published else "",
        "date_precision": take.date_precision,
        "url": take.url,
        "archived_url": "",
        "language": take.language,
        "summary": take.summary,
        "body": "",
        **inline_management("authorships", 1, initial=1),
        **inline_management("quotes", 1, initial=1),
        **inline_management("positions", 1),
        **inline_management("responses", 0),
        **inline_management("appearances", 0),
        **inline_management("predictions", 0),
        "quotes-0-id": str(quote.pk),
        "quotes-0-take": str(take.pk),
        "quotes-0-text": quote.text,
        "quotes-0-speaker": "",
        "quotes-0-order": "0",
        "quotes-0-source_url": "",
        "positions-0-question": str(stance.question_id),
        "positions-0-stance": str(stance.pk),
        "positions-0-confidence": "medium",
        "positions-0-evidence": "",
        "positions-0-note": "",
    }
    authorship = take.authorships.get()
    data.update(
        {
            "authorships-0-id": str(authorship.pk),
            "authorships-0-take": str(take.pk),
            "authorships-0-expert": str(authorship.expert_id),
            "authorships-0-order": "0",
        }
    )
    return data
