"""Published predictions per outcome, question and horizon (archive/db/prediction_counts.py): the
journal stays exact whatever writes the predictions and takes, and /predictions/ counts its pages
from it with the figure the tables give, under every combination of its filters."""

import datetime
import itertools

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from archive import cache
from archive.db import prediction_counts
from archive.models import Outcome, Prediction, Status, Take, TakeAuthor
from tests.factories import ExpertFactory, QuestionFactory, TakeFactory
from tests.test_predictions_h20pred import document, prediction, run_import

pytestmark = pytest.mark.django_db

DAY = datetime.date(2019, 10, 5)
SOURCED = {"resolved": DAY, "source_title": "Report", "source_date": DAY, "source_url": "https://news.example/r"}
HORIZONS = (None, datetime.date(2019, 6, 1), datetime.date(2019, 12, 31), datetime.date(2020, 6, 30))


def predict(take, outcome=Outcome.NOT_YET, **fields) -> Prediction:
    extra = SOURCED if outcome != Outcome.NOT_YET else {}
    return Prediction.objects.create(take=take, claim="Something happens.", outcome=outcome, **extra, **fields)


def exact(outcome=None, question_id=None, start=None, end=None) -> int:
    """The count from the tables, as the paginator counted it before."""
    found = Prediction.objects.filter(take__status=Status.PUBLISHED)
    if outcome:
        found = found.filter(outcome=outcome)
    if question_id:
        found = found.filter(question_id=question_id)
    return found.horizon_between(start, end).count()


def assert_exact() -> None:
    assert prediction_counts.differences(connection) == 0
    questions = [None, *Prediction.objects.exclude(question=None).values_list("question_id", flat=True).distinct()]
    outcomes = [None, *Outcome.values]
    for outcome, question_id, (start, end) in itertools.product(
        outcomes, questions, [(None, None), (HORIZONS[1], None), (None, HORIZONS[2]), (HORIZONS[2], HORIZONS[3])]
    ):
        filters = {"outcome": outcome, "question_id": question_id, "start": start, "end": end}
        assert prediction_counts.count(connection, **filters) == exact(**filters), filters


@pytest.fixture
def archive():
    """A published take and a draft, predictions with and without a question or a horizon."""
    first, second = QuestionFactory(), QuestionFactory()
    ana, ben = ExpertFactory(), ExpertFactory()
    take = TakeFactory(authors=[ana])
    other = TakeFactory(authors=[ana, ben])
    draft = TakeFactory(authors=[ben], status=Status.DRAFT)
    for n, (target, outcome) in enumerate(
        itertools.product((take, other, draft), (Outcome.NOT_YET, Outcome.CAME_TRUE, Outcome.PARTLY))
    ):
        predict(target, outcome, question=(None, first, second)[n % 3], horizon=HORIZONS[n % 4], order=n)
    assert_exact()
    return {"take": take, "other": other, "draft": draft, "first": first, "second": second, "ana": ana, "ben": ben}


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


