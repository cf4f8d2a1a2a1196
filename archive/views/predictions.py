"""/predictions/: the claims takes made about what would happen, what did, and who called it right."""

from __future__ import annotations

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from archive import cache, scores
from archive.db import data_version
from archive.filters.predictions import PredictionFilter
from archive.filters.querystrings import canonical_query, link_params
from archive.models import (
    BRIER_PROBABILITY,
    LEADERBOARD_MINIMUM,
    Expert,
    Outcome,
    Prediction,
    Question,
    StatedConfidence,
)
from archive.pagination import paginate
from archive.views.base import page

#: The prediction list shows this many predictions a page.
PREDICTIONS_PER_PAGE = 30


def expert_menu(leaderboard: list, chosen: list[Expert]) -> list[Expert]:
    """The experts the filter menu offers: the ranked ones and the one chosen. Thousands of experts
    with a prediction would make a menu no one reads (and a slow page): every expert page links to
    its own predictions instead."""
    experts = {record.expert.pk: record.expert for record in leaderboard if record.expert}
    experts.update((expert.pk, expert) for expert in chosen)
    return sorted(experts.values(), key=lambda e: (e.sort_name, e.pk))


@require_safe
def prediction_list(request: HttpRequest) -> HttpResponse:
    filterset = PredictionFilter(request.GET, queryset=Prediction.objects.published())
    predictions = filterset.qs.with_related().order_by(F("horizon").asc(nulls_last=True), "take_id", "order", "id")
    # counted from what the database keeps (archive/db/prediction_counts.py), but under an expert
    page_obj, page_notice = paginate(
        request, predictions, per_page=PREDICTIONS_PER_PAGE, count=filterset.published_count()
    )
    params = link_params(request.GET, filterset.filters)
    data = filterset.data_cleaned
    # one figure for every filter combination, kept until the next write (archive/cache.py)
    version = data_version.for_request(request)
    leaderboard = cache.kept("prediction leaderboard", (), scores.leaderboard, version=version)
    return page(
        request,
        "archive/prediction_list.html",
        "Predictions, scored",
        "What experts said would happen after the Hanoi summit, what happened, and who called it right.",
        link_query=params,
        form_values=data,
        predictions=list(page_obj),
        page_obj=page_obj,
        leaderboard=leaderboard,
        minimum=LEADERBOARD_MINIMUM,
        mapping=[(StatedConfidence(word).label.split(" (")[0].lower(), p) for word, p in BRIER_PROBABILITY.items()],
        outcomes=Outcome.choices,
        experts=expert_menu(leaderboard, data.get("expert") or []),
        questions=Question.objects.all(),
        notices=[*filterset.notices, page_notice],
        canonical_query=canonical_query(filterset.canonical_params(), page_obj),
    )
