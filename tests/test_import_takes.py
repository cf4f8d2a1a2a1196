"""import_takes: the public JSON format in, all or nothing, idempotent, updates in place."""

from __future__ import annotations

import copy
import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from archive.models import (
    Affiliation,
    Collection,
    Confidence,
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
    Theme,
)
from archive.transfer import writing
from tests.factories import ExpertFactory, PositionFactory, PublicationFactory, StanceFactory, TakeFactory
from tests.generate_import import build

pytestmark = pytest.mark.django_db
ARCHIVE_MODELS = (
    Publication,
    Expert,
    Affiliation,
    Question,
    Stance,
    Collection,
    Theme,
    Take,
    Quote,
    Position,
    Response,
)


def document() -> dict:
    """A small document touching every section and every nested list."""
    return {
        "publications": [
            {"slug": "the-outlet", "name": "The Outlet", "kind": "newspaper", "homepage": "https://outlet.example/"},
            {"slug": "think-tank", "name": "A Think Tank", "kind": "think-tank", "country": "South Korea"},
        ],
        "experts": [
            {
                "slug": "soo-kim",
                "name": "Soo Kim",
                "sort_name": "Kim, Soo",
                "bio": "Former analyst.",
                "affiliations": [
                    {"organization": "CIA", "role": "Analyst", "start_year": 2005, "end_year": 2015, "current": False},
                    {"organization": "RAND", "role": "Fellow", "current": True},
                ],
            },
            {"slug": "jean-lee", "name": "Jean Lee"},
            {"slug": "kim-jong-un", "name": "Kim Jong Un", "kind": "newsmaker"},
        ],
        "questions": [
            {
                "slug": "walkout",
                "text": "Was walking out right?",
                "order": 1,
                "stances": [
                    {"slug": "yes", "label": "Yes", "meaning": "No deal beats a bad deal"},
                    {"slug": "no", "label": "No"},
                ],
            },
            {
                "slug": "denuke",
                "text": "Will the North denuclearize?",
                "stances": [{"slug": "never", "label": "Never"}],
            },
        ],
        "collections": [
            {"slug": "answers", "title": "80 answers", "prompt": "What next?", "publication": "think-tank"}
        ],
        "themes": [{"slug": "sanctions", "name": "Sanctions", "description": "Economic pressure."}],
        "takes": [
            {
                "slug": "no-deal-better",
                "title": "No deal was better than a bad deal",
                "url": "https://outlet.example/no-deal",
                "publication": "the-outlet",
                "authors": ["jean-lee", "soo-kim"],
                "published": "2019-03-01",
                "kind": "op-ed",
                "summary": "Walking away kept leverage.",
                "body": "Full text.",
                "language": "en",
                "status": "published",
                "themes": ["Sanctions", "yongbyon"],
                "quotes": [
                    {
                        "text": "Walking away was right.",
                        "speaker": "jean-lee",
                        "headline": True,
                        "source_url": "https://copy.example/no-deal",
                    },
                    {"text": "We will not give up.", "speaker": "kim-jong-un", "headline": False},
                    {"text": "Unattributed words."},
                ],
                "positions": [{"question": "walkout", "stance": "yes", "confidence": "high", "quote": 0}],
                "responses": [{"expert": "soo-kim", "relation": "agrees", "take": "eighty-answers-kim", "quote": 0}],
            },
            {
                "slug": "eighty-answers-kim",
                "title": "Kim keeps the bomb",
                "url": "https://think.example/80",
                "publication": "think-tank",
                "collection": "answers",
                "authors": ["soo-kim"],
                "published": "2019-03",
                "kind": "collection-answer",
                "themes": ["sanctions"],
                "quotes": [{"text": "Kim, with nukes in tow.", "speaker": "soo-kim", "headline": True}],
                "positions": [{"question": "denuke", "stance": "never", "quote": 0, "note": "Firm."}],
            },
            {"slug": "year-only", "title": "Sometime in 2019", "published": "2019", "authors": ["jean-lee"]},
            {"url": "https://elsewhere.example/undated", "title": "An undated piece", "published": None},
        ],
    }


