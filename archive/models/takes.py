"""Takes and what each one holds: authors in byline order, quotes, positions on the questions.

A *take* is one piece of commentary (an op-ed, a blog post, an answer in a collection). It has
ordered authors, appears in a publication, may belong to a collection, carries theme tags, holds
*quotes* (whose speaker may be someone other than the author) and takes *positions* (one stance
per debated question). ``Position`` lives here, beside ``Take``, because the take querysets filter
and prefetch by it and it belongs to one take; the questions and stances it points at are in
``stances``.

Relations to models of the other modules are named by string ("Publication", "Expert", ...): those
modules query takes, so they import this one, never the other way round.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from archive.models.checks import choice_check
from archive.models.text import TEXT, capped
from archive.search.results import filter_search, order_by_relevance


class TakeKind(models.TextChoices):
    OP_ED = "op-ed", "Op-ed"
    ANALYSIS = "analysis", "Analysis"
    BLOG_POST = "blog-post", "Blog post"
    COLLECTION_ANSWER = "collection-answer", "Collection answer"
    INTERVIEW = "interview", "Interview"
    REPORT = "report", "Report"
    TESTIMONY = "testimony", "Testimony"
    SOCIAL_POST = "social-post", "Social media post"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


def theme_display_name(text: str) -> str:
    """A theme's name as readers see it: a slug-like text ("arms-control") becomes "Arms control";
    any other text is its own name."""
    if text and text == text.lower() and " " not in text:
        return text.replace("-", " ").replace("_", " ").strip().capitalize() or text
    return text


class Theme(models.Model):
    """A topic tag on takes: sanctions, deterrence, Yongbyon, ..."""

    name = models.CharField(max_length=100, unique=True, validators=TEXT)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, validators=TEXT)

    class Meta:
        ordering = ["name"]
        constraints = [
            # A theme shows by its name: a name that is only its slug ("arms-control") is not one.
            models.CheckConstraint(condition=~Q(name="") & ~Q(name=models.F("slug")), name="theme_has_display_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.name and self.name == self.slug:
            raise ValidationError({"name": "Give the theme a name readers see (e.g. “Arms control”), not its slug."})

    def get_absolute_url(self) -> str:
        return reverse("theme_detail", args=[self.slug])


class TakeQuerySet(models.QuerySet):
    def published(self) -> TakeQuerySet:
        return self.filter(status=Status.PUBLISHED)

    def with_related(self) -> TakeQuerySet:
        """What a list of take cards shows, fetched in a fixed number of queries."""
        return self.select_related("publication", "collection").prefetch_related(
            models.Prefetch(
                "authorships", queryset=TakeAuthor.objects.select_related("expert").order_by("order", "id")
            ),
            models.Prefetch(
                "positions",
                queryset=Position.objects.select_related("question", "stance").order_by(
                    "question__order", "question_id"
                ),
            ),
            models.Prefetch(
                "quotes",
                queryset=Quote.objects.filter(is_headline=True).select_related("speaker"),
                to_attr="headline_quotes",
            ),
        )

    def with_details(self) -> TakeQuerySet:
        """What a take's own page shows: authors with their affiliations, stances with evidence."""
        return self.select_related("publication", "collection").prefetch_related(
            models.Prefetch(
                "authorships",
                queryset=TakeAuthor.objects.select_related("expert")
                .prefetch_related("expert__affiliations")
                .order_by("order", "id"),
            ),
            models.Prefetch(
                "positions",
                queryset=Position.objects.select_related(
                    "question", "stance", "evidence", "evidence__speaker"
                ).order_by("question__order", "question_id"),
            ),
            "themes",
        )

    def search(self, query: str) -> TakeQuerySet:
        """Takes whose title, standfirst, summary or full text match the reader's query.

        Full-text search on the database's own index (archive/search/): words, "phrases", -word,
        OR. A blank query leaves the queryset as it is; a query with nothing searchable in it (only
        punctuation or stop words) matches nothing: ``archive.search.parse(q).message`` says why.
        """
        return filter_search(self, query)

    def by_relevance(self, query: str) -> TakeQuerySet:
        """The matching takes, best first (see ``archive.search.ranked_ids``: ranks at most 1,000).

        A blank query has nothing to rank by: the takes come newest first.
        """
        if not (query or "").strip():
            return self.newest_first()
        return order_by_relevance(self, query)

    def newest_first(self) -> TakeQuerySet:
        return self.order_by(models.F("published").desc(nulls_last=True), "-id")

    def oldest_first(self) -> TakeQuerySet:
        return self.order_by(models.F("published").asc(nulls_last=True), "id")

    # Filters the reading pages combine. Each takes already-resolved ids or objects, uses an
    # indexed column and never multiplies rows (EXISTS rather than joins), so no DISTINCT is needed.

    def by_experts(self, expert_ids) -> TakeQuerySet:
        """Takes written (or co-written) by any of these experts."""
        return self.filter(Exists(TakeAuthor.objects.filter(take=OuterRef("pk"), expert_id__in=list(expert_ids))))

    def in_publications(self, publication_ids) -> TakeQuerySet:
        return self.filter(publication_id__in=list(publication_ids))

    def with_themes(self, theme_ids, mode: str = "any") -> TakeQuerySet:
        """Takes tagged with any (``mode="any"``) or all (``mode="all"``) of these themes."""
        theme_ids = list(dict.fromkeys(theme_ids))
        tags = Take.themes.through.objects.filter(take_id=OuterRef("pk"))
        if mode != "all" or len(theme_ids) == 1:
            return self.filter(Exists(tags.filter(theme_id__in=theme_ids)))
        tagged_with_all = (
            Take.themes.through.objects.filter(theme_id__in=theme_ids)
            .order_by()
            .values("take_id")
            .annotate(n=models.Count("theme_id"))
            .filter(n=len(theme_ids))
            .values("take_id")
        )
        return self.filter(pk__in=tagged_with_all)

    def without_themes(self, theme_ids) -> TakeQuerySet:
        """Takes tagged with none of these themes (``?theme_not=``)."""
        tags = Take.themes.through.objects.filter(take_id=OuterRef("pk"), theme_id__in=list(theme_ids))
        return self.exclude(Exists(tags))

    def taking_stance(self, question_id: int | None = None, stance_ids=None) -> TakeQuerySet:
        """Takes with a position on the question, optionally holding one of ``stance_ids``."""
        positions = Position.objects.filter(take=OuterRef("pk"))
        if question_id is not None:
            positions = positions.filter(question_id=question_id)
        if stance_ids is not None:
            positions = positions.filter(stance_id__in=list(stance_ids))
        return self.filter(Exists(positions))

    def dated_between(self, start: datetime.date | None, end: datetime.date | None) -> TakeQuerySet:
        """Takes whose date, at its precision, overlaps the range from ``start`` to ``end`` (inclusive).

        A take dated only "March 2019" matches a range from 15 March; one dated only "2019"
        matches any range that touches 2019. Takes without a date never match a date range.
        """
        qs = self
        if start is not None:
            qs = qs.filter(
                Q(date_precision=DatePrecision.DAY, published__gte=start)
                | Q(date_precision=DatePrecision.MONTH, published__gte=start.replace(day=1))
                | Q(date_precision=DatePrecision.YEAR, published__gte=start.replace(month=1, day=1))
            )
        if end is not None:
            qs = qs.filter(published__lte=end)
        return qs

    def opposing(self, take: Take, opposites: dict[int, list[int]]) -> TakeQuerySet:
        """Other takes holding, on a question ``take`` answers, a stance opposed to ``take``'s
        (``opposites``: stance id → the stance ids it opposes, ``Stance.opposes``)."""
        condition = Q()
        for position in take.positions.all():
            if opposites.get(position.stance_id):
                condition |= Q(question_id=position.question_id, stance_id__in=opposites[position.stance_id])
        if not condition:
            return self.none()
        return self.exclude(pk=take.pk).filter(Exists(Position.objects.filter(condition, take=OuterRef("pk"))))


