"""Every write refuses bad data with a message, never a crash (issue 21, findings 3-6 and 8): the
admin's forms, the models' ``full_clean()``, the importer's dry run and real run, and raw SQL."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from archive import models
from archive.models.text import SEARCH_TEXT_LIMITS, problem
from tests.factories import ExpertFactory, PositionFactory, PublicationFactory, QuestionFactory, StanceFactory
from tests.test_admin import add_take_form

pytestmark = pytest.mark.django_db

FORBIDDEN_SAMPLES = ["\x00", "\x02", "\x1b", "\x7f", "\x85", "\u202e", "\u2066"]


def distinct_words(count: int) -> str:
    """``count`` different words (the worst case for a search vector's size)."""
    return " ".join(f"w{n:x}q" for n in range(count))


# --------------------------------------------------------------------------- the one rule


@pytest.mark.parametrize("char", FORBIDDEN_SAMPLES)
def test_the_rule_names_the_character_and_where_it_is(char):
    assert problem(f"ab{char}c").startswith("contains a")
    assert f"(U+{ord(char):04X}) at character 3" in problem(f"ab{char}c")


@pytest.mark.parametrize("text", ["plain", "tab\tnew\nline\r\n", "عربي עברית 漢字 🙂", "zero\u200bwidth \u200f mark"])
def test_ordinary_text_in_any_script_passes(text):
    assert problem(text) is None
    models.Expert(name=text, slug="someone", sort_name=text).full_clean()


@pytest.mark.parametrize("char", FORBIDDEN_SAMPLES)
def test_the_models_refuse_forbidden_characters_in_text_and_urls(char):
    take = models.Take(title="Fine", slug="fine", url=f"http://example.com/{char}", body=f"x{char}y")
    with pytest.raises(ValidationError) as raised:
        take.full_clean()
    assert {"url", "body"} <= set(raised.value.message_dict)


def test_searchable_texts_are_capped_below_the_search_vector_limit():
    take = models.Take(title="Long", slug="long", body="x" * (SEARCH_TEXT_LIMITS["body"] + 1))
    with pytest.raises(ValidationError) as raised:
        take.full_clean()
    assert "at most 100000 characters" in " ".join(raised.value.message_dict["body"])


def test_the_longest_allowed_take_of_distinct_words_is_stored_and_indexed():
    """At the caps, with every word different, the search vector still fits (PostgreSQL: < 1 MB)."""
    limits = SEARCH_TEXT_LIMITS

    def words_of(limit: int) -> str:
        text = distinct_words(limit // 5)
        return text[:limit]

    take = models.Take.objects.create(
        title="t" * 500,
        slug="longest",
        standfirst=words_of(limits["standfirst"]),
        summary=words_of(limits["summary"]),
        body=words_of(limits["body"]),
        status=models.Status.PUBLISHED,
    )
    take.full_clean()
    models.Quote.objects.create(take=take, text=words_of(limits["quote"]))
    assert models.Take.objects.filter(pk=take.pk).exists()


# --------------------------------------------------------------------------- the admin


def test_admin_a_huge_body_is_a_form_error_not_a_500(admin_client):
    data = add_take_form(PublicationFactory(), [ExpertFactory()], StanceFactory())
    data["body"] = distinct_words(150_000)
    response = admin_client.post(reverse("admin:archive_take_add"), data)
    assert response.status_code == 200
    assert "at most 100000 characters" in response.content.decode()
    assert not models.Take.objects.exists()


@pytest.mark.parametrize("char", ["\x00", "\x03", "\u202e"])
def test_admin_control_and_override_characters_are_form_errors(admin_client, char):
    data = add_take_form(PublicationFactory(), [ExpertFactory()], StanceFactory())
    data["title"] = f"Kim {char} will not"
    data["quotes-0-text"] = f"Quote {char}"
    response = admin_client.post(reverse("admin:archive_take_add"), data)
    assert response.status_code == 200
    assert response.content.decode().count(f"U+{ord(char):04X}") >= 1 or char == "\x00"
    assert not models.Take.objects.exists()


def test_admin_a_stance_in_use_cannot_move_to_another_question(admin_client):
    position = PositionFactory()
    stance, elsewhere = position.stance, QuestionFactory()
    data = {"question": str(elsewhere.pk), "label": stance.label, "slug": stance.slug, "position": "7"}
    response = admin_client.post(reverse("admin:archive_stance_change", args=[stance.pk]), data)
    assert response.status_code == 200
    assert "cannot move to another one" in response.content.decode()
    stance.refresh_from_db()
    assert stance.question_id == position.question_id


def test_admin_a_stance_nobody_holds_can_move(admin_client):
    stance, elsewhere = StanceFactory(), QuestionFactory()
    data = {"question": str(elsewhere.pk), "label": stance.label, "slug": stance.slug, "position": "7"}
    response = admin_client.post(reverse("admin:archive_stance_change", args=[stance.pk]), data)
    assert response.status_code == 302
    stance.refresh_from_db()
    assert stance.question_id == elsewhere.pk


# --------------------------------------------------------------------------- the importer


def run_import(tmp_path, document: dict, *args: str) -> str:
    path = tmp_path / "import.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    out = io.StringIO()
    call_command("import_takes", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


HOSTILE_IMPORTS = [
    ({"takes": [{"slug": "x", "title": "x", "url": "http://example.com/\u0000"}]}, 'takes[0] "x": url: '),
    ({"takes": [{"slug": "x", "title": "x", "summary": "a\u0000b"}]}, 'takes[0] "x": summary: '),
    ({"takes": [{"slug": "x", "title": "x\u202e"}]}, 'takes[0] "x": title: '),
    ({"takes": [{"slug": "x", "title": "x", "body": distinct_words(150_000)}]}, 'takes[0] "x": body: '),
    ({"takes": [{"slug": "x", "title": "x", "quotes": [{"text": "q\x02"}]}]}, 'takes[0] "x": quotes[0]: text: '),
    ({"takes": [{"slug": "x", "title": "x", "authors": ["a\u0000"]}]}, 'takes[0] "x": authors[0]: '),
    ({"takes": [{"slug": "x", "title": "x", "publication": "p\u0000"}]}, 'takes[0] "x": publication: '),
    ({"takes": [{"slug": "x", "title": "x", "themes": ["t\x01"]}]}, 'takes[0] "x": themes[0]: '),
]


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real"])
@pytest.mark.parametrize("document, where", HOSTILE_IMPORTS)
def test_import_refuses_what_the_database_cannot_hold_naming_item_and_field(tmp_path, document, where, dry_run):
    with pytest.raises(CommandError) as refused:
        run_import(tmp_path, document, *(["--dry-run"] if dry_run else []))
    report = str(refused.value)
    assert "nothing was written" in report
    assert where in report, report
    assert not models.Take.objects.exists() and not models.Expert.objects.exists()


def test_import_a_lone_surrogate_never_reaches_the_database(tmp_path):
    path = tmp_path / "surrogate.json"
    path.write_bytes(b'{"experts": [{"slug": "e", "name": "E\\ud800"}]}')
    try:
        call_command("import_takes", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    except CommandError as refused:
        assert 'experts[0] "e": name: ' in str(refused)
    names = list(models.Expert.objects.values_list("name", flat=True))
    assert names in ([], ["E?"], ["E\ufffd"])


def test_import_a_stance_of_another_question_is_refused(tmp_path):
    position = PositionFactory()
    other = QuestionFactory(slug="other-question")
    document = {
        "takes": [{"slug": "x", "title": "x", "positions": [{"question": other.slug, "stance": position.stance.slug}]}]
    }
    with pytest.raises(CommandError) as refused:
        run_import(tmp_path, document)
    assert "is a stance of another question" in str(refused.value)


# --------------------------------------------------------------------------- the database itself


@pytest.mark.parametrize("char", ["\x01", "\x1f", "\x7f", "\u202e", "\u2069"])
def test_raw_sql_cannot_store_forbidden_characters(char):
    expert = ExpertFactory()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE archive_expert SET bio = %s WHERE id = %s", [f"bio {char}", expert.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO archive_theme (name, slug, description) VALUES (%s, %s, '')", [f"n{char}", "raw-theme"]
        )
    with connection.cursor() as cursor:  # text without them is stored as ever
        cursor.execute("UPDATE archive_expert SET bio = %s WHERE id = %s", ["tab\tand\nnewline", expert.pk])
    expert.refresh_from_db()
    assert expert.bio == "tab\tand\nnewline"


def test_raw_sql_cannot_store_nul():
    expert = ExpertFactory()
    with pytest.raises(Exception) as raised, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE archive_expert SET bio = %s WHERE id = %s", ["a\x00b", expert.pk])
    assert not isinstance(raised.value, AssertionError)
    expert.refresh_from_db()
    assert "\x00" not in expert.bio
