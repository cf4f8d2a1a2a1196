"""People: experts and newsmakers, and the roles they hold at organizations."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Substr, Upper
from django.urls import reverse

from archive.models.checks import choice_check
from archive.models.stances import Response
from archive.models.takes import Quote, Status, TakeAuthor
from archive.models.text import TEXT


class ExpertKind(models.TextChoices):
    EXPERT = "expert", "Expert or commentator"
    NEWSMAKER = "newsmaker", "Newsmaker (leader or official quoted in takes)"


#: The first letter of a sort name, as the A–Z index groups experts (an expression index backs it).
SORT_INITIAL = Upper(Substr("sort_name", 1, 1))


class Number(models.Value):
    """An integer written into the SQL text rather than sent as a parameter.

    SQLite uses an expression index only for the same expression, and ``SUBSTR(sort_name, ?, ?)``
    is not ``SUBSTR(sort_name, 1, 1)``: with the numbers bound, ``?letter=B`` scanned every expert
    and the A–Z counts sorted them in a temporary B-tree instead of reading the index in order
    (docs/performance.md, "Expert list, cold"). PostgreSQL receives the numbers inline either way."""

    def as_sql(self, compiler, connection):
        return str(int(self.value)), []


#: ``SORT_INITIAL`` as queries write it, so that both databases use ``expert_sort_initial_idx``.
SORT_INITIAL_QUERY = Upper(Substr("sort_name", Number(1), Number(1)))


class ExpertQuerySet(models.QuerySet):
    def commentators(self) -> ExpertQuerySet:
        return self.filter(kind=ExpertKind.EXPERT)

    def public(self) -> ExpertQuerySet:
        """People the public archive shows: authors of, speakers in or targets of a published take.

        Someone who appears only in drafts stays invisible.
        """
        published = Status.PUBLISHED
        return self.filter(
            Exists(TakeAuthor.objects.filter(expert=OuterRef("pk"), take__status=published))
            | Exists(Quote.objects.filter(speaker=OuterRef("pk"), take__status=published))
            | Exists(Response.objects.filter(expert=OuterRef("pk"), take__status=published))
        )

    def with_take_counts(self) -> ExpertQuerySet:
        """Annotate ``take_count``: published takes each expert wrote (a correlated count, no row blow-up)."""
        counts = (
            TakeAuthor.objects.filter(expert=OuterRef("pk"), take__status=Status.PUBLISHED)
            .order_by()
            .values("expert")
            .annotate(n=models.Count("take"))
            .values("n")
        )
        return self.annotate(take_count=models.functions.Coalesce(models.Subquery(counts), 0))

    def with_initial(self) -> ExpertQuerySet:
        return self.alias(initial=SORT_INITIAL_QUERY)

    def by_initial(self, letter: str) -> ExpertQuerySet:
        return self.with_initial().filter(initial=letter.upper())

    def initial_counts(self) -> dict[str, int]:
        """How many of these experts sort under each first letter, in one query."""
        rows = self.order_by().annotate(letter=SORT_INITIAL_QUERY).values("letter").annotate(n=models.Count("id"))
        return {row["letter"]: row["n"] for row in rows}

    def wrote_takes(self, takes: models.QuerySet) -> ExpertQuerySet:
        """Experts who wrote at least one of ``takes`` (a take queryset).

        The authors of the takes, as a list the database builds once (``IN``): as a correlated
        EXISTS per expert, SQLite re-read the takes' list for each of 10,000 experts (6–37 s for an
        outlet or a theme at 100,000 takes, docs/performance.md "Menu counts")."""
        return self.filter(pk__in=TakeAuthor.objects.filter(take__in=takes.values("pk")).values("expert_id"))

    def affiliated_with(self, organization: str) -> ExpertQuerySet:
        return self.filter(
            Exists(Affiliation.objects.filter(expert=OuterRef("pk"), organization__iexact=organization.strip()))
        )


class Expert(models.Model):
    """A person whose words the archive records: usually an expert, sometimes a newsmaker."""

    name = models.CharField(max_length=200, validators=TEXT)
    slug = models.SlugField(max_length=100, unique=True)
    sort_name = models.CharField(
        max_length=200,
        help_text='How the name sorts: "Kim, Soo" for Soo Kim; "Kim Jong Un" stays as it is.',
        validators=TEXT,
    )
    kind = models.CharField(max_length=20, choices=ExpertKind, default=ExpertKind.EXPERT)
    bio = models.TextField(blank=True, validators=TEXT)
    homepage = models.URLField(max_length=500, blank=True, validators=TEXT)
    social_handle = models.CharField(
        max_length=100, blank=True, help_text='For example "@mllesookim" on Twitter.', validators=TEXT
    )

    objects = ExpertQuerySet.as_manager()

    class Meta:
        ordering = ["sort_name", "name"]
        indexes = [
            models.Index(fields=["sort_name"], name="expert_sort_name_idx"),
            models.Index(SORT_INITIAL, name="expert_sort_initial_idx"),
        ]
        constraints = [
            choice_check("kind", ExpertKind, "expert_kind_valid"),
            models.CheckConstraint(condition=~Q(sort_name=""), name="expert_sort_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("expert_detail", args=[self.slug])

    def save(self, *args, **kwargs) -> None:
        if not self.sort_name:
            self.sort_name = self.name
        super().save(*args, **kwargs)


class Affiliation(models.Model):
    """A role an expert holds or held at an organization."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="affiliations")
    organization = models.CharField(max_length=200, validators=TEXT)
    role = models.CharField(max_length=200, blank=True, validators=TEXT)
    start_year = models.PositiveSmallIntegerField(null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(null=True, blank=True)
    current = models.BooleanField(default=False, help_text="Held at the time the archive records it.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["expert", "order", "id"]
        indexes = [models.Index(fields=["organization"], name="affiliation_org_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_year__isnull=True)
                | Q(end_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="affiliation_years_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(start_year__isnull=True) | Q(start_year__gte=1900, start_year__lte=2200))
                & (Q(end_year__isnull=True) | Q(end_year__gte=1900, end_year__lte=2200)),
                name="affiliation_years_plausible",
            ),
        ]

    def __str__(self) -> str:
        former = "" if self.current else "former "
        role = f"{former}{self.role}" if self.role else former.strip()
        return f"{role}, {self.organization}" if role else self.organization

    def held_in(self, year: int | None) -> bool:
        """Whether the role may have been held in ``year``: open-ended years count as "maybe"."""
        if year is None:
            return True
        return (self.start_year is None or self.start_year <= year) and (self.end_year is None or year <= self.end_year)

    @property
    def years(self) -> str:
        if self.start_year and self.end_year:
            return str(self.start_year) if self.start_year == self.end_year else f"{self.start_year}–{self.end_year}"
        if self.start_year:
            return f"since {self.start_year}"
        if self.end_year:
            return f"until {self.end_year}"
        return ""
