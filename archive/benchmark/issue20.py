"""The benchmark's scenarios for the pages of issue 20: the comparison, the agreement matrix, and
the pages that gained a chart of takes over time or the phases (home, a question, an outlet, the
take list under a question). Each against the naive way: a query per expert and question, pairs of
positions made in Python, a ``COUNT`` per month.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from urllib.parse import urlencode

from django.db.models import Max, Min, Sum

from archive.benchmark.run import Parameters, Scenario
from archive.models import Expert, ExpertStance, Position, Publication, Question, Status, Take

TARGET_GROUP = "lists"  # p95 ≤ 50 ms as served


def busiest_experts(n: int) -> list[str]:
    """The slugs of the ``n`` experts with the most positions (the matrix's first ``n``)."""
    rows = ExpertStance.objects.values("expert__slug").annotate(n=Sum("takes")).order_by("-n", "expert_id")[:n]
    return [row["expert__slug"] for row in rows]


def naive_compare(slugs: list[str]) -> list:
    rows = []
    for expert in Expert.objects.filter(slug__in=slugs):
        for question in Question.objects.all():
            positions = (
                Position.objects.published()
                .filter(take__authorships__expert=expert, question=question)
                .select_related("stance", "take", "evidence")
                .order_by("-take__published")
            )
            rows.append([(p.stance.label, p.take.published, p.evidence) for p in positions])  # a query per pair
    return rows


def naive_agreement(n: int) -> dict:
    """Every position of the top ``n``, their current stances and the pairs made in Python."""
    current: dict[int, dict[int, tuple]] = defaultdict(dict)
    slugs = busiest_experts(n)
    for expert in Expert.objects.filter(slug__in=slugs):
        for p in Position.objects.filter(
            take__authorships__expert=expert, take__status=Status.PUBLISHED
        ).select_related("take"):
            key = (p.take.published or datetime.date.min, p.take_id)
            if p.question_id not in current[expert.pk] or key > current[expert.pk][p.question_id][0]:
                current[expert.pk][p.question_id] = (key, p.stance_id)
    pairs = {}
    for a in current:
        for b in current:
            if a < b:
                both = set(current[a]) & set(current[b])
                pairs[a, b] = (len(both), sum(current[a][q][1] == current[b][q][1] for q in both))
    return pairs


def naive_volume(**filters) -> list[int]:
    """A ``COUNT`` per month from the first take's month to the last one's."""
    takes = Take.objects.filter(status=Status.PUBLISHED, published__isnull=False, **filters)
    span = takes.aggregate(first=Min("published"), last=Max("published"))
    counts, month = [], span["first"].replace(day=1) if span["first"] else None
    while month and month <= span["last"]:
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        counts.append(takes.filter(published__gte=month, published__lt=following).count())
        month = following
    return counts


def naive_question(slug: str) -> list:
    """The question page's chart and changes from every position on it, grouped in Python."""
    question = Question.objects.get(slug=slug)
    positions = Position.objects.filter(question=question, take__status=Status.PUBLISHED).select_related("take")
    by_expert = defaultdict(list)
    for position in positions.prefetch_related("take__authorships"):
        for authorship in position.take.authorships.all():
            by_expert[authorship.expert_id].append((position.take.published, position.stance_id))
    return [naive_volume(positions__question=question), len(by_expert)]


def scenarios(p: Parameters) -> list[Scenario]:
    compared = busiest_experts(6)
    pair = compared[:2]
    publication = Publication.objects.get(slug=p.publication)

    def url(path: str, params) -> str:
        return f"{path}?{urlencode(params, doseq=True)}"

    return [
        Scenario(
            "compare: 2 experts", url("/compare/", {"experts": pair}), lambda: naive_compare(pair), 6, TARGET_GROUP
        ),
        Scenario(
            "compare: 6 experts",
            url("/compare/", {"experts": compared}),
            lambda: naive_compare(compared),
            6,
            TARGET_GROUP,
        ),
        Scenario("agreement: top 12", "/agreement/", lambda: naive_agreement(12), 4, TARGET_GROUP),
        Scenario("agreement: top 40", "/agreement/?n=40", lambda: naive_agreement(40), 4, TARGET_GROUP),
        Scenario("home (takes over time)", "/", naive_volume, 13, TARGET_GROUP),
        Scenario(
            "question (over time, changes)",
            f"/questions/{p.busy_question}/",
            lambda: naive_question(p.busy_question),
            9,
            TARGET_GROUP,
        ),
        Scenario(
            "outlet (over time)",
            f"/publications/{p.publication}/",
            lambda: naive_volume(publication=publication),
            11,  # + the takes it republished (appearances)
            TARGET_GROUP,
        ),
        Scenario(
            "takes by question (over time)",
            url("/takes/", {"question": p.question.slug}),
            lambda: naive_volume(positions__question=p.question),
            18,
            TARGET_GROUP,
        ),
    ]