WRITES = {
    "add": lambda a: predict(a["take"], Outcome.DID_NOT, horizon=HORIZONS[2], question=a["first"]),
    "add to a draft": lambda a: predict(a["draft"], Outcome.DID_NOT),
    "bulk add": lambda a: Prediction.objects.bulk_create(
        [Prediction(take=a["other"], claim=f"Bulk {n}", horizon=HORIZONS[n]) for n in range(4)]
    ),
    "resolve": lambda a: Prediction.objects.filter(outcome=Outcome.NOT_YET).update(outcome=Outcome.DID_NOT, **SOURCED),
    "unresolve": lambda a: Prediction.objects.filter(take=a["take"]).update(outcome=Outcome.NOT_YET),
    "change a question": lambda a: Prediction.objects.filter(question=a["first"]).update(question=a["second"]),
    "unset a question": lambda a: Prediction.objects.update(question=None),
    "move a horizon": lambda a: Prediction.objects.filter(horizon=HORIZONS[1]).update(horizon=HORIZONS[3]),
    "unset a horizon": lambda a: Prediction.objects.filter(take=a["other"]).update(horizon=None),
    "set a horizon": lambda a: Prediction.objects.filter(horizon=None).update(horizon=HORIZONS[2]),
    "change the claim only": lambda a: Prediction.objects.update(claim="Reworded."),
    "move to a draft": lambda a: Prediction.objects.filter(take=a["take"]).update(take=a["draft"]),
    "move from a draft": lambda a: Prediction.objects.filter(take=a["draft"]).update(take=a["other"]),
    "delete one": lambda a: Prediction.objects.filter(take=a["take"]).first().delete(),
    "delete all": lambda a: Prediction.objects.all().delete(),
    "unpublish": lambda a: Take.objects.filter(pk=a["take"].pk).update(status=Status.DRAFT),
    "publish": lambda a: Take.objects.filter(pk=a["draft"].pk).update(status=Status.PUBLISHED),
    "publish all": lambda a: Take.objects.update(status=Status.PUBLISHED),
    "retitle": lambda a: Take.objects.filter(pk=a["take"].pk).update(title="Retitled"),
    "delete a take": lambda a: a["other"].delete(),
    "delete every take": lambda a: Take.objects.all().delete(),
    "author removed": lambda a: TakeAuthor.objects.filter(expert=a["ben"]).delete(),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_write_keeps_the_counts_exact(archive, write):
    write(archive)
    assert_exact()


def test_raw_sql_and_a_take_deleted_before_its_predictions(archive):
    take, draft = archive["take"], archive["draft"]
    raw("UPDATE archive_prediction SET horizon = NULL, outcome = 'not-yet' WHERE take_id = %s", [take.pk])
    raw("UPDATE archive_take SET status = 'published' WHERE id = %s", [draft.pk])
    raw("INSERT INTO archive_prediction (take_id, claim, outcome, confidence, source_title, source_outlet, "
        "source_url, note, \"order\") VALUES (%s, 'Raw.', 'not-yet', '', '', '', '', '', 9)", [take.pk])  # fmt: skip
    assert_exact()
    with transaction.atomic():  # the take first, its rows after (the foreign keys are checked at commit)
        raw("DELETE FROM archive_take WHERE id = %s", [take.pk])
        assert_exact()
        for table in ("archive_prediction", "archive_takeauthor", "archive_take_themes", "archive_quote"):
            raw(f"DELETE FROM {table} WHERE take_id = %s", [take.pk])  # noqa: S608 - fixed names
    assert_exact()


def test_predictions_written_before_their_published_take(archive):
    with transaction.atomic():  # as loaddata may: the prediction first, foreign keys deferred
        raw(
            "INSERT INTO archive_prediction (take_id, claim, outcome, confidence, source_title, source_outlet, "
            "source_url, note, \"order\", horizon) VALUES (990001, 'Early.', 'not-yet', '', '', '', '', '', 0, %s)",
            [HORIZONS[1]],
        )
        Take.objects.create(pk=990001, title="Late", slug="late", status=Status.PUBLISHED)
    assert (
        prediction_counts.count(connection, start=HORIZONS[1], end=HORIZONS[1])
        == exact(start=HORIZONS[1], end=HORIZONS[1])
        == 3  # two in the fixture
    )
    assert_exact()


def test_a_rolled_back_write_leaves_nothing(archive):
    with pytest.raises(RuntimeError), transaction.atomic():
        predict(archive["take"], Outcome.DID_NOT)
        Take.objects.update(status=Status.DRAFT)
        raise RuntimeError
    assert_exact()


def test_import_and_reimport(tmp_path):
    run_import(tmp_path, document())
    assert Prediction.objects.exists()
    assert_exact()
    changed = document()
    changed["takes"][0]["predictions"].append(prediction("More talks.", "did-not", probability=15))
    run_import(tmp_path, changed)
    assert_exact()
    run_import(tmp_path, document(status="draft"))
    assert_exact()
    assert prediction_counts.count(connection) == 0


def test_compaction_and_install_again(archive):
    for status in (Status.DRAFT, Status.PUBLISHED):
        Take.objects.filter(pk=archive["take"].pk).update(status=status)
    prediction_counts.compact(connection)
    keys = Prediction.objects.filter(take__status=Status.PUBLISHED).values("outcome", "question", "horizon")
    assert prediction_counts.journal_rows(connection) == keys.distinct().count() == 6
    assert_exact()
    prediction_counts.uninstall(connection)
    predict(archive["take"], Outcome.CAME_TRUE)  # written with no journal at all
    prediction_counts.install(connection)
    prediction_counts.install(connection)  # idempotent
    assert_exact()


@pytest.mark.django_db(transaction=True)
def test_truncate_and_flush_recount(archive):
    if connection.vendor == "postgresql":
        raw("TRUNCATE archive_prediction")
        assert prediction_counts.count(connection) == 0
        assert_exact()
        predict(archive["take"], Outcome.CAME_TRUE)
        assert prediction_counts.count(connection) == 1
    call_command("flush", "--no-input")
    assert prediction_counts.count(connection) == 0
    assert prediction_counts.differences(connection) == 0


def page_count(client, query: str) -> int:
    cache.clear()  # the page as a cold request builds it
    response = client.get(f"/predictions/{query}")
    assert response.status_code == 200
    return response.context["page_obj"].paginator.count


def test_the_page_counts_every_filter_combination_as_the_tables_do(client, archive):
    """The paginator's count (kept, or counted from the tables under an expert) is the number of
    rows the filtered list holds, for every combination of the filters, unknown values included."""
    first = archive["first"].slug
    values = {
        "expert": ["", archive["ben"].slug, "nobody-at-all"],
        "question": ["", first, archive["second"].slug, "no-such-question"],
        "outcome": ["", Outcome.CAME_TRUE, Outcome.NOT_YET, "maybe"],
        # a start, an end, both (swapped: the form puts them in order), an invalid date
        "horizon": ["", "horizon_from=2019-06-01", "horizon_to=2019-12-31",
                    "horizon_from=2020-06-30&horizon_to=2019-06-01", "horizon_from=2019-13-45"],
    }  # fmt: skip
    for expert, question, outcome, horizon in itertools.product(*values.values()):
        params = f"expert={expert}&question={question}&outcome={outcome}&{horizon}"
        response = client.get(f"/predictions/?{params}")
        assert response.status_code == 200
        rows = response.context["page_obj"].paginator.object_list
        assert response.context["page_obj"].paginator.count == rows.count(), params


def test_the_unfiltered_and_filtered_pages_count_nothing_from_the_tables(client, archive):
    for query in (
        "",
        "?outcome=partly&horizon_from=2019-06-01&horizon_to=2020-12-31",
        f"?question={archive['first'].slug}",
    ):
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/predictions/{query}").status_code == 200
        counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
        assert counts == [], query
        assert any(prediction_counts.TABLE in q["sql"] for q in captured.captured_queries)
    assert page_count(client, "") == exact() == 6
    assert page_count(client, f"?expert={archive['ben'].slug}") == 3  # counted from the tables
