"""export_takes: the import format out, deterministic, lossless through an import into an empty database.

The suite runs on SQLite and on PostgreSQL, so each round trip here is checked on both.
"""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command

from archive.models import (
    Affiliation,
    Collection,
    DatePrecision,
    Expert,
    Position,
    Publication,
    Question,
    Quote,
    Relation,
    Response,
    Stance,
    Status,
    Take,
    TakeAuthor,
    Theme,
)
from tests.factories import (
    AffiliationFactory,
    CollectionFactory,
    ExpertFactory,
    PositionFactory,
    QuoteFactory,
    ResponseFactory,
    StanceFactory,
    TakeFactory,
    ThemeFactory,
)
from tests.generate_import import build

pytestmark = pytest.mark.django_db


def export(tmp_path, name: str, *args) -> bytes:
    path = tmp_path / name
    call_command("export_takes", *args, str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return path.read_bytes()


def empty_the_archive() -> None:
    """What an empty database holds of the archive: nothing (deleted children first, PROTECT)."""
    for model in (Response, Position, Quote, TakeAuthor, Take, Collection, Stance, Question, Affiliation, Expert):
        model.objects.all().delete()
    Theme.objects.all().delete()
    Publication.objects.all().delete()
    assert not Take.objects.exists()


def import_file(tmp_path, name: str) -> str:
    out = io.StringIO()
    call_command("import_takes", str(tmp_path / name), stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def varied_archive():
    """Data exercising every exported field: date precisions, unattributed quotes, evidence, drafts."""
    soo, lee = ExpertFactory(slug="soo", name="Soo Kim", sort_name="Kim, Soo"), ExpertFactory(slug="lee")
    AffiliationFactory(expert=soo, organization="CIA", role="Analyst", start_year=2005, end_year=2015, order=0)
    AffiliationFactory(expert=soo, organization="RAND", role="", current=True, order=1)
    collection = CollectionFactory(slug="answers", url="https://example.org/answers")
    theme = ThemeFactory(name="Sanctions", slug="sanctions", description="Pressure.")
    first = TakeFactory(
        slug="b-first", authors=[lee, soo], published=datetime.date(2019, 3, 4), title="Ünïcode “quotes”"
    )
    first.themes.add(theme)
    month = TakeFactory(
        slug="a-month",
        collection=collection,
        published=datetime.date(2019, 3, 1),
        date_precision=DatePrecision.MONTH,
        authors=[soo],
    )
    draft = TakeFactory(slug="c-draft", status=Status.DRAFT, published=None, url="", authors=[lee])
    TakeFactory(slug="d-year", published=datetime.date(2019, 1, 1), date_precision=DatePrecision.YEAR, authors=[lee])
    headline = QuoteFactory(
        take=first,
        speaker=soo,
        is_headline=True,
        order=0,
        text="Line one\nline two.",
        source_url="https://copy.example/first?page=2",
    )
    QuoteFactory(take=first, speaker=None, order=1)
    stance = StanceFactory(slug="never", position=0)
    PositionFactory(take=first, stance=stance, evidence=headline, note="Firm.")
    PositionFactory(take=month, stance=StanceFactory(question=stance.question, slug="maybe", position=1))
    ResponseFactory(take=first, expert=lee, relation=Relation.DISPUTES, target_take=month, quote=headline)
    ResponseFactory(take=first, expert=lee, relation=Relation.CITES, target_take=draft)
    return first


def test_export_import_into_an_empty_database_export_again_is_identical(tmp_path, varied_archive):
    first = export(tmp_path, "first.json")
    empty_the_archive()
    out = import_file(tmp_path, "first.json")
    assert "takes: 4 created" in out
    assert export(tmp_path, "second.json") == first


def test_the_seed_collection_round_trips_byte_for_byte(tmp_path, seed_collection):
    first = export(tmp_path, "first.json")
    empty_the_archive()
    import_file(tmp_path, "first.json")
    assert export(tmp_path, "second.json") == first


def test_a_generated_archive_round_trips_and_reimports_unchanged(tmp_path):
    (tmp_path / "generated.json").write_text(json.dumps(build(40)), encoding="utf-8")
    import_file(tmp_path, "generated.json")
    first = export(tmp_path, "first.json")
    assert "takes: 0 created, 0 updated, 40 unchanged" in import_file(tmp_path, "first.json")
    empty_the_archive()
    import_file(tmp_path, "first.json")
    assert export(tmp_path, "second.json") == first


def test_the_export_is_sorted_indented_json(tmp_path, varied_archive):
    raw = export(tmp_path, "archive.json")
    data = json.loads(raw)
    assert raw.decode("utf-8") == json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    assert [t["slug"] for t in data["takes"]] == ["a-month", "b-first", "c-draft", "d-year"]
    take = data["takes"][1]
    assert take["authors"] == [a.expert.slug for a in varied_archive.authorships.order_by("order")]
    assert take["quotes"][0] == {
        "headline": True,
        "source_url": "https://copy.example/first?page=2",
        "speaker": "soo",
        "text": "Line one\nline two.",
    }
    assert take["quotes"][1]["speaker"] is None
    assert take["quotes"][1]["source_url"] == ""
    assert take["positions"][0]["quote"] == 0
    assert {d["published"] for d in data["takes"]} == {"2019-03", "2019-03-04", None, "2019"}
    assert data["experts"][[e["slug"] for e in data["experts"]].index("soo")]["affiliations"][1]["current"] is True


def test_exporting_published_takes_leaves_out_drafts_and_links_to_them(tmp_path, varied_archive):
    data = json.loads(export(tmp_path, "public.json", "--status", "published"))
    assert "c-draft" not in [t["slug"] for t in data["takes"]]
    responses = {r["relation"]: r for r in data["takes"][1]["responses"]}
    assert responses["cites"]["take"] is None
    assert responses["disputes"]["take"] == "a-month"
    empty_the_archive()
    (tmp_path / "copy.json").write_text(json.dumps(data), encoding="utf-8")
    assert "takes: 3 created" in import_file(tmp_path, "copy.json")


def test_export_to_standard_output(capsys, varied_archive):
    call_command("export_takes", "-", stderr=io.StringIO())
    assert json.loads(capsys.readouterr().out)["version"] == 1


def test_the_export_reports_progress(tmp_path, varied_archive):
    err = io.StringIO()
    call_command("export_takes", "--progress-every", "2", str(tmp_path / "x.json"), stderr=err)
    assert "exported 2 of 4 takes" in err.getvalue()
    assert "wrote 4 takes" in err.getvalue()


def test_the_export_query_count_does_not_grow_with_the_archive(tmp_path, django_assert_max_num_queries):
    for _ in range(3):
        QuoteFactory(take=PositionFactory().take)
    with django_assert_max_num_queries(20) as small:
        export(tmp_path, "small.json")
    for _ in range(12):
        QuoteFactory(take=PositionFactory().take)
    with django_assert_max_num_queries(len(small.captured_queries)):
        export(tmp_path, "large.json")
