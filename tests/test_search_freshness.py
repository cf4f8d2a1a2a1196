"""Whatever writes a row, the index has it at once; whatever deletes it, it is gone at once."""

import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from archive.models import Quote, Take
from tests.factories import ExpertFactory, QuoteFactory, TakeFactory

pytestmark = pytest.mark.django_db


def found_quotes(q: str) -> set[int]:
    return set(Quote.objects.search(q).values_list("pk", flat=True))


def found_takes(q: str) -> set[int]:
    return set(Take.objects.search(q).values_list("pk", flat=True))


def test_it_indexes_orm_creates_saves_and_deletes():
    quote = QuoteFactory(text="Yongbyon was offered.")
    assert found_quotes("yongbyon") == {quote.pk}
    quote.text = "Sohae was offered."
    quote.save()
    assert found_quotes("yongbyon") == set()
    assert found_quotes("sohae") == {quote.pk}
    quote.delete()
    assert found_quotes("sohae") == set()


def test_it_indexes_take_fields_saved_through_the_orm():
    take = TakeFactory(title="Plain title")
    take.summary = "About Punggye-ri."
    take.save()
    assert found_takes("punggye") == {take.pk}
    take.body = "Full text on Tongchang-ri."
    take.save(update_fields=["body"])
    assert found_takes("tongchang") == {take.pk}


def test_it_indexes_bulk_create():
    take = TakeFactory()
    speaker = ExpertFactory()
    created = Quote.objects.bulk_create(
        [Quote(take=take, speaker=speaker, text=f"Bulk yongbyon {i}") for i in range(3)]
    )
    ids = {q.pk for q in created} if all(q.pk for q in created) else set(take.quotes.values_list("pk", flat=True))
    assert found_quotes("bulk yongbyon") == ids


def test_it_indexes_queryset_update():
    quotes = [QuoteFactory(text="Old words here.") for _ in range(2)]
    Quote.objects.filter(pk__in=[q.pk for q in quotes]).update(text="Renewed hostilities.")
    assert found_quotes("renewed") == {q.pk for q in quotes}
    assert found_quotes("old") == set()
    take = quotes[0].take
    Take.objects.filter(pk=take.pk).update(title="Retitled Sohae piece")
    assert found_takes("sohae") == {take.pk}


def test_it_forgets_queryset_and_cascading_deletes():
    quote = QuoteFactory(text="Cascade yongbyon.")
    other = QuoteFactory(text="Queryset yongbyon.")
    Quote.objects.filter(pk=other.pk).delete()
    assert found_quotes("yongbyon") == {quote.pk}
    take_id = quote.take_id
    Take.objects.filter(pk=take_id).delete()  # cascades to the quote
    assert found_quotes("yongbyon") == set()
    assert take_id not in found_takes("take")


def test_it_indexes_raw_sql_writes():
    take = TakeFactory()
    speaker = ExpertFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO archive_quote (take_id, speaker_id, text, is_headline, "order") VALUES (%s, %s, %s, %s, %s)',
            [take.pk, speaker.pk, "Raw Musudan words", False, 0],
        )
    (pk,) = found_quotes("musudan")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE archive_quote SET text = %s WHERE id = %s", ["Raw Hwasong words", pk])
    assert found_quotes("musudan") == set()
    assert found_quotes("hwasong") == {pk}
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM archive_quote WHERE id = %s", [pk])
    assert found_quotes("hwasong") == set()


def test_it_indexes_loaddata(tmp_path):
    take = TakeFactory()
    speaker = ExpertFactory()
    fixture = tmp_path / "quotes.json"
    fixture.write_text(
        json.dumps(
            [
                {
                    "model": "archive.quote",
                    "pk": 987654,
                    "fields": {
                        "take": take.pk,
                        "speaker": speaker.pk,
                        "text": "Loaded Sinpo words",
                        "is_headline": False,
                        "order": 0,
                    },
                }
            ]
        )
    )
    call_command("loaddata", str(fixture), verbosity=0)
    assert found_quotes("sinpo") == {987654}
    fixture.write_text(fixture.read_text().replace("Sinpo", "Kangson"))
    call_command("loaddata", str(fixture), verbosity=0)  # loaddata over an existing row updates it
    assert found_quotes("sinpo") == set()
    assert found_quotes("kangson") == {987654}