def run(tmp_path, data, *args, name="takes.json") -> tuple[str, str]:
    path = tmp_path / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_takes", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(tmp_path, data) -> str:
    with pytest.raises(CommandError) as excinfo:
        run(tmp_path, data)
    return str(excinfo.value)


def row_counts() -> dict:
    return {model.__name__: model.objects.count() for model in ARCHIVE_MODELS}


# --------------------------------------------------------------------------- the happy path


def test_it_imports_every_section_and_nested_list(tmp_path):
    out, _err = run(tmp_path, document())
    assert "takes: 4 created, 0 updated, 0 unchanged" in out

    take = Take.objects.get(slug="no-deal-better")
    assert take.publication.slug == "the-outlet"
    assert [a.expert.slug for a in take.authorships.order_by("order")] == ["jean-lee", "soo-kim"]
    assert take.status == Status.PUBLISHED
    assert (take.published, take.date_precision) == (datetime.date(2019, 3, 1), DatePrecision.DAY)
    quotes = list(take.quotes.order_by("order"))
    assert [q.text for q in quotes] == ["Walking away was right.", "We will not give up.", "Unattributed words."]
    assert [q.is_headline for q in quotes] == [True, False, False]
    assert quotes[2].speaker is None
    assert [q.source_url for q in quotes] == ["https://copy.example/no-deal", "", ""]
    position = take.positions.get()
    assert (position.question.slug, position.stance.slug, position.confidence) == ("walkout", "yes", Confidence.HIGH)
    assert position.evidence == quotes[0]
    response = take.responses.get()
    assert response.relation == Relation.AGREES
    assert response.target_take.slug == "eighty-answers-kim"
    assert response.quote == quotes[0]
    assert sorted(take.themes.values_list("slug", flat=True)) == ["sanctions", "yongbyon"]
    assert Theme.objects.get(slug="sanctions").description == "Economic pressure."

    kim = Take.objects.get(slug="eighty-answers-kim")
    assert kim.collection.publication.slug == "think-tank"
    assert (kim.published, kim.date_precision, kim.date_display) == (datetime.date(2019, 3, 1), "month", "March 2019")
    assert Take.objects.get(slug="year-only").date_display == "2019"
    undated = Take.objects.get(url="https://elsewhere.example/undated")
    assert undated.slug == "an-undated-piece"
    assert undated.published is None
    assert undated.status == Status.DRAFT

    soo = Expert.objects.get(slug="soo-kim")
    assert [(a.organization, a.start_year, a.current) for a in soo.affiliations.order_by("order")] == [
        ("CIA", 2005, False),
        ("RAND", None, True),
    ]
    assert Expert.objects.get(slug="jean-lee").sort_name == "Jean Lee"
    assert list(Question.objects.get(slug="walkout").stances.values_list("slug", "position")) == [("yes", 0), ("no", 1)]


def test_takes_may_refer_to_rows_already_in_the_database(tmp_path):
    expert = ExpertFactory(slug="old-hand")
    publication = PublicationFactory(slug="old-paper")
    stance = StanceFactory(slug="maybe")
    target = TakeFactory(slug="earlier-take")
    data = {
        "takes": [
            {
                "slug": "reply",
                "title": "A reply",
                "publication": "old-paper",
                "authors": ["old-hand"],
                "positions": [{"question": stance.question.slug, "stance": "maybe"}],
                "responses": [{"expert": "old-hand", "relation": "disputes", "take": "earlier-take"}],
            }
        ]
    }
    run(tmp_path, data)
    take = Take.objects.get(slug="reply")
    assert take.publication == publication
    assert take.authorships.get().expert == expert
    assert take.positions.get().stance == stance
    assert take.responses.get().target_take == target


def test_a_dry_run_reports_and_writes_nothing(tmp_path):
    out, _err = run(tmp_path, document(), "--dry-run")
    assert "Dry run" in out
    assert "takes: 4 created" in out
    assert all(count == 0 for count in row_counts().values())


def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    run(tmp_path, document())
    before = row_counts()
    updated = dict(Take.objects.values_list("slug", "updated"))
    out, _err = run(tmp_path, document())
    for section in ("publications", "experts", "questions", "stances", "collections", "themes", "takes"):
        assert f"{section}: 0 created, 0 updated" in out, out
    assert row_counts() == before
    assert dict(Take.objects.values_list("slug", "updated")) == updated


