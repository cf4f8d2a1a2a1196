"""Where experts stand: the debated questions and their stances, who holds which (derived by the
database), and how a take answers another expert (responses).

A take's own stance on a question is a ``takes.Position``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from archive.models.checks import choice_check
from archive.models.takes import OfTakeQuerySet, Position, Quote, Take
from archive.models.text import TEXT


class Question(models.Model):
    """A debated question about the summit, with ordered stance choices."""

    text = models.CharField(max_length=300, validators=TEXT)
    slug = models.SlugField(max_length=100, unique=True)
    short_label = models.CharField(max_length=100, blank=True, validators=TEXT)
    description = models.TextField(blank=True, validators=TEXT)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text

    def get_absolute_url(self) -> str:
        return reverse("question_detail", args=[self.slug])


class Stance(models.Model):
    """One answer to a question, at a position on the question's scale."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="stances")
    label = models.CharField(max_length=100, validators=TEXT)
    slug = models.SlugField(max_length=100)
    meaning = models.CharField(
        max_length=300, blank=True, help_text="What holding this stance means, in one line.", validators=TEXT
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Place on the question's scale, from 0.")
    opposes = models.ManyToManyField(
        "self",
        symmetrical=True,
        blank=True,
        help_text="The stances of the same question that say the opposite of this one (About the data explains).",
    )

    class Meta:
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "slug"], name="stance_slug_unique_per_question"),
            models.UniqueConstraint(fields=["question", "position"], name="stance_position_unique_per_question"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        """A stance that positions hold stays with its question (the database refuses the move too:
        archive/db/rules.py, ``archive_stance_keeps_question``)."""
        if self.pk is None or self.question_id is None:
            return
        before = Stance.objects.filter(pk=self.pk).values_list("question_id", flat=True).first()
        if before is None or before == self.question_id:
            return
        held = Position.objects.filter(stance_id=self.pk).count()
        if held:
            raise ValidationError(
                {
                    "question": f"{held} position(s) hold this stance on its question, so it cannot move to "
                    "another one; add a new stance to that question instead."
                }
            )


class Relation(models.TextChoices):
    AGREES = "agrees", "Agrees with"
    DISPUTES = "disputes", "Disputes"
    CITES = "cites", "Cites"


class Response(models.Model):
    """How a take answers another expert (and, when known, one of their takes)."""

    take = models.ForeignKey(Take, on_delete=models.CASCADE, related_name="responses")
    expert = models.ForeignKey("Expert", on_delete=models.PROTECT, related_name="responses_received")
    target_take = models.ForeignKey(
        Take, on_delete=models.SET_NULL, null=True, blank=True, related_name="responses_received"
    )
    relation = models.CharField(max_length=10, choices=Relation)
    quote = models.ForeignKey(
        Quote,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responses",
        help_text="The quote the response is about.",
    )
    note = models.TextField(blank=True, validators=TEXT)

    objects = OfTakeQuerySet.as_manager()

    class Meta:
        ordering = ["take", "id"]
        constraints = [
            models.UniqueConstraint(fields=["take", "expert", "relation"], name="response_once_per_relation"),
            choice_check("relation", Relation, "response_relation_valid"),
            models.CheckConstraint(
                condition=Q(target_take__isnull=True) | ~Q(target_take=models.F("take")),
                name="response_not_to_itself",
            ),
        ]
        indexes = [models.Index(fields=["expert", "relation"], name="response_expert_relation_idx")]

    def __str__(self) -> str:
        return f"{self.take} {self.get_relation_display().lower()} {self.expert}"

    def clean(self) -> None:
        if self.quote_id and self.take_id and self.quote.take_id != self.take_id:
            raise ValidationError({"quote": "The quote must come from the same take."})


class ExpertStanceQuerySet(models.QuerySet):
    def on(self, question_id: int, stance_ids=None) -> ExpertStanceQuerySet:
        rows = self.filter(question_id=question_id)
        return rows.filter(stance_id__in=list(stance_ids)) if stance_ids else rows


class ExpertStance(models.Model):
    """Who holds what: a stance an expert took on a question in their published takes, with how often.

    Derived data, written only by the database's triggers (archive/db/stances.py): one row per
    (expert, question, stance) with at least one published take the expert wrote or co-wrote
    holding it. ``takes`` counts those takes; ``newest`` is the latest date among them (empty when
    all are undated). Never written from Python: the triggers keep it exact whatever writes takes,
    positions or authorships.
    """

    # The unique constraint leads with expert, the index with question: no separate indexes needed.
    expert = models.ForeignKey(
        "Expert", on_delete=models.DO_NOTHING, related_name="held_stances", editable=False, db_index=False
    )
    question = models.ForeignKey(
        Question, on_delete=models.DO_NOTHING, related_name="held_stances", editable=False, db_index=False
    )
    stance = models.ForeignKey(Stance, on_delete=models.DO_NOTHING, related_name="held_stances", editable=False)
    takes = models.PositiveIntegerField(editable=False)
    newest = models.DateField(null=True, editable=False)

    objects = ExpertStanceQuerySet.as_manager()

    class Meta:
        ordering = ["expert", "question", "stance"]
        constraints = [
            models.UniqueConstraint(fields=["expert", "question", "stance"], name="expertstance_once"),
            models.CheckConstraint(condition=Q(takes__gt=0), name="expertstance_takes_positive"),
        ]
        indexes = [
            # Experts holding a stance on a question (or any of its stances), by expert.
            models.Index(fields=["question", "stance", "expert"], name="expertstance_q_stance_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} holds {self.stance} ({self.takes})"