def test_it_indexes_admin_edits_and_deletes(client):
    admin = User.objects.create_superuser("boss", "boss@example.org", "pw-for-tests-only")
    client.force_login(admin)
    quote = QuoteFactory(text="Before the edit.")
    response = client.post(
        reverse("admin:archive_quote_change", args=[quote.pk]),
        {"take": quote.take_id, "speaker": quote.speaker_id, "text": "Admin wrote Yongbyon.", "order": 0},
    )
    assert response.status_code == 302, response.content[:2000]
    assert found_quotes("yongbyon") == {quote.pk}
    response = client.post(reverse("admin:archive_quote_delete", args=[quote.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert found_quotes("yongbyon") == set()


def test_admin_search_uses_the_engine_and_sees_drafts(client):
    from archive.models import Status

    admin = User.objects.create_superuser("boss", "boss@example.org", "pw-for-tests-only")
    client.force_login(admin)
    draft = TakeFactory(title="Draft on negotiations", status=Status.DRAFT)
    QuoteFactory(take=draft, text="Negotiating with a draft in hand.")
    TakeFactory(title="Unrelated")
    response = client.get(reverse("admin:archive_take_changelist"), {"q": "negotiating"})
    assert [t.pk for t in response.context["cl"].result_list] == [draft.pk]
    response = client.get(reverse("admin:archive_quote_changelist"), {"q": "negotiations"})
    assert len(response.context["cl"].result_list) == 1
    response = client.get(reverse("admin:archive_take_changelist"), {"q": draft.slug})
    assert [t.pk for t in response.context["cl"].result_list] == [draft.pk]
    response = client.get(reverse("admin:archive_take_changelist"), {"q": "the"})
    assert response.status_code == 200 and "too common" in response.content.decode()


def _run_pre_migrate() -> None:
    """What ``migrate`` sends before it runs a plan holding an archive migration."""
    from django.apps import apps
    from django.db.migrations import Migration
    from django.db.models.signals import pre_migrate

    config = apps.get_app_config("archive")
    plan = [(Migration("0099_alter_something", "archive"), False)]
    pre_migrate.send(
        sender=config, app_config=config, using="default", verbosity=0, interactive=False, plan=plan, apps=apps
    )


def _run_post_migrate() -> None:
    from django.apps import apps
    from django.db.models.signals import post_migrate

    config = apps.get_app_config("archive")
    post_migrate.send(
        sender=config, app_config=config, using="default", verbosity=0, interactive=False, plan=[], apps=apps
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("model", "field_name", "finder"), [(Take, "language", found_takes), (Quote, "order", found_quotes)]
)
def test_it_stays_fresh_after_a_migration_rebuilds_the_table(model, field_name, finder):
    """SQLite alters a column by remaking the table, which drops the table's triggers: the next
    migrate's post_migrate re-creates them and re-indexes what was written in between."""
    row = QuoteFactory(text="Indexed before the rebuild.") if model is Quote else TakeFactory(title="Indexed before")
    old_field = model._meta.get_field(field_name)
    new_field = old_field.clone()
    new_field.null = True
    new_field.set_attributes_from_name(field_name)
    new_field.model = model
    # As migrate does: the triggers are lifted before archive migrations (SQLite refuses to swap a
    # remade archive_quote in while other tables' triggers name it) and put back afterwards.
    _run_pre_migrate()
    try:
        with connection.schema_editor() as editor:
            editor.alter_field(model, old_field, new_field)
        # A write while the triggers are gone, as a data migration in the same run would make.
        text_field = "text" if model is Quote else "title"
        model.objects.filter(pk=row.pk).update(**{text_field: "Written during the migration about Sohae."})
        _run_post_migrate()
        assert finder("sohae") == {row.pk}
        assert finder("indexed") == set()
        later = QuoteFactory(text="Tonghae later") if model is Quote else TakeFactory(title="Tonghae later")
        assert finder("tonghae") == {later.pk}
        later.delete()
        assert finder("tonghae") == set()
    finally:
        _run_pre_migrate()
        with connection.schema_editor() as editor:
            editor.alter_field(model, new_field, old_field)
        _run_post_migrate()