def test_a_changed_file_updates_in_place(tmp_path):
    run(tmp_path, document())
    ids = dict(Take.objects.values_list("slug", "id"))
    quote_ids = list(Take.objects.get(slug="no-deal-better").quotes.order_by("order").values_list("id", flat=True))
    changed = document()
    take = changed["takes"][0]
    take["title"] = "No deal: the better outcome"
    take["authors"] = ["soo-kim", "jean-lee"]
    take["quotes"][1]["text"] = "We will never give up."
    take["quotes"].pop()
    take["positions"] = [{"question": "walkout", "stance": "no", "quote": 1}]
    changed["experts"][1]["bio"] = "Reporter."
    changed["questions"][0]["stances"][1]["label"] = "No, it was a mistake"
    out, _err = run(tmp_path, changed)
    assert "takes: 0 created, 1 updated, 3 unchanged" in out
    assert "experts: 0 created, 1 updated, 2 unchanged" in out
    assert "stances: 0 created, 1 updated, 2 unchanged" in out

    take = Take.objects.get(slug="no-deal-better")
    assert take.pk == ids["no-deal-better"]
    assert take.title == "No deal: the better outcome"
    assert [a.expert.slug for a in take.authorships.order_by("order")] == ["soo-kim", "jean-lee"]
    quotes = list(take.quotes.order_by("order"))
    assert [q.pk for q in quotes] == quote_ids[:2]  # updated in place, the dropped one deleted
    assert quotes[1].text == "We will never give up."
    position = take.positions.get()
    assert (position.stance.slug, position.evidence) == ("no", quotes[1])
    assert take.responses.get().quote == quotes[0]  # untouched, still pointing at its quote
    assert Expert.objects.get(slug="jean-lee").bio == "Reporter."


def test_a_changed_quote_source_url_alone_updates_the_quote_in_place(tmp_path):
    run(tmp_path, document())
    quote = Take.objects.get(slug="no-deal-better").quotes.get(order=0)
    changed = document()
    changed["takes"][0]["quotes"][0]["source_url"] = "https://outlet.example/no-deal"
    out, _err = run(tmp_path, changed)
    assert "takes: 0 created, 1 updated, 3 unchanged" in out
    assert Quote.objects.get(pk=quote.pk).source_url == "https://outlet.example/no-deal"
    out, _err = run(tmp_path, changed)
    assert "takes: 0 created, 0 updated, 4 unchanged" in out


def test_a_take_is_matched_by_url_when_its_slug_is_new(tmp_path):
    existing = TakeFactory(slug="old-slug", url="https://example.org/piece", title="Old title")
    run(tmp_path, {"takes": [{"slug": "new-slug", "url": "https://example.org/piece", "title": "New title"}]})
    existing.refresh_from_db()
    assert (existing.slug, existing.title) == ("new-slug", "New title")
    assert Take.objects.count() == 1


def test_a_missing_key_leaves_the_field_as_it_is(tmp_path):
    take = TakeFactory(slug="kept", summary="An editor's summary.", status=Status.PUBLISHED, authors=[ExpertFactory()])
    run(tmp_path, {"takes": [{"slug": "kept", "title": "Retitled"}]})
    take.refresh_from_db()
    assert take.title == "Retitled"
    assert take.summary == "An editor's summary."
    assert take.status == Status.PUBLISHED
    assert take.authorships.count() == 1


def test_a_new_take_gets_the_model_defaults_for_the_fields_the_file_leaves_out(tmp_path):
    before = timezone.now()
    run(tmp_path, {"takes": [{"slug": "bare", "title": "Only a title"}]})
    take = Take.objects.get(slug="bare")
    blank = Take(title="Only a title", slug="bare")
    for name in ("standfirst", "kind", "published", "date_precision", "url", "archived_url", "summary", "body"):
        assert getattr(take, name) == getattr(blank, name), name
    assert (take.language, take.status, take.publication, take.collection) == ("en", Status.DRAFT, None, None)
    assert before <= take.created <= take.updated <= timezone.now()


