"""Editors add whole takes on one admin screen; the Editors group cannot delete."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from archive.editors import EDITORS_GROUP
from archive.models import Status, Take
from tests.factories import ExpertFactory, PublicationFactory, QuestionFactory, StanceFactory, TakeFactory

pytestmark = pytest.mark.django_db


def inline_management(prefix: str, total: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def add_take_form(publication, authors, stance) -> dict:
    data = {
        "title": "Kim will not give up the bomb",
        "slug": "kim-will-not-give-up-the-bomb",
        "standfirst": "",
        "kind": "op-ed",
        "status": "draft",
        "publication": str(publication.pk),
        "collection": "",
        "published": "2019-03-04",
        "date_precision": "day",
        "url": "https://example.org/kim-bomb",
        "archived_url": "",
        "language": "en",
        "summary": "Argues the arsenal is the regime's life insurance.",
        "body": "",
        **inline_management("authorships", len(authors)),
        **inline_management("quotes", 1),
        **inline_management("positions", 1),
        **inline_management("responses", 1),
        **inline_management("appearances", 0),
        **inline_management("predictions", 0),
        "quotes-0-text": "The arsenal is not for sale.",
        "quotes-0-speaker": str(authors[0].pk),
        "quotes-0-is_headline": "on",
        "quotes-0-order": "0",
        "positions-0-question": str(stance.question_id),
        "positions-0-stance": str(stance.pk),
        "positions-0-confidence": "high",
        "positions-0-evidence": "",
        "positions-0-note": "",
        "responses-0-relation": "disputes",
        "responses-0-expert": str(ExpertFactory(name="Graham Allison").pk),
        "responses-0-target_take": "",
        "responses-0-quote": "",
        "responses-0-note": "",
    }
    for order, expert in enumerate(authors):
        data[f"authorships-{order}-expert"] = str(expert.pk)
        data[f"authorships-{order}-order"] = str(order)
    return data


def test_the_add_take_screen_saves_a_complete_take_with_inlines(admin_client):
    authors = [ExpertFactory(name="First Author"), ExpertFactory(name="Second Author")]
    stance = StanceFactory(label="Never")
    response = admin_client.post(
        reverse("admin:archive_take_add"), add_take_form(PublicationFactory(), authors, stance)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    take = Take.objects.get(slug="kim-will-not-give-up-the-bomb")
    assert [a.expert for a in take.authorships.order_by("order")] == authors
    assert take.quotes.get().is_headline
    assert take.positions.get().stance == stance
    assert take.responses.get().expert.name == "Graham Allison"


def test_the_add_take_screen_refuses_a_stance_of_another_question(admin_client):
    authors = [ExpertFactory()]
    stance = StanceFactory()
    data = add_take_form(PublicationFactory(), authors, stance)
    data["positions-0-question"] = str(QuestionFactory().pk)
    response = admin_client.post(reverse("admin:archive_take_add"), data)
    assert response.status_code == 200
    assert "stance of another question" in response.content.decode()
    assert not Take.objects.exists()


def test_publish_action_publishes_drafts(admin_client):
    draft = TakeFactory(status=Status.DRAFT)
    admin_client.post(reverse("admin:archive_take_changelist"), {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Status.PUBLISHED


@pytest.fixture
def editor_client(client):
    editor = User.objects.create_user("editor", password="a-long-editor-password", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    client.force_login(editor)
    return client


def test_editors_can_add_and_change_but_not_delete(editor_client):
    take = TakeFactory()
    assert editor_client.get(reverse("admin:archive_take_add")).status_code == 200
    assert editor_client.get(reverse("admin:archive_take_change", args=[take.pk])).status_code == 200
    assert editor_client.post(reverse("admin:archive_take_delete", args=[take.pk]), {"post": "yes"}).status_code == 403
    assert Take.objects.filter(pk=take.pk).exists()


def test_editors_cannot_manage_users(editor_client):
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403


@pytest.mark.parametrize(
    "url_name",
    ["take", "expert", "publication", "quote", "position", "response", "question", "stance", "collection", "theme"],
)
def test_every_changelist_renders_with_facets(admin_client, seed_collection, url_name):
    response = admin_client.get(reverse(f"admin:archive_{url_name}_changelist"))
    assert response.status_code == 200


def test_view_on_site_reaches_the_public_page(admin_client, seed_collection):
    take = Take.objects.first()
    assert admin_client.get(take.get_absolute_url()).status_code == 200


def test_the_expert_and_outlet_change_lists_count_per_row_not_over_a_grouped_join(admin_client):
    """Count() over authorships × quotes grouped the whole table: 202 s at 10,000 experts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import QuoteFactory

    ann, bob = ExpertFactory(name="Ann Avery"), ExpertFactory(name="Bob Brown")
    outlet = PublicationFactory(name="Daily Outlet")
    for n in range(3):
        take = TakeFactory(publication=outlet, authors=[ann, bob] if n else [ann])
        QuoteFactory(take=take, speaker=ann)
        QuoteFactory(take=take, speaker=ann)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse("admin:archive_expert_changelist"))
    rows = {expert.name: (expert.take_count, expert.quote_count) for expert in response.context["cl"].result_list}
    assert rows == {"Ann Avery": (3, 6), "Bob Brown": (2, 0)}
    assert not any('GROUP BY "archive_expert"."id"' in q["sql"] for q in queries.captured_queries)
    response = admin_client.get(reverse("admin:archive_expert_changelist") + "?o=-4")  # most takes first
    assert [e.name for e in response.context["cl"].result_list] == ["Ann Avery", "Bob Brown"]
    response = admin_client.get(reverse("admin:archive_publication_changelist"))
    assert {p.name: p.take_count for p in response.context["cl"].result_list}["Daily Outlet"] == 3


def test_expert_autocomplete_pages_are_ordered_and_carry_no_counts(admin_client, recwarn):
    for name in ("Cho Ahn", "Abe Bell", "Bea Cole"):
        ExpertFactory(name=name, sort_name=name.split()[1])
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "archive", "model_name": "quote", "field_name": "speaker", "term": ""},
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]][:3] == ["Cho Ahn", "Abe Bell", "Bea Cole"]
    assert not [w for w in recwarn if "UnorderedObjectListWarning" in type(w.message).__name__]