class Take(models.Model):
    """One piece of commentary on the summit."""

    title = models.CharField(max_length=500, validators=TEXT)
    slug = models.SlugField(max_length=200, unique=True)
    standfirst = models.TextField(
        blank=True, help_text="The deck or subtitle under the headline.", validators=capped("standfirst")
    )
    kind = models.CharField(max_length=30, choices=TakeKind, default=TakeKind.ANALYSIS)
    publication = models.ForeignKey(
        "Publication", on_delete=models.PROTECT, null=True, blank=True, related_name="takes"
    )
    authors = models.ManyToManyField("Expert", through="TakeAuthor", related_name="takes")
    collection = models.ForeignKey("Collection", on_delete=models.PROTECT, null=True, blank=True, related_name="takes")
    published = models.DateField(
        null=True,
        blank=True,
        help_text="Publication date. With month or year precision, use the first day of the month or year.",
    )
    date_precision = models.CharField(max_length=5, choices=DatePrecision, default=DatePrecision.DAY)
    url = models.URLField("original URL", max_length=500, blank=True, validators=TEXT)
    archived_url = models.URLField("archived copy URL", max_length=500, blank=True, validators=TEXT)
    summary = models.TextField("editor's summary", blank=True, validators=capped("summary"))
    body = models.TextField("full text", blank=True, validators=capped("body"))
    language = models.CharField(max_length=10, default="en", validators=TEXT)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    themes = models.ManyToManyField(Theme, blank=True, related_name="takes")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = TakeQuerySet.as_manager()

    class Meta:
        ordering = [models.F("published").desc(nulls_last=True), "-id"]
        indexes = [
            models.Index(fields=["status", "published"], name="take_status_published_idx"),
            # id included: "takes of this outlet" joined onward (a quote search under an outlet
            # filter) is read from the index alone on PostgreSQL (SQLite's indexes hold the rowid).
            models.Index(
                fields=["publication", "status", "published"], include=["id"], name="take_pub_status_date_idx"
            ),
            models.Index(fields=["collection", "status"], name="take_collection_status_idx"),
            # Takes over time (archive/timeline.py, archive/stance_phases.py): the published takes'
            # dates and precisions, and their ids to join positions on, read from the index alone.
            models.Index(
                fields=["status", "published", "date_precision"], include=["id"], name="take_status_date_prec_idx"
            ),
            models.Index(fields=["kind", "status", "published"], name="take_kind_status_date_idx"),
            models.Index(fields=["title"], name="take_title_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["url"], condition=~Q(url=""), name="take_url_unique_when_present"),
            choice_check("kind", TakeKind, "take_kind_valid"),
            choice_check("status", Status, "take_status_valid"),
            choice_check("date_precision", DatePrecision, "take_date_precision_valid"),
            # "Not in the future" needs today's date, which SQLite refuses in a CHECK: a trigger
            # enforces it on both databases (migration 0002).
            models.CheckConstraint(
                condition=Q(published__isnull=True) | Q(published__gte=datetime.date(1900, 1, 1)),
                name="take_published_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("take_detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def date_display(self) -> str:
        """The publication date at the precision the source gives."""
        if self.published is None:
            return "date unknown"
        if self.date_precision == DatePrecision.YEAR:
            return f"{self.published.year}"
        if self.date_precision == DatePrecision.MONTH:
            return self.published.strftime("%B %Y")
        return f"{self.published.day} {self.published.strftime('%B %Y')}"

    def clean(self) -> None:
        errors = {}
        if self.published:
            if self.published > datetime.date.today() + datetime.timedelta(days=1):
                errors["published"] = "A take cannot be published in the future."
            elif self.date_precision == DatePrecision.MONTH and self.published.day != 1:
                errors["published"] = "With month precision, use the first day of the month."
            elif self.date_precision == DatePrecision.YEAR and (self.published.month, self.published.day) != (1, 1):
                errors["published"] = "With year precision, use 1 January of the year."
        if errors:
            raise ValidationError(errors)


class TakeAuthor(models.Model):
    """An author of a take, in byline order. Deleting an expert never deletes their takes."""

    take = models.ForeignKey(Take, on_delete=models.CASCADE, related_name="authorships")
    expert = models.ForeignKey("Expert", on_delete=models.PROTECT, related_name="authorships")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["take", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["take", "expert"], name="take_author_once")]
        indexes = [models.Index(fields=["expert", "take"], name="takeauthor_expert_take_idx")]

    def __str__(self) -> str:
        return f"{self.expert} on {self.take}"


class OfTakeQuerySet(models.QuerySet):
    """Rows that belong to a take: quotes, responses."""

    def with_take_authors(self) -> OfTakeQuerySet:
        """Their take's authors (with the experts), in one query for all the rows."""
        return self.prefetch_related(
            models.Prefetch("take__authorships", queryset=TakeAuthor.objects.select_related("expert"))
        )


class QuoteQuerySet(OfTakeQuerySet):
    def published(self) -> QuoteQuerySet:
        """Quotes in published takes: the only ones the public sees."""
        return self.filter(take__status=Status.PUBLISHED)

    def search(self, query: str) -> QuoteQuerySet:
        """Quotes whose words match the reader's query (same rules as ``TakeQuerySet.search``)."""
        return filter_search(self, query)

    def by_relevance(self, query: str) -> QuoteQuerySet:
        """The matching quotes, best first (ranks at most 1,000)."""
        return order_by_relevance(self, query)

    def without_themes(self, theme_ids) -> QuoteQuerySet:
        """Quotes from takes tagged with none of these themes (``?theme_not=``)."""
        tags = Take.themes.through.objects.filter(take_id=OuterRef("take_id"), theme_id__in=list(theme_ids))
        return self.exclude(Exists(tags))

    def with_page_details(self) -> QuoteQuerySet:
        """What a quote's own page shows of the quote: its take, outlet and speaker (one query)."""
        return self.select_related("take", "take__publication", "speaker")

    def of_speaker_on(self, quote: Quote, question_ids) -> QuoteQuerySet:
        """Other quotes of ``quote``'s speaker in takes that answer one of ``question_ids``, newest first."""
        if quote.speaker_id is None or not question_ids:
            return self.none()
        on_question = Position.objects.filter(take=OuterRef("take_id"), question_id__in=list(question_ids))
        return (
            self.filter(speaker_id=quote.speaker_id)
            .exclude(pk=quote.pk)
            .filter(Exists(on_question))
            .order_by(models.F("take__published").desc(nulls_last=True), "-take_id", "order", "pk")
        )


class Quote(models.Model):
    """Words quoted in a take. The speaker may be the author or someone the author quotes."""

    take = models.ForeignKey(Take, on_delete=models.CASCADE, related_name="quotes")
    text = models.TextField(validators=capped("quote"))
    speaker = models.ForeignKey("Expert", on_delete=models.PROTECT, null=True, blank=True, related_name="quotes")
    is_headline = models.BooleanField("headline quote", default=False)
    order = models.PositiveSmallIntegerField(default=0)
    source_url = models.URLField(
        "read at",
        max_length=1000,
        blank=True,
        default="",
        db_default="",  # raw bulk inserts (the synthetic corpus) that do not name the column still work
        help_text="The page the quote's text was read on (the original or a faithful republished copy).",
        validators=TEXT,
    )

    objects = QuoteQuerySet.as_manager()

    class Meta:
        ordering = ["take", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["take"], condition=Q(is_headline=True), name="quote_one_headline_per_take"),
            models.CheckConstraint(condition=~Q(text=""), name="quote_text_not_empty"),
        ]
        # A speaker's quotes by take, then their order in it: an expert page ranks its expert's newest
        # quotes (``views.experts.newest_quotes_of``) from this index alone, not each quote's row.
        indexes = [models.Index(fields=["speaker", "take", "order"], name="quote_speaker_take_order_idx")]

    def __str__(self) -> str:
        text = self.text if len(self.text) <= 80 else self.text[:77] + "…"
        return f"{self.speaker or 'Unattributed'}: “{text}”"

    def get_absolute_url(self) -> str:
        return reverse("quote_detail", args=[self.pk])


class PositionQuerySet(models.QuerySet):
    def published(self) -> PositionQuerySet:
        return self.filter(take__status=Status.PUBLISHED)

    def as_records(self) -> PositionQuerySet:
        """Positions with everything a "who holds which stance, when" listing shows, in two queries."""
        return self.select_related(
            "take", "take__publication", "question", "stance", "evidence", "evidence__speaker"
        ).prefetch_related(
            models.Prefetch(
                "take__authorships", queryset=TakeAuthor.objects.select_related("expert").order_by("order", "id")
            )
        )

    def split(self) -> dict[int, int]:
        """Published takes per stance id: a take holds one stance per question, so rows are takes."""
        rows = self.published().order_by().values("stance_id").annotate(n=models.Count("id"))
        return {row["stance_id"]: row["n"] for row in rows}


class Confidence(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Position(models.Model):
    """A take's stance on a question. One per question; the stance must be the question's own.

    Both rules hold in the database: a unique constraint, and a trigger (see migration 0002) that
    refuses a stance of another question or an evidence quote from another take.
    """

    take = models.ForeignKey(Take, on_delete=models.CASCADE, related_name="positions")
    question = models.ForeignKey("Question", on_delete=models.PROTECT, related_name="positions")
    stance = models.ForeignKey("Stance", on_delete=models.PROTECT, related_name="positions")
    evidence = models.ForeignKey(
        Quote,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence_for",
        help_text="The quote in this take that shows the stance.",
    )
    confidence = models.CharField(max_length=10, choices=Confidence, default=Confidence.MEDIUM)
    note = models.TextField(blank=True, validators=TEXT)

    objects = PositionQuerySet.as_manager()

    class Meta:
        ordering = ["take", "question__order", "question_id"]
        constraints = [
            models.UniqueConstraint(fields=["take", "question"], name="position_one_per_question"),
            choice_check("confidence", Confidence, "position_confidence_valid"),
        ]
        # Covers "takes answering this question (with this stance)" without reading the table.
        indexes = [models.Index(fields=["question", "stance", "take"], name="position_q_stance_take_idx")]

    def __str__(self) -> str:
        return f"{self.take}: {self.stance}"

    def clean(self) -> None:
        errors = {}
        if self.stance_id and self.question_id and self.stance.question_id != self.question_id:
            errors["stance"] = f"“{self.stance}” is a stance of another question, not of “{self.question}”."
        if self.evidence_id and self.take_id and self.evidence.take_id != self.take_id:
            errors["evidence"] = "The evidence quote must come from the same take."
        if errors:
            raise ValidationError(errors)