def test_the_generated_benchmark_file_imports_and_reimports_unchanged(tmp_path):
    data = build(60)
    out, _err = run(tmp_path, data)
    assert "takes: 60 created" in out
    assert Response.objects.filter(target_take__isnull=False).exists()
    out, _err = run(tmp_path, data)
    assert "takes: 0 created, 0 updated, 60 unchanged" in out


def exported(tmp_path) -> bytes:
    path = tmp_path / "export.json"
    call_command("export_takes", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return path.read_bytes()


def test_takes_written_in_many_chunks_are_the_same_as_in_one(tmp_path, monkeypatch):
    data = build(30)
    run(tmp_path, data)
    in_one = exported(tmp_path)
    for model in reversed(ARCHIVE_MODELS):
        model.objects.all().delete()
    monkeypatch.setattr(writing, "WRITE_CHUNK", 4)
    out, _err = run(tmp_path, data)
    assert "takes: 30 created" in out
    assert exported(tmp_path) == in_one
    out, _err = run(tmp_path, data)
    assert "takes: 0 created, 0 updated, 30 unchanged" in out


def test_a_row_the_database_refuses_in_a_late_chunk_leaves_nothing_written(tmp_path, monkeypatch):
    """Takes go in chunks of 4; the positions of the sixth are given a stance of another question."""
    monkeypatch.setattr(writing, "WRITE_CHUNK", 4)
    insert_rows, chunks = writing.insert_rows, []

    def spoiled(model, fields, rows, **kwargs):
        if model is Position:
            chunks.append(rows)
            if len(chunks) == 6:
                other = Stance.objects.exclude(question_id=rows[0][1]).values_list("pk", flat=True).first()
                rows = [(rows[0][0], rows[0][1], other, *rows[0][3:]), *rows[1:]]
        return insert_rows(model, fields, rows, **kwargs)

    monkeypatch.setattr(writing, "insert_rows", spoiled)
    message = refused(tmp_path, build(30))
    assert "the database refused the import, so nothing was written" in message
    assert "position_stance_of_question" in message
    assert len(chunks) == 6
    assert set(row_counts().values()) == {0}


def test_progress_goes_to_the_terminal_for_large_files(tmp_path):
    _out, err = run(tmp_path, build(30), "--progress-every", "10")
    assert "checked 10 of 30 takes" in err
    assert "planned 30 of 30 takes" in err


def test_unknown_fields_are_ignored_with_a_warning(tmp_path):
    data = {"takes": [{"slug": "x", "title": "X", "publised": "2019"}]}
    _out, err = run(tmp_path, data)
    assert 'unknown field "publised" in takes[]' in err
    assert Take.objects.filter(slug="x").exists()


# --------------------------------------------------------------------------- refusals: nothing is written


def broken(change) -> dict:
    data = copy.deepcopy(document())
    change(data)
    return data


def set_take(index, key, value):
    def change(data):
        data["takes"][index][key] = value

    return change


def set_nested(index, key, item, field, value):
    def change(data):
        data["takes"][index][key][item][field] = value

    return change


REFUSALS = [
    ("unknown publication", set_take(0, "publication", "nowhere"), ['takes[0] "no-deal-better"', "publication"]),
    ("unknown author", set_take(1, "authors", ["ghost"]), ['takes[1] "eighty-answers-kim"', "authors[0]", "ghost"]),
    ("bad date", set_take(0, "published", "2019-02-30"), ["published", "not a real calendar date"]),
    ("date format", set_take(0, "published", "March 2019"), ["published", "YYYY-MM-DD"]),
    ("future date", set_take(0, "published", "2999-01-01"), ["published", "in the future"]),
    ("wrong type", set_take(0, "title", 42), ['takes[0] "no-deal-better"', "title", "must be a string"]),
    ("wrong list type", set_take(0, "authors", "jean-lee"), ["authors", "must be a list"]),
    ("bad choice", set_take(0, "status", "live"), ["status", "draft, published"]),
    ("bad url", set_take(0, "url", "not a url"), ["url", "valid URL"]),
    (
        "stance of another question",
        set_nested(0, "positions", 0, "stance", "never"),
        ["positions[0].stance", "stance of another question", '"denuke"'],
    ),
    ("unknown stance", set_nested(0, "positions", 0, "stance", "perhaps"), ["positions[0].stance", "its stances"]),
    ("unknown question", set_nested(0, "positions", 0, "question", "nope"), ["positions[0].question"]),
    ("quote index", set_nested(0, "positions", 0, "quote", 7), ["positions[0]", "quote", "it has 3"]),
    ("unknown target take", set_nested(0, "responses", 0, "take", "missing"), ["responses[0].take", "missing"]),
    ("bad relation", set_nested(0, "responses", 0, "relation", "likes"), ["responses[0]", "relation"]),
    ("two headlines", set_nested(0, "quotes", 1, "headline", True), ["quotes", "more than one quote"]),
    ("quote source url", set_nested(0, "quotes", 0, "source_url", "read it somewhere"), ["quotes[0]", "source_url"]),
    ("duplicate slug", set_take(1, "slug", "no-deal-better"), ["takes[1]", "slug", "used twice"]),
    ("duplicate url", set_take(1, "url", "https://outlet.example/no-deal"), ["url", "used twice"]),
    ("no slug or url", lambda d: d["takes"][3].pop("url"), ["takes[3]", "needs a"]),
    ("response to itself", set_nested(0, "responses", 0, "take", "no-deal-better"), ["respond to itself"]),
    (
        "affiliation years",
        lambda d: d["experts"][0]["affiliations"][0].update(end_year=1999),
        ['experts[0] "soo-kim"', "end_year", "before the start year"],
    ),
    ("collection publication", lambda d: d["collections"][0].update(publication="gone"), ["collections[0]"]),
    ("section type", lambda d: d.update(takes={"slug": "x"}), ["takes", "must be a list"]),
]


@pytest.mark.parametrize(("change", "expected"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_a_broken_file_is_refused_naming_the_take_and_field_and_nothing_is_written(tmp_path, change, expected):
    message = refused(tmp_path, broken(change))
    assert "nothing was written" in message
    for part in expected:
        assert part in message, message
    assert all(count == 0 for count in row_counts().values())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"takes": [', "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "must hold a JSON object"),
        (b'{"version": 9}', "version"),
    ],
)
def test_a_file_that_is_not_the_format_is_refused(tmp_path, raw, expected):
    assert expected in refused(tmp_path, raw)


def test_every_problem_is_reported_at_once(tmp_path):
    data = document()
    data["takes"][0]["published"] = "2019-13"
    data["takes"][1]["authors"] = ["ghost"]
    message = refused(tmp_path, data)
    assert "published" in message
    assert "ghost" not in message  # reference checks wait for a well-formed file
    data["takes"][0]["published"] = "2019-03"
    data["takes"][2]["publication"] = "nowhere"
    message = refused(tmp_path, data)
    assert "ghost" in message and "nowhere" in message


def test_an_update_that_fails_leaves_the_existing_rows_untouched(tmp_path):
    run(tmp_path, document())
    before = {t.slug: (t.title, t.updated) for t in Take.objects.all()}
    data = document()
    data["takes"][0]["title"] = "Changed"
    data["takes"][1]["positions"][0]["stance"] = "yes"  # a stance of "walkout", not of "denuke"
    refused(tmp_path, data)
    assert {t.slug: (t.title, t.updated) for t in Take.objects.all()} == before


def test_a_url_belonging_to_another_take_is_refused(tmp_path):
    TakeFactory(slug="first", url="https://example.org/a")
    TakeFactory(slug="second", url="https://example.org/b")
    message = refused(tmp_path, {"takes": [{"slug": "first", "title": "T", "url": "https://example.org/b"}]})
    assert 'already belongs to the take "second"' in message


def test_dropping_a_stance_other_takes_hold_is_refused(tmp_path):
    position = PositionFactory(stance=StanceFactory(slug="keep-me"))
    question = position.question
    data = {"questions": [{"slug": question.slug, "text": question.text, "stances": [{"slug": "other", "label": "O"}]}]}
    message = refused(tmp_path, data)
    assert '"keep-me"' in message and position.take.slug in message
    assert Stance.objects.filter(slug="keep-me").exists()


def test_dropping_an_unused_stance_deletes_it(tmp_path):
    stance = StanceFactory(slug="unused", position=1)
    question = stance.question
    data = {"questions": [{"slug": question.slug, "text": question.text, "stances": [{"slug": "only", "label": "O"}]}]}
    out, _err = run(tmp_path, data)
    assert "stances: 1 created, 0 updated, 0 unchanged, 1 deleted" in out
    assert list(question.stances.values_list("slug", flat=True)) == ["only"]


def test_reordering_stances_swaps_positions_without_a_conflict(tmp_path):
    run(tmp_path, document())
    data = document()
    stances = data["questions"][0]["stances"]
    data["questions"][0]["stances"] = [{**stances[1], "position": 0}, {**stances[0], "position": 1}]
    run(tmp_path, data)
    assert list(Question.objects.get(slug="walkout").stances.values_list("slug", flat=True)) == ["no", "yes"]


def test_a_missing_file_is_reported(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_takes", str(tmp_path / "absent.json"))


# --------------------------------------------------------------------------- CSV


def test_a_csv_of_one_take_per_row_imports_through_the_same_checks(tmp_path):
    run(tmp_path, {"publications": document()["publications"], "experts": document()["experts"]})
    csv_text = (
        "title,url,publication,authors,published,summary,headline_quote,themes\n"
        'From a spreadsheet,https://sheet.example/1,the-outlet,jean-lee;soo-kim,2019-03,"A summary, with a comma",'
        '"Talks will resume.",Diplomacy\n'
    )
    run(tmp_path, csv_text, name="takes.csv")
    take = Take.objects.get(url="https://sheet.example/1")
    assert take.slug == "from-a-spreadsheet"
    assert [a.expert.slug for a in take.authorships.order_by("order")] == ["jean-lee", "soo-kim"]
    assert take.date_precision == DatePrecision.MONTH
    quote = take.quotes.get()
    assert (quote.text, quote.is_headline, quote.speaker.slug) == ("Talks will resume.", True, "jean-lee")
    out, _err = run(tmp_path, csv_text, name="takes.csv")
    assert "takes: 0 created, 0 updated, 1 unchanged" in out


def test_a_csv_row_with_an_unknown_author_is_refused(tmp_path):
    csv_text = "title,url,authors\nA take,https://sheet.example/2,nobody\n"
    with pytest.raises(CommandError, match=r"takes\[0\].*authors\[0\].*nobody"):
        run(tmp_path, csv_text, name="takes.csv")
    assert not Take.objects.exists()


def test_a_theme_name_too_long_to_store_is_refused(tmp_path):
    message = refused(tmp_path, {"takes": [{"slug": "t", "title": "T", "themes": ["x" * 101]}]})
    assert 'takes[0] "t": themes[0]' in message


def test_moving_a_collection_to_another_publication_updates_it(tmp_path):
    run(tmp_path, document())
    data = document()
    data["publications"].append({"slug": "brand-new", "name": "Brand New"})
    data["collections"][0]["publication"] = "brand-new"
    out, _err = run(tmp_path, data)
    assert "collections: 0 created, 1 updated" in out
    assert Collection.objects.get(slug="answers").publication.slug == "brand-new"
    data["collections"][0]["publication"] = None
    run(tmp_path, data)
    assert Collection.objects.get(slug="answers").publication is None


def test_a_take_naming_one_theme_twice_is_tagged_once(tmp_path):
    """By its slug and by its name (or twice the same): one tag, on a new take and on an update.
    Before, the database refused the whole import with a unique-constraint error."""
    from archive.models import Theme

    Theme.objects.create(slug="sanctions", name="Sanctions relief")
    take = {"slug": "t", "title": "T", "url": "https://example.com/t", "themes": ["sanctions", "Sanctions relief"]}
    run(tmp_path, {"takes": [take]})
    assert list(Take.objects.get(slug="t").themes.values_list("slug", flat=True)) == ["sanctions"]
    take["themes"] = ["Nuclear talks", "nuclear talks", "sanctions", "Sanctions relief"]
    run(tmp_path, {"takes": [take]})
    assert sorted(Take.objects.get(slug="t").themes.values_list("slug", flat=True)) == ["nuclear-talks", "sanctions"]
