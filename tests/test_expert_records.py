"""Experts' prediction records (archive/db/expert_records.py): the journal's sums stay exact whatever
writes the predictions, authorships and takes, and the leaderboard and an expert's record read
them with the same figures, order and ties as the live aggregate (archive/scores.py)."""

import datetime
from fractions import Fraction

import pytest
from django.db import connection, transaction

from archive import scores
from archive.db import expert_records
from archive.models import Outcome, Prediction, StatedConfidence, Status, Take, TakeAuthor
from tests.factories import ExpertFactory, TakeFactory
from tests.test_predictions_h20pred import document, prediction, run_import

pytestmark = pytest.mark.django_db

DAY = datetime.date(2019, 10, 5)
SOURCED = {"resolved": DAY, "source_title": "Report", "source_date": DAY, "source_url": "https://news.example/r"}


def predict(take, outcome=Outcome.CAME_TRUE, **fields) -> Prediction:
    extra = SOURCED if outcome != Outcome.NOT_YET else {}
    return Prediction.objects.create(take=take, claim="Something happens.", outcome=outcome, **extra, **fields)


def figures(records) -> list[tuple]:
    return [(r.expert.pk, r.resolved, r.came_true, r.partly, r.scored, r.brier) for r in records]


def assert_exact() -> None:
    assert expert_records.differences(connection) == 0
    # the live aggregate's float average may break an exact tie by its last bit: compared by expert
    kept, live = sorted(figures(scores.records())), sorted(figures(scores.live_records()))
    assert [f[:5] for f in kept] == [f[:5] for f in live]
    for (*_, brier), (*_, live_brier) in zip(kept, live, strict=True):
        assert (brier is None) == (live_brier is None)
        assert brier is None or brier == pytest.approx(live_brier, abs=1e-12)


@pytest.fixture
def archive():
    """Three experts, a co-written take, a draft and every kind of forecast and outcome."""
    ana, ben, cho = ExpertFactory(), ExpertFactory(), ExpertFactory()
    shared = TakeFactory(authors=[ana, ben])
    alone = TakeFactory(authors=[cho])
    draft = TakeFactory(authors=[ana], status=Status.DRAFT)
    predict(shared, Outcome.CAME_TRUE, probability=70)
    predict(shared, Outcome.DID_NOT, confidence=StatedConfidence.HIGH)
    predict(shared, Outcome.PARTLY, confidence=StatedConfidence.LOW)
    predict(shared, Outcome.NOT_YET, probability=10)
    predict(alone, Outcome.DID_NOT)  # no forecast: resolved, not scored
    predict(alone, Outcome.CAME_TRUE, confidence=StatedConfidence.MEDIUM)
    predict(draft, Outcome.CAME_TRUE, probability=90)
    assert_exact()
    return {"ana": ana, "ben": ben, "cho": cho, "shared": shared, "alone": alone, "draft": draft}


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "write",
    [
        lambda a: predict(a["shared"], Outcome.DID_NOT, probability=35),
        lambda a: predict(a["draft"], Outcome.DID_NOT, probability=35),
        lambda a: Prediction.objects.bulk_create(
            [
                Prediction(take=a["alone"], claim=f"Bulk {n}", outcome=Outcome.PARTLY, probability=n, **SOURCED)
                for n in (5, 55)
            ]
        ),
        lambda a: Prediction.objects.filter(outcome=Outcome.NOT_YET).update(outcome=Outcome.CAME_TRUE, **SOURCED),
        lambda a: Prediction.objects.filter(take=a["shared"]).update(outcome=Outcome.NOT_YET),
        lambda a: Prediction.objects.update(probability=42),
        lambda a: Prediction.objects.filter(probability__isnull=True).update(confidence=StatedConfidence.HIGH),
        lambda a: Prediction.objects.filter(take=a["alone"]).update(take=a["shared"]),
        lambda a: Prediction.objects.filter(take=a["shared"]).first().delete(),
        lambda a: Prediction.objects.all().delete(),
        lambda a: Take.objects.filter(pk=a["shared"].pk).update(status=Status.DRAFT),
        lambda a: Take.objects.filter(pk=a["draft"].pk).update(status=Status.PUBLISHED),
        lambda a: Take.objects.update(status=Status.PUBLISHED),
        lambda a: Take.objects.filter(pk=a["shared"].pk).update(title="Retitled"),
        lambda a: a["shared"].delete(),
        lambda a: Take.objects.all().delete(),
        lambda a: TakeAuthor.objects.create(take=a["alone"], expert=a["ana"], order=1),
        lambda a: TakeAuthor.objects.bulk_create([TakeAuthor(take=a["draft"], expert=a["cho"], order=1)]),
        lambda a: TakeAuthor.objects.filter(expert=a["ben"]).delete(),
        lambda a: TakeAuthor.objects.filter(expert=a["ben"]).update(expert=a["cho"]),
        lambda a: TakeAuthor.objects.filter(take=a["alone"]).update(take=a["draft"]),
    ],
    ids=[
        "add",
        "add to a draft",
        "bulk add",
        "resolve",
        "unresolve",
        "probability",
        "confidence",
        "move to another take",
        "delete one",
        "delete all",
        "unpublish",
        "publish",
        "publish all",
        "retitle",
        "delete a take",
        "delete every take",
        "author added",
        "author added to a draft",
        "author removed",
        "author changed",
        "authorship moved",
    ],
)
def test_every_write_keeps_the_sums_exact(archive, write):
    write(archive)
    assert_exact()


