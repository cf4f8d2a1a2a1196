"""The question list (each question's stance split) and a question's page (who holds what)."""

from django.db import connections
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from archive import cache
from archive.db import data_version, stance_dates
from archive.models import ExpertStance, Position, Question
from archive.opendata import links
from archive.phases import PHASES
from archive.reading import StanceHolder, newest_holders, newest_positions, stance_split
from archive.stance_phases import by_expert, changes
from archive.timeline import question_volume
from archive.views.base import page

#: A question page lists this many experts under each stance (by name) and links to all of them.
HOLDERS_SHOWN = 30


@require_safe
def question_list(request: HttpRequest) -> HttpResponse:
    # Published positions per stance, from the counts the database keeps (archive/db/stance_dates.py).
    using = Position.objects.db
    counts = cache.kept(
        "stance split", None, lambda: stance_dates.split(connections[using]), version=data_version.for_request(request)
    )
    questions = Question.objects.prefetch_related("stances")
    return page(
        request,
        "archive/question_list.html",
        "Questions",
        "The questions the Hanoi summit raised, and how the archive's takes split between the answers.",
        splits=[stance_split(question, counts) for question in questions],
    )


def stance_groups(question: Question, counts: dict[int, int]) -> list[tuple[object, list[StanceHolder], int, int]]:
    """Per stance of ``question``: the first ``HOLDERS_SHOWN`` holders by name (each with a quote),
    how many takes and how many experts hold it.

    From the who-holds-what summary rather than every position on the question (40,000 at scale).
    One query whatever the number of stances (UNION ALL): per stance, a LIMIT subquery the database
    answers by walking the experts in name order and probing the summary's index (a few dozen
    probes), not by sorting every holder. Then the newest few takes of each shown expert, in one query.
    """
    on_question = ExpertStance.objects.filter(question=question)
    firsts = [
        ExpertStance.objects.filter(
            pk__in=on_question.filter(stance=stance)
            .order_by("expert__sort_name", "expert__name", "expert_id")
            .values("pk")[:HOLDERS_SHOWN]
        )
        .select_related("expert")
        .order_by()
        for stance in question.stances.all()
    ]
    rows = list(firsts[0].union(*firsts[1:], all=True)) if firsts else []
    holding = dict(on_question.order_by().values_list("stance_id").annotate(n=Count("expert_id")))
    experts = {row.expert_id: row.expert for row in rows}
    listed = {(row.stance_id, row.expert_id) for row in rows}
    holders = newest_holders(newest_positions(question, experts), experts)
    return [
        (
            stance,
            [h for h in holders.get(stance.pk, []) if (stance.pk, h.expert.pk) in listed],
            counts.get(stance.pk, 0),
            holding.get(stance.pk, 0),
        )
        for stance in question.stances.all()
    ]


@require_safe
def question_detail(request: HttpRequest, slug: str) -> HttpResponse:
    question = get_object_or_404(Question.objects.prefetch_related("stances"), slug=slug)
    counts = cache.kept(
        "question split",
        question.pk,
        lambda: stance_dates.split(connections[Position.objects.db], question.pk),
        version=data_version.for_request(request),
    )
    split = stance_split(question, counts)
    volume = cache.kept(
        "question volume",
        question.pk,
        lambda: question_volume("question", "Takes over time, by stance", question, Position.objects.db),
        version=data_version.for_request(request),
    )
    changed, more_changed = cache.kept(
        "question changes", question.pk, lambda: changes(question), version=data_version.for_request(request)
    )
    return page(
        request,
        "archive/question_detail.html",
        question.text,
        question.description or f"{question.text} Where the experts stand, with one quote each. {split.summary}",
        question=question,
        split=split,
        groups=stance_groups(question, counts),
        volume=volume,
        phases=PHASES,
        changed=by_expert(changed),
        more_changed=more_changed,
        open_data=links.question(question.slug),
    )
