"""Appearances (one take, many places) and predictions (scored against what happened): the import
format, the duplicate guard, the /predictions/ page, the expert record, the leaderboard, drafts."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from archive import scores
from archive.admin.takes import TakeAdminForm
from archive.models import Appearance, Prediction, Take

pytestmark = pytest.mark.django_db

SOURCE = {
    "source_title": "Talks resumed",
    "source_outlet": "Wire",
    "source_date": "2019-10-05",
    "source_url": "https://news.example/talks",
}


def prediction(claim, outcome="not-yet", **extra):
    item = {"claim": claim, "quote": 0, "outcome": outcome, **extra}
    if outcome != "not-yet":
        item = {**SOURCE, "resolved": "2019-10-05", **item}
    return item


def document(takes=None, status="published"):
    take_items = takes or [
        {
            "slug": "talks-will-resume",
            "title": "Talks will resume",
            "url": "https://orig.example/talks",
            "publication": "daily",
            "authors": ["ana-seer"],
            "status": status,
            "published": "2019-03-01",
            "quotes": [{"text": "The negotiations will resume sooner or later.", "speaker": "ana-seer"}],
            "appearances": [
                {
                    "url": "https://copy.example/talks",
                    "kind": "republished",
                    "publication": "weekly",
                    "published": "2019-03-04",
                    "title": "Talks will resume (reprint)",
                }
            ],
            "predictions": [
                prediction("Talks resume.", "came-true", confidence="high", horizon="2019-12-31"),
                prediction("No war.", "did-not", probability=80),
                prediction("Summit soon.", "partly", confidence="low"),
                prediction("Peace treaty.", question="next"),
            ],
        }
    ]
    return {
        "publications": [{"slug": "daily", "name": "Daily"}, {"slug": "weekly", "name": "Weekly"}],
        "experts": [{"slug": "ana-seer", "name": "Ana Seer"}],
        "questions": [{"slug": "next", "text": "What next?", "stances": [{"slug": "talk", "label": "Talk"}]}],
        "takes": take_items,
    }


def run_import(tmp_path, data, *args):
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = io.StringIO()
    call_command("import_takes", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def export(tmp_path, name="out.json"):
    path = tmp_path / name
    call_command("export_takes", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    return path.read_text(encoding="utf-8")


def test_it_imports_appearances_and_predictions_and_exports_them_unchanged(tmp_path):
    run_import(tmp_path, document())
    take = Take.objects.get(slug="talks-will-resume")
    assert [(a.url, a.kind, a.publication.slug) for a in take.appearances.all()] == [
        ("https://copy.example/talks", "republished", "weekly")
    ]
    predictions = list(take.predictions.order_by("order"))
    assert [p.outcome for p in predictions] == ["came-true", "did-not", "partly", "not-yet"]
    assert predictions[0].evidence == take.quotes.get()
    assert predictions[3].question.slug == "next"
    first = export(tmp_path)
    item = json.loads(first)["takes"][0]
    assert item["appearances"][0]["published"] == "2019-03-04"
    assert item["predictions"][1]["probability"] == 80
    # importing the export again changes nothing, and exports the same bytes
    assert "0 created, 0 updated" in run_import(tmp_path, json.loads(first)).split("takes:")[1]
    assert export(tmp_path, "again.json") == first


def test_a_file_without_the_new_lists_leaves_them_as_they_are(tmp_path):
    run_import(tmp_path, document())
    old_style = document()
    for take in old_style["takes"]:
        del take["appearances"], take["predictions"]
    old_style["takes"][0]["title"] = "Talks will resume, retitled"
    run_import(tmp_path, old_style)
    take = Take.objects.get(slug="talks-will-resume")
    assert take.title == "Talks will resume, retitled"
    assert take.appearances.count() == 1 and take.predictions.count() == 4


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda t: t["predictions"].append({"claim": "x", "outcome": "came-true"}), "needs resolved"),
        (lambda t: t["predictions"].append({"claim": "x", "quote": 5}), "not the index of a quote"),
        (lambda t: t["predictions"].append({"claim": "x", "probability": 140}), "not a percentage"),
        (lambda t: t["predictions"].append({"claim": "x", "outcome": "maybe"}), "is not one of"),
        (lambda t: t["predictions"].append({"claim": "x", "horizon": "2019-02-30"}), "not a real calendar date"),
        (lambda t: t["predictions"].append({"claim": "x", "question": "nope"}), "not a known question"),
        (lambda t: t["appearances"].append({"url": "https://orig.example/talks"}), "listed twice"),
        (lambda t: t["appearances"].append({"url": "https://x.example/", "kind": "copied"}), "is not one of"),
        (lambda t: t["appearances"].append({"url": "https://x.example/", "publication": "nope"}), "not a known"),
    ],
)
def test_bad_predictions_and_appearances_are_refused_with_nothing_written(tmp_path, change, expected):
    data = document()
    change(data["takes"][0])
    with pytest.raises(CommandError, match=expected):
        run_import(tmp_path, data)
    assert not Take.objects.exists() and not Prediction.objects.exists()


def test_the_importer_matches_a_take_by_any_appearance_url_and_refuses_a_second_owner(tmp_path):
    run_import(tmp_path, document())
    # the republished copy's address finds the same take: it is updated, not added again
    again = document()
    again["takes"][0].pop("slug")
    again["takes"][0]["url"] = "https://copy.example/talks"
    again["takes"][0].pop("appearances")
    run_import(tmp_path, again)
    assert Take.objects.count() == 1
    # another take may not claim that address as one of its appearances
    other = document()
    other["takes"][0].update(slug="other", url="https://other.example/", title="Other")
    with pytest.raises(CommandError, match="already belongs to the take"):
        run_import(tmp_path, other)


def test_the_admin_refuses_a_take_whose_url_is_another_takes_appearance(tmp_path):
    run_import(tmp_path, document())
    form = TakeAdminForm(
        data={
            "title": "New",
            "slug": "new",
            "kind": "analysis",
            "status": "draft",
            "date_precision": "day",
            "url": "http://www.copy.example/talks/",
            "language": "en",
        }
    )
    assert not form.is_valid()
    assert "already in the archive" in str(form.errors["url"])


def test_an_appearance_cannot_take_another_takes_address(tmp_path):
    run_import(tmp_path, document())
    other = Take.objects.create(title="Other", slug="other", url="https://other.example/")
    appearance = Appearance(take=Take.objects.get(slug="talks-will-resume"), url=other.url, kind="republished")
    with pytest.raises(ValidationError, match="already another take"):
        appearance.full_clean()


def test_the_prediction_page_filters_and_says_what_it_ignored(client, tmp_path):
    run_import(tmp_path, document())
    page = client.get("/predictions/?outcome=came-true&expert=ana-seer").content.decode()
    assert "Talks resume." in page and "No war." not in page
    assert "Talks resumed" in page and "https://news.example/talks" in page  # the dated source, linked
    page = client.get("/predictions/?expert=nobody&outcome=odd&horizon_from=2019-13-01").content.decode()
    assert "There is no expert" in page and "Peace treaty." in page
    page = client.get("/predictions/?horizon_from=2020-01-01").content.decode()
    assert "Talks resume." not in page
    page = client.get("/predictions/?question=next").content.decode()
    assert "Peace treaty." in page and "Talks resume." not in page


def test_the_record_and_the_leaderboard_count_resolved_predictions_and_the_brier_score(client, tmp_path):
    run_import(tmp_path, document())
    record = scores.records()[0]
    assert (record.resolved, record.came_true, record.partly, record.scored) == (3, 1, 1, 3)
    # high 0.9 came true: 0.01; 80 % did not: 0.64; low 0.6 partly (0.5): 0.01
    assert record.brier == pytest.approx((0.01 + 0.64 + 0.01) / 3)
    assert [r.expert.slug for r in scores.leaderboard()] == ["ana-seer"]
    page = client.get("/experts/ana-seer/").content.decode()
    assert "Prediction record" in page and "0.220" in page
    board = client.get("/predictions/").content.decode()
    assert "at least 3 resolved predictions" in board and 'href="/experts/ana-seer/"' in board


def test_fewer_than_three_resolved_predictions_are_not_ranked(client, tmp_path):
    data = document()
    data["takes"][0]["predictions"] = data["takes"][0]["predictions"][:2]
    run_import(tmp_path, data)
    assert scores.leaderboard() == []
    assert "No expert has 3 resolved predictions yet" in client.get("/predictions/").content.decode()


def test_drafts_predictions_and_appearances_are_invisible(client, tmp_path):
    run_import(tmp_path, document(status="draft"))
    assert Prediction.objects.count() == 4
    assert "Talks resume." not in client.get("/predictions/").content.decode()
    assert scores.records() == []
    assert "Talks will resume" not in client.get("/publications/weekly/").content.decode()


def test_pages_show_where_else_a_take_appeared(client, tmp_path):
    run_import(tmp_path, document())
    take_page = client.get("/takes/talks-will-resume/").content.decode()
    assert "Also published in" in take_page and "https://copy.example/talks" in take_page
    outlet = client.get("/publications/weekly/").content.decode()
    assert "Republished here" in outlet and "/takes/talks-will-resume/" in outlet


def test_the_starter_collection_records_at_least_25_sourced_predictions(seed_collection):
    predictions = Prediction.objects.select_related("evidence", "take")
    assert predictions.count() >= 25
    for p in predictions:
        assert p.evidence is not None and p.evidence.take_id == p.take_id and p.evidence.source_url
        if p.outcome != "not-yet":
            assert p.source_url.startswith("https://") and p.source_date and p.resolved and p.source_title
    assert predictions.exclude(outcome="not-yet").count() >= 15
    assert Appearance.objects.filter(take__slug="hanoi-summit-we-asked-naoko-aoki").exists()


def change_form_data(admin_client, take):
    """The take's change form as the admin renders it, every inline row as it is."""
    change = admin_client.get(f"/admin/archive/take/{take.pk}/change/")
    form = change.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name not in ("themes",)}
    data["published"] = take.published.isoformat()
    for formset in change.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{prefix}-{name}"] = management[name].value()
        data[f"{prefix}-TOTAL_FORMS"] = len(formset.formset.initial_forms)
        for n, inline_form in enumerate(formset.formset.initial_forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                data[f"{prefix}-{n}-{name}"] = "" if value is None else value
    return data


def test_an_editor_resolves_a_prediction_inline_on_the_take(admin_client, tmp_path):
    run_import(tmp_path, document())
    take = Take.objects.get(slug="talks-will-resume")
    open_one = take.predictions.get(outcome="not-yet")
    data = change_form_data(admin_client, take)
    row = next(k.rsplit("-", 1)[0] for k, v in data.items() if k.endswith("-id") and str(v) == str(open_one.pk))
    data[f"{row}-outcome"] = "did-not"
    response = admin_client.post(f"/admin/archive/take/{take.pk}/change/", data)
    assert response.status_code == 200  # refused: no dated source yet
    assert "names the day it resolved" in response.content.decode()
    data.update(
        {
            f"{row}-resolved": "2021-01-20",
            f"{row}-source_title": "No treaty signed",
            f"{row}-source_date": "2021-01-20",
            f"{row}-source_url": "https://news.example/no-treaty",
        }
    )
    response = admin_client.post(f"/admin/archive/take/{take.pk}/change/", data)
    assert response.status_code == 302
    open_one.refresh_from_db()
    assert (open_one.outcome, open_one.source_title) == ("did-not", "No treaty signed")