def test_the_figures_are_the_live_aggregates(archive):
    ana, cho = archive["ana"], archive["cho"]
    (kept,) = scores.records(expert_ids=[ana.pk])
    # came true at 70%, did not at 90% ("high"), partly at 60% ("low"); the draft's does not count
    assert (kept.resolved, kept.came_true, kept.partly, kept.scored) == (3, 1, 1, 3)
    assert kept.brier == pytest.approx((0.3**2 + 0.9**2 + 0.1**2) / 3)
    (alone,) = scores.records(expert_ids=[cho.pk])
    assert (alone.resolved, alone.scored, alone.brier) == (2, 1, pytest.approx(0.25**2))
    assert scores.record_of(ExpertFactory()) is None


def test_raw_sql_in_any_order(archive):
    shared, alone, ana = archive["shared"], archive["alone"], archive["ana"]
    raw(
        "UPDATE archive_prediction SET outcome = %s WHERE take_id = %s AND outcome = %s",
        ["partly", shared.pk, "came-true"],
    )
    raw('INSERT INTO archive_takeauthor (take_id, expert_id, "order") VALUES (%s, %s, 5)', [alone.pk, ana.pk])
    assert_exact()
    # the take first, its rows after (the foreign keys are checked at commit)
    with transaction.atomic():
        raw("DELETE FROM archive_take WHERE id = %s", [shared.pk])
        for table in ("archive_prediction", "archive_takeauthor", "archive_take_themes", "archive_quote"):
            raw(f"DELETE FROM {table} WHERE take_id = %s", [shared.pk])  # noqa: S608 - fixed names
        assert_exact()
    assert_exact()


def test_a_rolled_back_write_leaves_nothing(archive):
    with pytest.raises(RuntimeError), transaction.atomic():
        predict(archive["shared"], Outcome.DID_NOT, probability=1)
        raise RuntimeError
    assert_exact()


def test_import_and_reimport(tmp_path):
    run_import(tmp_path, document())
    assert_exact()
    assert [r.expert.slug for r in scores.records()] == ["ana-seer"]
    changed = document()
    changed["takes"][0]["predictions"].append(prediction("More talks.", "did-not", probability=15))
    run_import(tmp_path, changed)
    assert_exact()
    run_import(tmp_path, document(status="draft"))
    assert_exact()
    assert scores.records() == []


def test_ties_and_order_are_the_live_aggregates():
    """Equal Brier scores reached through different sums tie exactly (then the most came true,
    then the id), where a float average may differ in its last bit."""
    experts = [ExpertFactory() for _ in range(6)]
    plans = [
        [(Outcome.CAME_TRUE, 60), (Outcome.DID_NOT, 30), (Outcome.PARTLY, 55)],
        [(Outcome.PARTLY, 55), (Outcome.CAME_TRUE, 60), (Outcome.DID_NOT, 30)],
        [(Outcome.DID_NOT, 30), (Outcome.PARTLY, 55), (Outcome.CAME_TRUE, 60), (Outcome.CAME_TRUE, None)],
        [(Outcome.DID_NOT, 10), (Outcome.DID_NOT, None), (Outcome.DID_NOT, None)],
        [(Outcome.DID_NOT, None), (Outcome.CAME_TRUE, None), (Outcome.PARTLY, None)],
        [(Outcome.CAME_TRUE, 100), (Outcome.DID_NOT, 0), (Outcome.CAME_TRUE, 100)],
    ]
    for expert, plan in zip(experts, plans, strict=True):
        take = TakeFactory(authors=[expert])
        for outcome, probability in plan:
            predict(take, outcome, probability=probability)
    assert_exact()
    board = scores.leaderboard()
    exact = {
        e.pk: [
            Fraction((p or 0) - {"came-true": 100, "did-not": 0, "partly": 50}[o]) ** 2
            for o, p in plan
            if p is not None
        ]
        for e, plan in zip(experts, plans, strict=True)
    }
    came_true = {e.pk: sum(o == Outcome.CAME_TRUE for o, _ in plan) for e, plan in zip(experts, plans, strict=True)}
    ranked = sorted(
        exact,
        key=lambda pk: (sum(exact[pk]) / len(exact[pk]) if exact[pk] else Fraction(10**9), -came_true[pk], pk),
    )
    assert [r.expert.pk for r in board] == ranked
    assert [r.expert.pk for r in board] == [
        e.pk for e in (experts[5], experts[3], experts[2], experts[0], experts[1], experts[4])
    ]
    assert board[2].brier == board[3].brier == board[4].brier
    assert board[-1].brier is None


def test_compaction_keeps_one_row_per_expert(archive):
    for probability in (10, 20, 30):
        Prediction.objects.filter(take=archive["shared"]).update(probability=probability)
    assert expert_records.journal_rows(connection) > 3
    expert_records.compact(connection)
    assert expert_records.journal_rows(connection) == 3
    assert_exact()


def test_install_again_recounts(archive):
    expert_records.uninstall(connection)
    predict(archive["alone"], Outcome.PARTLY, probability=50)  # written with no journal at all
    expert_records.install(connection)
    expert_records.install(connection)  # idempotent
    assert_exact()
    predict(archive["alone"], Outcome.PARTLY, probability=50)
    assert_exact()


def test_the_leaderboard_and_a_record_are_one_query_each(archive, django_assert_num_queries):
    with django_assert_num_queries(2):  # the sums, then the experts
        board = scores.leaderboard()
    assert {r.expert.pk for r in board} == {archive["ana"].pk, archive["ben"].pk}  # cho has two
    with django_assert_num_queries(1):
        scores.record_of(archive["ana"])
