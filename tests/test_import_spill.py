"""archive/transfer/spill.py: what an import keeps per take, on disk instead of in memory."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from archive.models import Affiliation, Collection, Expert, Publication, Question, Stance, Take, Theme
from archive.transfer import section_plans, spill
from archive.transfer.spill import SpilledIndex, SpilledList, SpilledMap, SpilledPairs
from archive.transfer.stream import read_file
from tests.generate_import import build


def test_the_index_keeps_the_first_index_of_each_value():
    index = SpilledIndex()
    assert index.setdefault("take-1", 0) == 0
    assert index.setdefault("url:https://example.org/1", 0) == 0
    assert index.setdefault("take-2", 1) == 1
    assert index.setdefault("take-1", 5) == 0  # seen before: the first index, not replaced
    assert index.setdefault("take-1", 7) == 0
    assert "take-1" in index and "take-2" in index
    assert "take-3" not in index and "url:https://example.org/2" not in index
    index.close()


def test_the_index_holds_many_values_and_awkward_ones():
    index = SpilledIndex()
    values = [f"take-{n}" for n in range(20_000)] + ["ünïcödé — 𝔘", "a'b\"c", "url:x?y=%s&z"]
    for n, value in enumerate(values):
        assert index.setdefault(value, n) == n
    assert all(index.setdefault(value, -1) == n for n, value in enumerate(values))
    index.close()


def test_the_list_gives_back_its_items_in_order():
    spilled = SpilledList()
    spilled.extend([1, 2])
    spilled.extend([])
    spilled.extend([3])
    assert len(spilled) == 3 and list(spilled) == [1, 2, 3] and list(spilled) == [1, 2, 3]
    spilled.close()


@pytest.mark.django_db
def test_a_streamed_documents_take_slugs_are_its_slugs_not_its_urls():
    document = build(30)
    document["takes"][3]["url"] = "https://example.org/takes/3"
    read = read_file(io.BytesIO(json.dumps(document).encode()))
    slugs = read.take_slugs()
    assert all(take["slug"] in slugs for take in document["takes"])
    assert "take-30" not in slugs
    assert "https://example.org/takes/3" not in slugs


def test_the_list_gathers_appended_items_into_chunks(monkeypatch):
    monkeypatch.setattr(spill, "APPEND_CHUNK", 3)
    spilled = SpilledList()
    for n in range(7):
        spilled.append(n)
    assert len(spilled) == 7 and spilled._chunks == 2  # the seventh is still in memory
    assert list(spilled) == list(range(7)) and spilled._chunks == 3
    spilled.append(7)
    spilled.extend([8, 9])
    assert list(spilled) == list(range(10)) and len(spilled) == 10
    spilled.close()


def test_the_map_is_a_dict_and_a_set_on_disk():
    ids = SpilledMap()
    ids["expert-1"] = 1
    ids.update({"expert-2": 2})
    ids.update([("expert-3", 3), ("expert-1", 10)])
    assert ids["expert-1"] == 10 and ids.get("expert-2") == 2 and ids.get("expert-4") is None
    assert "expert-3" in ids and "expert-4" not in ids and len(ids) == 3
    with pytest.raises(KeyError):
        ids["expert-4"]
    taken = SpilledMap()
    taken.add(5)
    taken.add_all([6, 7, 5])
    taken[8] = 'takes[3] "kim"'
    assert 5 in taken and 7 in taken and 9 not in taken and "5" not in taken and len(taken) == 4
    assert taken[8] == 'takes[3] "kim"'
    ids.close()
    taken.close()


def test_the_pairs_are_a_dict_of_sets_on_disk():
    owners = SpilledPairs()
    owners.add_all([("yes", "q-1"), ("no", "q-1"), ("yes", "q-2"), ("yes", "q-1")])
    assert sorted(owners.values_of("yes")) == ["q-1", "q-2"]
    assert owners.values_of("no") == ["q-1"] and owners.values_of("maybe") == []
    owners.close()


# --------------------------------------------------------------------------- reference sections streamed


def run(tmp_path, data, *args) -> str:
    path = tmp_path / "takes.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = io.StringIO()
    call_command("import_takes", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def exported(tmp_path) -> bytes:
    path = tmp_path / "out.json"
    call_command("export_takes", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return path.read_bytes()


def small_chunks(monkeypatch):
    """Reference sections read, planned and written a few items at a time."""
    monkeypatch.setattr(spill, "APPEND_CHUNK", 3)
    monkeypatch.setattr(section_plans, "SECTION_CHUNK", 4)


@pytest.mark.django_db
def test_reference_sections_in_many_chunks_import_as_in_one(tmp_path, monkeypatch):
    data = build(40, experts=23)
    run(tmp_path, data)
    in_one = exported(tmp_path)
    Take.objects.all().delete()
    for model in (Expert, Collection, Publication):
        model.objects.all().delete()
    small_chunks(monkeypatch)
    out = run(tmp_path, data)
    assert "experts: 23 created" in out and "takes: 40 created" in out
    assert exported(tmp_path) == in_one
    for n in (2, 13, 22):  # new affiliations for three experts, in three chunks
        data["experts"][n]["affiliations"] = [{"organization": f"Elsewhere {n}", "role": "Chair"}]
    data["publications"][-1]["name"] = "Renamed"
    out = run(tmp_path, data)
    assert "experts: 0 created, 3 updated, 20 unchanged" in out
    assert "publications: 0 created, 1 updated, 2 unchanged" in out
    assert "takes: 0 created, 0 updated, 40 unchanged" in out
    assert Affiliation.objects.filter(organization__startswith="Elsewhere").count() == 3
    assert Affiliation.objects.count() == 23
    assert Publication.objects.get(slug=data["publications"][-1]["slug"]).name == "Renamed"


@pytest.mark.django_db
def test_a_problem_late_in_a_reference_section_is_reported_with_the_others(tmp_path, monkeypatch):
    small_chunks(monkeypatch)
    data = build(30, experts=20)
    data["experts"][19]["affiliations"][0]["start_year"] = 1800
    data["takes"][25]["published"] = "2019-13"
    with pytest.raises(CommandError) as refused:
        run(tmp_path, data)
    assert 'experts[19] "expert-19": affiliations[0]: start_year: 1800 is not a plausible year' in str(refused.value)
    assert 'takes[25] "take-25": published' in str(refused.value)
    # the file well formed, the problems found while planning, against the database
    data["experts"][19]["affiliations"][0]["start_year"] = 2001
    data["takes"][25]["published"] = "2019-03"
    data["collections"].append({"slug": "late-series", "title": "Late", "publication": "nowhere"})
    data["takes"][28]["authors"] = ["ghost"]
    with pytest.raises(CommandError) as refused:
        run(tmp_path, data)
    message = str(refused.value)
    assert 'collections[1] "late-series": publication: "nowhere" is not a known publication slug' in message
    assert '"ghost"' in message and "takes[28]" in message
    assert not Expert.objects.exists() and not Publication.objects.exists() and not Take.objects.exists()


@pytest.mark.django_db
def test_takes_may_name_experts_of_the_database_and_of_the_file(tmp_path, monkeypatch):
    small_chunks(monkeypatch)
    run(tmp_path, build(20, experts=12))
    data = build(20, experts=12)
    data["experts"] = data["experts"][6:]  # the first six only in the database now
    data["takes"].append({**data["takes"][0], "slug": "one-more", "url": "https://example.org/more"})
    data["takes"][-1]["authors"] = ["expert-0", "expert-11"]
    out = run(tmp_path, data)
    assert "takes: 1 created, 0 updated, 20 unchanged" in out
    assert list(Take.objects.get(slug="one-more").authors.values_list("slug", flat=True).order_by("slug")) == [
        "expert-0",
        "expert-11",
    ]


def themes_as_written() -> list[tuple]:
    return list(Theme.objects.order_by("slug").values_list("slug", "name", "description"))


def links_as_written() -> list[tuple]:
    return sorted(Take.themes.through.objects.values_list("take__slug", "theme__slug"))


def with_many_themes(data: dict) -> dict:
    """Twenty-three more themes (seven chunks of four in all), and takes naming themes by name, by
    slug, by name in another case, and by names no theme has (created with the takes)."""
    data["themes"] += [{"slug": f"more-{n}", "name": f"More {n}", "description": f"D {n}"} for n in range(23)]
    data["takes"][0]["themes"] = ["More 22", "more-0", "MORE 11", "Brand new idea"]
    data["takes"][1]["themes"] = ["brand NEW idea", "Another new one", "Theme 3"]
    data["takes"][2]["themes"] = ["Another new one", "A third"]
    return data


@pytest.mark.django_db
def test_a_themes_section_in_many_chunks_imports_as_in_one(tmp_path, monkeypatch):
    Theme.objects.create(slug="kept", name="Kept in the database")
    data = with_many_themes(build(30))
    data["takes"][3]["themes"] = ["kept in the DATABASE", "More 5"]
    out_one = run(tmp_path, data)
    in_one = (exported(tmp_path), themes_as_written(), links_as_written())
    Take.objects.all().delete()
    Theme.objects.exclude(slug="kept").delete()
    small_chunks(monkeypatch)
    out = run(tmp_path, data)
    assert [line for line in out.splitlines() if line.strip().startswith(("themes:", "takes:"))] == [
        line for line in out_one.splitlines() if line.strip().startswith(("themes:", "takes:"))
    ]
    assert "themes: 46 created, 0 updated, 0 unchanged" in out  # 20 + 23 listed, 3 named by takes
    assert (exported(tmp_path), themes_as_written(), links_as_written()) == in_one
    assert ("take-0", "brand-new-idea") in in_one[2] and ("take-1", "brand-new-idea") in in_one[2]
    assert ("take-3", "kept") in in_one[2]
    data["themes"][-1]["description"] = "Changed in the last chunk"
    data["themes"][1]["name"] = "Renamed in the first chunk"
    out = run(tmp_path, data)
    assert "themes: 0 created, 2 updated, 41 unchanged" in out
    assert Theme.objects.get(slug="more-22").description == "Changed in the last chunk"
    assert Theme.objects.get(slug="theme-1").name == "Renamed in the first chunk"


@pytest.mark.django_db
def test_a_problem_in_the_last_theme_is_reported_with_the_others(tmp_path, monkeypatch):
    small_chunks(monkeypatch)
    Theme.objects.create(slug="old", name="Taken name")
    Theme.objects.create(slug="older", name="Another taken name")
    data = with_many_themes(build(30))
    data["themes"][0]["name"] = "Another taken name"
    data["themes"][41]["name"] = "more-21"
    data["themes"][-1]["name"] = "Taken name"
    data["takes"][28]["authors"] = ["ghost"]
    with pytest.raises(CommandError) as refused:
        run(tmp_path, data)
    problems = [line.strip() for line in str(refused.value).splitlines()[1:]]
    # as when the section was planned whole: the names that are slugs first, then the names taken
    assert problems[:3] == [
        '- themes[41] "more-21": name: "more-21" is the theme\'s slug: give it a name readers see',
        '- themes[0] "theme-0": name: "Another taken name" is already the name of the theme "older"',
        '- themes[42] "more-22": name: "Taken name" is already the name of the theme "old"',
    ]
    assert any('"ghost"' in line and "takes[28]" in line for line in problems[3:])
    assert themes_as_written() == [("old", "Taken name", ""), ("older", "Another taken name", "")]
    assert not Take.objects.exists() and not Expert.objects.exists()


def stance(slug: str, position: int, label: str = "") -> dict:
    return {"slug": slug, "label": label or slug.title(), "meaning": "", "position": position}


def position(question: str, stance_slug: str) -> dict:
    return {"question": question, "stance": stance_slug, "confidence": "high", "quote": 0}


def with_many_questions(data: dict) -> dict:
    """Twenty-three more questions (seven chunks of four in all), every fifth with the stance
    "shared"; question-0 (first chunk) with a spare stance; takes holding stances of the first and
    the last question."""
    for n in range(23):
        stances = [stance(f"m{n}-a", 0), stance(f"m{n}-b", 1), stance("shared" if n % 5 == 0 else f"m{n}-c", 2)]
        data["questions"].append({"slug": f"more-{n}", "text": f"More {n}?", "order": 10 + n, "stances": stances})
    data["questions"][0]["stances"].append(stance("spare", 9))
    data["takes"][0]["positions"] = [position("question-0", "s2"), position("more-22", "m22-a")]
    data["takes"][1]["positions"] = [position("more-0", "shared"), position("more-20", "m20-b")]
    return data


def updated_in_first_and_last_chunks(data: dict) -> dict:
    """question-0: two stances swap places, one is added, the spare one goes; more-22 (the last
    question): a stance relabelled, one added, one gone."""
    first = data["questions"][0]["stances"]
    first[0]["position"], first[1]["position"] = 1, 0
    data["questions"][0]["stances"] = [row for row in first if row["slug"] != "spare"] + [stance("s9", 7)]
    last = data["questions"][-1]
    last["stances"] = [last["stances"][0], stance("m22-b", 1, "Relabelled"), stance("m22-d", 3)]
    return data


def stances_as_written() -> list[tuple]:
    """Every stance in the order it was created (its question by slug), then the questions likewise."""
    rows = Stance.objects.order_by("pk").values_list("question__slug", "slug", "label", "meaning", "position")
    return [*rows, *Question.objects.order_by("pk").values_list("slug", "text", "order")]


def import_and_update(tmp_path) -> tuple:
    data = with_many_questions(build(30))
    outs = [run(tmp_path, data)]
    written = [exported(tmp_path), stances_as_written()]
    outs.append(run(tmp_path, updated_in_first_and_last_chunks(data)))
    written += [exported(tmp_path), stances_as_written()]
    return [[line for line in out.splitlines() if ":" in line] for out in outs], written


@pytest.mark.django_db
def test_a_questions_section_in_many_chunks_imports_and_updates_as_in_one(tmp_path, monkeypatch):
    in_one = import_and_update(tmp_path)
    Take.objects.all().delete()
    for model in (Question, Expert, Collection, Publication, Theme):
        model.objects.all().delete()
    small_chunks(monkeypatch)
    planned = []  # the questions planned at a time
    plan_simple = section_plans.SectionPlanning.plan_simple

    def spy(self, name, model, records, refs=None):
        if name == "questions":
            planned.append(len(records))
        return plan_simple(self, name, model, records, refs)

    monkeypatch.setattr(section_plans.SectionPlanning, "plan_simple", spy)
    outs, written = import_and_update(tmp_path)
    assert planned == [4] * 7 * 2
    assert (outs, written) == in_one
    assert "  questions: 28 created, 0 updated, 0 unchanged" in outs[0]
    assert "  stances: 90 created, 0 updated, 0 unchanged" in outs[0]
    assert "  questions: 0 created, 2 updated, 26 unchanged" in outs[1]
    assert "  stances: 2 created, 3 updated, 85 unchanged, 2 deleted" in outs[1]
    assert list(Stance.objects.filter(question__slug="question-0").values_list("slug", "position")) == [
        ("s1", 0),
        ("s0", 1),
        ("s2", 2),
        ("s3", 3),
        ("s9", 7),
    ]
    assert Stance.objects.get(question__slug="more-22", slug="m22-b").label == "Relabelled"
    assert not Stance.objects.filter(slug__in=["spare", "m22-c"]).exists()
    # the takes' positions point at the stances of the file's first and last questions
    held = Take.objects.get(slug="take-0").positions.values_list("question__slug", "stance__slug")
    assert sorted(held) == [("more-22", "m22-a"), ("question-0", "s2")]


def refused(tmp_path, data) -> list[str]:
    with pytest.raises(CommandError) as failed:
        run(tmp_path, data)
    return [line.strip() for line in str(failed.value).splitlines()[1:]]


@pytest.mark.django_db
def test_problems_in_the_first_and_last_questions_are_reported_as_when_planned_whole(tmp_path, monkeypatch):
    other = Question.objects.create(slug="in-the-database", text="Only in the database?", order=99)
    Stance.objects.create(question=other, slug="shared", label="Shared", position=0)
    Stance.objects.create(question=other, slug="db-only", label="Only here", position=1)
    data = with_many_questions(build(30))
    data["takes"][0]["positions"] = [position("question-0", "spare"), position("more-22", "m22-a")]
    run(tmp_path, data)
    before = (exported(tmp_path), stances_as_written())
    del data["takes"][0]["positions"]  # take-0 keeps its positions
    data["questions"][0]["stances"] = data["questions"][0]["stances"][:-1]  # drops the spare stance
    data["questions"][-1]["stances"] = data["questions"][-1]["stances"][1:]  # drops m22-a
    data["takes"][2]["positions"] = [position("question-2", "shared")]
    data["takes"][3]["positions"] = [position("in-the-database", "db-only")]
    data["takes"][4]["positions"] = [position("question-3", "db-only")]  # a database question's, loaded since
    data["takes"][28]["authors"] = ["ghost"]
    whole = refused(tmp_path, data)
    small_chunks(monkeypatch)
    assert refused(tmp_path, data) == whole
    shared = '"in-the-database", "more-0", "more-10", "more-15", "more-20", "more-5"'
    assert [line for line in whole if "stance" in line] == [
        f'- takes[2] "take-2": positions[0].stance: "shared" is a stance of another question ({shared}), '
        'not of "question-2"',
        '- takes[4] "take-4": positions[0].stance: "db-only" is a stance of another question ("in-the-database"), '
        'not of "question-3"',
        '- questions[0] "question-0": stances: drops the stance "spare", which 1 take(s) still hold '
        '(for example "take-0")',
        '- questions[27] "more-22": stances: drops the stance "m22-a", which 1 take(s) still hold '
        '(for example "take-0")',
    ]
    assert any('"ghost"' in line and "takes[28]" in line for line in whole)
    assert (exported(tmp_path), stances_as_written()) == before


@pytest.mark.django_db
def test_thousands_of_stances_moving_at_once_fit_a_small_integer(tmp_path):
    """Stances that move are parked at 30,000 + their number within their question (a position is
    a small integer: 32,767 at most on PostgreSQL); numbered through the whole file, the 2,768th
    went past it."""
    data = build(2)
    data["questions"] += [
        {"slug": f"q-{n}", "text": f"Q {n}?", "stances": [stance(f"q{n}-{s}", s) for s in range(4)]} for n in range(700)
    ]
    run(tmp_path, data)
    for question in data["questions"][5:]:
        for row in question["stances"]:
            row["position"] = 3 - row["position"]
    out = run(tmp_path, data)
    assert "stances: 0 created, 2,800 updated, 20 unchanged" in out
    assert list(Stance.objects.filter(question__slug="q-699").values_list("slug", flat=True)) == [
        "q699-3",
        "q699-2",
        "q699-1",
        "q699-0",
    ]
