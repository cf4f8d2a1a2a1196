"""The editorial workflow in the admin: adding a take end to end, guards, preview, history, list columns."""

from __future__ import annotations

import jinja2.meta
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.db import connection
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.editors import EDITORS_GROUP
from archive.models import Status, Take
from tests.factories import (
    ExpertFactory,
    PositionFactory,
    PublicationFactory,
    QuestionFactory,
    QuoteFactory,
    StanceFactory,
    TakeFactory,
)
from tests.test_admin import add_take_form

pytestmark = pytest.mark.django_db
ADD_URL = "admin:archive_take_add"


@pytest.fixture
def editor_client(client):
    editor = User.objects.create_user("editor", password="a-long-editor-password", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    client.force_login(editor)
    return client


def errors_of(response) -> str:
    if response.status_code != 200 or not response.context:
        return ""
    errors = [response.context["adminform"].form.errors]
    errors += [f.formset.errors for f in response.context["inline_admin_formsets"]]
    return repr(errors)


# --------------------------------------------------------------------------- adding a take


def test_the_add_screen_offers_add_another_for_outlets_and_experts(editor_client):
    page = editor_client.get(reverse(ADD_URL)).content.decode()
    assert 'id="add_id_publication"' in page
    assert 'id="add_id_authorships-0-expert"' in page
    assert 'id="add_id_quotes-0-speaker"' in page
    # the slug is filled from the title
    assert "&quot;id&quot;: &quot;#id_slug&quot;" in page
    assert "&quot;dependency_ids&quot;: [&quot;#id_title&quot;]" in page


def test_an_editor_adds_a_complete_take_from_the_add_screen(editor_client):
    authors = [ExpertFactory(), ExpertFactory()]
    stance = StanceFactory()
    response = editor_client.post(reverse(ADD_URL), add_take_form(PublicationFactory(), authors, stance))
    assert response.status_code == 302, errors_of(response)
    take = Take.objects.get(slug="kim-will-not-give-up-the-bomb")
    assert take.status == Status.DRAFT
    assert [a.expert for a in take.authorships.order_by("order")] == authors


def test_authors_keep_the_order_of_their_rows_when_no_number_is_given(admin_client):
    authors = [ExpertFactory(name="Zed"), ExpertFactory(name="Amy"), ExpertFactory(name="Bob")]
    data = add_take_form(PublicationFactory(), authors, StanceFactory())
    for n in range(3):
        data[f"authorships-{n}-order"] = "0"
    response = admin_client.post(reverse(ADD_URL), data)
    assert response.status_code == 302, errors_of(response)
    take = Take.objects.get()
    assert list(take.authorships.order_by("order").values_list("expert__name", "order")) == [
        ("Zed", 0),
        ("Amy", 1),
        ("Bob", 2),
    ]


def test_a_quote_without_a_speaker_is_the_first_authors(admin_client):
    authors = [ExpertFactory(), ExpertFactory()]
    data = add_take_form(PublicationFactory(), authors, StanceFactory())
    data["quotes-0-speaker"] = ""
    response = admin_client.post(reverse(ADD_URL), data)
    assert response.status_code == 302, errors_of(response)
    assert Take.objects.get().quotes.get().speaker == authors[0]


def test_a_new_quote_row_starts_with_the_first_author_as_speaker(admin_client):
    first = ExpertFactory(name="First Author")
    take = TakeFactory(authors=[first, ExpertFactory()])
    page = admin_client.get(reverse("admin:archive_take_change", args=[take.pk])).content.decode()
    row = page.split('name="quotes-0-speaker"')[1].split("</select>")[0]
    assert f'value="{first.pk}" selected' in row


def test_stances_are_offered_grouped_under_their_question(admin_client):
    stance = StanceFactory(label="Never", question=QuestionFactory(text="Will Kim disarm?"))
    page = admin_client.get(reverse(ADD_URL)).content.decode()
    select = page.split('name="positions-0-stance"')[1].split("</select>")[0]
    assert '<optgroup label="Will Kim disarm?">' in select
    assert f'value="{stance.pk}">Never</option>' in select
    assert "archive/admin/position_stances.js" in page


def test_a_stance_of_another_question_is_refused_with_a_clear_message(admin_client):
    stance = StanceFactory(label="Never")
    other = QuestionFactory(text="Was walking out right?")
    data = add_take_form(PublicationFactory(), [ExpertFactory()], stance)
    data["positions-0-question"] = str(other.pk)
    response = admin_client.post(reverse(ADD_URL), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "“Never” is a stance of another question" in page
    assert "not of “Was walking out right?”" in page
    assert not Take.objects.exists()


def test_a_position_given_only_a_stance_takes_the_stances_question(admin_client):
    stance = StanceFactory()
    data = add_take_form(PublicationFactory(), [ExpertFactory()], stance)
    data["positions-0-question"] = ""
    response = admin_client.post(reverse(ADD_URL), data)
    assert response.status_code == 302, errors_of(response)
    assert Take.objects.get().positions.get().question == stance.question


# --------------------------------------------------------------------------- duplicates


@pytest.mark.parametrize(
    "url",
    ["https://example.org/kim-bomb", "http://www.example.org/kim-bomb/", "https://EXAMPLE.org/kim-bomb"],
)
def test_a_take_whose_url_is_already_in_the_archive_is_refused_with_a_link(admin_client, url):
    existing = TakeFactory(url="https://example.org/kim-bomb", title="The first one <b>")
    data = add_take_form(PublicationFactory(), [ExpertFactory()], StanceFactory())
    data["url"] = url
    response = admin_client.post(reverse(ADD_URL), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "This URL is already in the archive" in page
    assert f'href="{reverse("admin:archive_take_change", args=[existing.pk])}"' in page
    assert "The first one &lt;b&gt;" in page
    assert Take.objects.count() == 1


def test_a_take_with_the_same_title_outlet_and_date_is_refused(admin_client):
    publication = PublicationFactory()
    existing = TakeFactory(title="Kim Will Not Give Up The Bomb", publication=publication, url="")
    existing.published = "2019-03-04"
    existing.save()
    response = admin_client.post(reverse(ADD_URL), add_take_form(publication, [ExpertFactory()], StanceFactory()))
    assert response.status_code == 200
    assert "title, outlet and date is already in the archive" in response.content.decode()
    assert Take.objects.count() == 1


def test_the_same_title_in_another_outlet_is_not_a_duplicate(admin_client):
    TakeFactory(title="Kim will not give up the bomb", url="")
    response = admin_client.post(
        reverse(ADD_URL), add_take_form(PublicationFactory(), [ExpertFactory()], StanceFactory())
    )
    assert response.status_code == 302, errors_of(response)


def test_saving_a_take_again_is_not_a_duplicate_of_itself(admin_client):
    take = TakeFactory(url="https://example.org/same")
    change = admin_client.get(reverse("admin:archive_take_change", args=[take.pk]))
    form = change.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name not in ("themes",)}
    data["published"] = take.published.isoformat()
    for formset in change.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{formset.formset.prefix}-{name}"] = management[name].value()
        data[f"{formset.formset.prefix}-TOTAL_FORMS"] = len(formset.formset.initial_forms)
        for n, inline_form in enumerate(formset.formset.initial_forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                data[f"{formset.formset.prefix}-{n}-{name}"] = "" if value is None else value
    response = admin_client.post(reverse("admin:archive_take_change", args=[take.pk]), data)
    assert response.status_code == 302, errors_of(response)


# --------------------------------------------------------------------------- preview


def test_editors_preview_a_draft_as_the_public_page_and_the_public_gets_404(editor_client):
    client = Client()
    draft = TakeFactory(status=Status.DRAFT, title="Unpublished <thoughts>", summary="Draft summary.")
    QuoteFactory(take=draft, text="Words not yet public.")
    preview = reverse("admin:archive_take_preview", args=[draft.pk])

    response = editor_client.get(preview)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Preview of a draft" in page
    assert "Unpublished &lt;thoughts&gt;" in page
    assert "Words not yet public." in page
    # the public take page's template, extended (a Jinja2 page reports only the template it rendered)
    assert [t.name for t in response.templates] == ["admin/archive/take/preview.html"]
    assert extended_by("admin/archive/take/preview.html") == "archive/take_detail.html"
    assert '<article class="take" aria-labelledby="take-title">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"

    assert client.get(draft.get_absolute_url()).status_code == 404
    anonymous = client.get(preview)
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def extended_by(template_name: str) -> str | None:
    """The template a Jinja2 page template extends."""
    env = engines["jinja2"].env
    source, _, _ = env.loader.get_source(env, template_name)
    return next(jinja2.meta.find_referenced_templates(env.parse(source)), None)


def test_the_preview_of_an_unknown_take_is_404(editor_client):
    assert editor_client.get(reverse("admin:archive_take_preview", args=[999999])).status_code == 404


def test_the_change_screen_links_to_the_preview_and_view_on_site_of_a_draft_opens_it(admin_client):
    draft = TakeFactory(status=Status.DRAFT)
    page = admin_client.get(reverse("admin:archive_take_change", args=[draft.pk])).content.decode()
    preview = reverse("admin:archive_take_preview", args=[draft.pk])
    assert f'href="{preview}" class="previewlink"' in page
    assert TakeAdminSite().get_view_on_site_url(draft) == preview


def TakeAdminSite():  # noqa: N802 - reads as the admin it returns
    from django.contrib import admin

    return admin.site._registry[Take]


# --------------------------------------------------------------------------- history


def test_the_change_screen_shows_who_changed_what_and_when(admin_client, admin_user):
    take = TakeFactory(status=Status.DRAFT)
    admin_client.post(reverse("admin:archive_take_changelist"), {"action": "publish", "_selected_action": [take.pk]})
    entry = LogEntry.objects.get(object_id=str(take.pk))
    assert entry.user == admin_user
    page = admin_client.get(reverse("admin:archive_take_change", args=[take.pk])).content.decode()
    assert "recent-changes" in page
    assert admin_user.get_username() in page
    assert "Changed Status." in page
    assert reverse("admin:archive_take_history", args=[take.pk]) in page


def test_edits_made_on_the_take_screen_are_in_its_history(admin_client):
    response = admin_client.post(
        reverse(ADD_URL), add_take_form(PublicationFactory(), [ExpertFactory()], StanceFactory())
    )
    assert response.status_code == 302
    take = Take.objects.get()
    page = admin_client.get(reverse("admin:archive_take_change", args=[take.pk])).content.decode()
    assert "Added." in page


# --------------------------------------------------------------------------- lists


def test_the_take_list_shows_status_and_stance_chips_escaped(admin_client):
    position = PositionFactory(stance=StanceFactory(label="Never <ever>"), take=TakeFactory(status=Status.DRAFT))
    page = admin_client.get(reverse("admin:archive_take_changelist")).content.decode()
    assert '<span class="take-status take-status-draft">Draft</span>' in page
    assert "Never &lt;ever&gt;" in page
    assert position.question.slug in page


def test_the_take_list_query_count_does_not_grow_with_the_page(admin_client, django_assert_max_num_queries):
    for _ in range(2):
        PositionFactory(take=TakeFactory(authors=[ExpertFactory(), ExpertFactory()]))
    url = reverse("admin:archive_take_changelist")
    with CaptureQueriesContext(connection) as small:
        admin_client.get(url)
    for _ in range(20):
        PositionFactory(take=TakeFactory(authors=[ExpertFactory(), ExpertFactory()]))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert admin_client.get(url).status_code == 200
