"""A take in several places (``Appearance``), and the predictions a take makes (``Prediction``).

An *appearance* is one more place a take was published: republished, syndicated or translated in
another outlet, or (when the take's own URL is a copy) its original. The take keeps one record;
its ``url`` stays the address the archive cites, and every appearance's URL counts as the take's
for the duplicate guard (admin and importer).

A *prediction* is a claim in a take about what will happen: its evidence is a quote of the take,
it may have a horizon date and a probability (or a confidence word mapped to one: see
``BRIER_PROBABILITY``), and once known an outcome with the dated report that shows it.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Exists, OuterRef, Q

from archive.db import prediction_counts
from archive.models.checks import choice_check
from archive.models.takes import Status, Take, TakeAuthor


class AppearanceKind(models.TextChoices):
    ORIGINAL = "original", "Original"
    REPUBLISHED = "republished", "Republished"
    SYNDICATED = "syndicated", "Syndicated"
    TRANSLATED = "translated", "Translated"


class AppearanceQuerySet(models.QuerySet):
    def published(self) -> AppearanceQuerySet:
        return self.filter(take__status=Status.PUBLISHED)


class Appearance(models.Model):
    """One more outlet, address, date and title under which a take was published."""

    take = models.ForeignKey("Take", on_delete=models.CASCADE, related_name="appearances")
    kind = models.CharField(max_length=12, choices=AppearanceKind, default=AppearanceKind.REPUBLISHED)
    publication = models.ForeignKey(
        "Publication", on_delete=models.PROTECT, null=True, blank=True, related_name="appearances"
    )
    url = models.URLField("URL", max_length=500)
    published = models.DateField(null=True, blank=True, help_text="The day it appeared there, when known.")
    title = models.CharField(max_length=500, blank=True, help_text="When it differs from the take's own title.")
    order = models.PositiveSmallIntegerField(default=0)

    objects = AppearanceQuerySet.as_manager()

    class Meta:
        ordering = ["take", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["url"], name="appearance_url_unique"),
            choice_check("kind", AppearanceKind, "appearance_kind_valid"),
            models.CheckConstraint(condition=~Q(url=""), name="appearance_url_not_empty"),
        ]
        indexes = [models.Index(fields=["publication", "take"], name="appearance_pub_take_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.url}"

    def clean(self) -> None:
        """The duplicate guard: an appearance's URL may not be another take's own URL."""
        if self.url and Take.objects.filter(url=self.url).exclude(pk=self.take_id).exists():
            raise ValidationError({"url": "This URL is already another take's address in the archive."})


class Outcome(models.TextChoices):
    NOT_YET = "not-yet", "Not yet"
    CAME_TRUE = "came-true", "Came true"
    DID_NOT = "did-not", "Did not come true"
    PARTLY = "partly", "Partly came true"


class StatedConfidence(models.TextChoices):
    NONE = "", "Not stated"
    LOW = "low", "Low (“may”, “could”)"
    MEDIUM = "medium", "Medium (“likely”, “probably”)"
    HIGH = "high", "High (“will”, “near-certain”)"


#: The probability a confidence word stands for in the Brier score (docs/reading-pages.md).
BRIER_PROBABILITY = {StatedConfidence.LOW: 0.6, StatedConfidence.MEDIUM: 0.75, StatedConfidence.HIGH: 0.9}
#: What each resolved outcome counts as in the Brier score; "partly" is half.
OUTCOME_VALUE = {Outcome.CAME_TRUE: 1.0, Outcome.DID_NOT: 0.0, Outcome.PARTLY: 0.5}
#: The leaderboard ranks only experts with at least this many resolved predictions.
LEADERBOARD_MINIMUM = 3


class PredictionQuerySet(models.QuerySet):
    def published(self) -> PredictionQuerySet:
        """Predictions of published takes: the only ones the public sees.

        A probe of the take rather than a join: SQLite then walks the predictions in the list's
        order and stops at the page, where the join made it start from every published take and
        sort all their predictions (docs/performance.md, "The predictions list's count")."""
        return self.filter(Exists(Take.objects.filter(pk=OuterRef("take_id"), status=Status.PUBLISHED)))

    def published_count(
        self,
        *,
        outcome: str | None = None,
        question_id: int | None = None,
        start: datetime.date | None = None,
        end: datetime.date | None = None,
    ) -> int:
        """How many published predictions have this outcome, question and a horizon from ``start``
        to ``end`` (``None``: any) in the whole archive, whatever this queryset's own filters: from the
        counts the database keeps (archive/db/prediction_counts.py)."""
        connection = connections[self.db]
        return prediction_counts.count(connection, outcome=outcome, question_id=question_id, start=start, end=end)

    def resolved(self) -> PredictionQuerySet:
        return self.exclude(outcome=Outcome.NOT_YET)

    def by_experts(self, expert_ids) -> PredictionQuerySet:
        """Predictions made in takes these experts wrote or co-wrote.

        The takes as a set (``IN``), not a probe per prediction: SQLite then starts from the
        experts' authorships and reads only their takes' predictions, where an ``EXISTS`` had it
        scan all of them (docs/performance.md, "The predictions list's count")."""
        takes = TakeAuthor.objects.filter(expert_id__in=list(expert_ids)).values("take_id")
        return self.filter(take_id__in=takes)

    def horizon_between(self, start: datetime.date | None, end: datetime.date | None) -> PredictionQuerySet:
        qs = self
        if start is not None:
            qs = qs.filter(horizon__gte=start)
        if end is not None:
            qs = qs.filter(horizon__lte=end)
        return qs

    def with_related(self) -> PredictionQuerySet:
        """What a prediction row shows: its take (with authors and outlet), question and evidence."""
        return self.select_related("take", "take__publication", "question", "evidence").prefetch_related(
            models.Prefetch(
                "take__authorships", queryset=TakeAuthor.objects.select_related("expert").order_by("order", "id")
            )
        )


class Prediction(models.Model):
    """A claim in a take about what will happen, and (once known) what happened."""

    take = models.ForeignKey("Take", on_delete=models.CASCADE, related_name="predictions")
    claim = models.TextField(help_text="What the take says will happen, in the editor's words.")
    evidence = models.ForeignKey(
        "Quote",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="predicted_in",
        help_text="The quote of this take that makes the prediction.",
    )
    question = models.ForeignKey(
        "Question", on_delete=models.PROTECT, null=True, blank=True, related_name="predictions"
    )
    horizon = models.DateField(
        null=True, blank=True, help_text="By when it should happen; empty when the text gives no date."
    )
    probability = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="A probability in per cent, only when the take states one."
    )
    confidence = models.CharField(
        max_length=10,
        choices=StatedConfidence,
        default=StatedConfidence.NONE,
        blank=True,
        help_text="The confidence the take's own wording gives, when it states no probability.",
    )
    outcome = models.CharField(max_length=10, choices=Outcome, default=Outcome.NOT_YET)
    resolved = models.DateField("resolved on", null=True, blank=True)
    source_title = models.CharField("source title", max_length=500, blank=True)
    source_outlet = models.CharField("source outlet", max_length=200, blank=True)
    source_date = models.DateField("source date", null=True, blank=True)
    source_url = models.URLField("source URL", max_length=1000, blank=True)
    note = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = PredictionQuerySet.as_manager()

    class Meta:
        ordering = ["take", "order", "id"]
        constraints = [
            choice_check("outcome", Outcome, "prediction_outcome_valid"),
            choice_check("confidence", StatedConfidence, "prediction_confidence_valid"),
            models.CheckConstraint(condition=~Q(claim=""), name="prediction_claim_not_empty"),
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__lte=100), name="prediction_probability_range"
            ),
            # a resolved prediction names the day it resolved and the report that shows it
            models.CheckConstraint(
                condition=Q(outcome=Outcome.NOT_YET)
                | (Q(resolved__isnull=False) & Q(source_date__isnull=False) & ~Q(source_url="") & ~Q(source_title="")),
                name="prediction_resolved_is_sourced",
            ),
        ]
        indexes = [
            models.Index(fields=["outcome", "take"], name="prediction_outcome_take_idx"),
            models.Index(fields=["question", "take"], name="prediction_question_take_idx"),
            models.Index(fields=["horizon"], name="prediction_horizon_idx"),
            models.Index(fields=["take", "order"], name="prediction_take_order_idx"),
        ]

    def __str__(self) -> str:
        return self.claim if len(self.claim) <= 80 else self.claim[:77] + "…"

    @property
    def forecast(self) -> float | None:
        """The probability the Brier score uses: the stated one, else the confidence word's."""
        if self.probability is not None:
            return self.probability / 100
        return BRIER_PROBABILITY.get(self.confidence)

    def clean(self) -> None:
        errors = {}
        if self.evidence_id and self.take_id and self.evidence.take_id != self.take_id:
            errors["evidence"] = "The evidence quote must come from the same take."
        if self.outcome != Outcome.NOT_YET:
            for name in ("resolved", "source_title", "source_date", "source_url"):
                if not getattr(self, name):
                    errors[name] = "A resolved prediction names the day it resolved and the dated report that shows it."
        if errors:
            raise ValidationError(errors)


def brier(predictions) -> float | None:
    """The mean squared gap between forecast and outcome over resolved predictions with a forecast."""
    pairs = [
        (p.forecast, OUTCOME_VALUE[p.outcome])
        for p in predictions
        if p.outcome in OUTCOME_VALUE and p.forecast is not None
    ]
    if not pairs:
        return None
    return sum((f - o) ** 2 for f, o in pairs) / len(pairs)
