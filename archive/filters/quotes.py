"""The /quotes/ filters: speaker, publication, question + stance, theme and date range.

Values are slugs and ISO dates, as in the takes list. An unknown or malformed value is left out
(and named to the reader), never an error.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import django_filters
from django.db import connections
from django.db.models import Exists, OuterRef, QuerySet

from archive import cache
from archive.models import Expert, Publication, Question, Quote, Response, Stance, Status, TakeAuthor, Theme
from archive.search import backends

CHOICES_LISTED = 100
TOO_MANY = {
    "speaker": "Too many to list: follow “all their quotes” on an expert's page.",
    "publication": "Too many outlets to list here: the filter still works from a link.",
}


#: Each menu's option label: the column ``str()`` of the row shows.
MENU_LABELS = {"speaker": "name", "publication": "name", "question": "text", "theme": "name"}


def first_public_experts(limit: int) -> list[tuple[str, str]]:
    """(slug, name) of the first ``limit`` experts of ``Expert.objects.public()`` in name order,
    in one query.

    ``public()`` is an OR of three EXISTS tests, which PostgreSQL cannot turn into joins: it
    plans them as subplans and, counting on testing all 10,000 experts, hashes every published
    authorship first (~100 ms at 100,000 takes) even under ``LIMIT 101``. Each test alone is a
    semi-join walked in name order that stops after ``limit`` rows (~1 ms), and the first
    ``limit`` of the union of the three firsts are the first ``limit`` overall. SQLite cannot
    order and limit the parts of a UNION; it runs the OR row by row in name order already. Each
    database's way is its search backend's ``first_of_any``.
    """
    using = Expert.objects.db
    sql, params = _first_public_sql(using, limit)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return [(slug, name) for slug, name, *_ in cursor.fetchall()]


@functools.lru_cache(maxsize=16)
def _first_public_sql(using: str, limit: int) -> tuple[str, tuple]:
    """The query of ``first_public_experts``, compiled once per process: it depends on nothing but
    the code and the database (compiling the three EXISTS parts cost more than running them).
    The three tests are ``Expert.objects.public()``'s."""
    published = Status.PUBLISHED
    order = ("sort_name", "name", "pk")
    columns = ("slug", "name", *order)
    tests = [
        Exists(TakeAuthor.objects.filter(expert=OuterRef("pk"), take__status=published)),
        Exists(Quote.objects.filter(speaker=OuterRef("pk"), take__status=published)),
        Exists(Response.objects.filter(expert=OuterRef("pk"), take__status=published)),
    ]
    parts = [Expert.objects.using(using).filter(test).values_list(*columns) for test in tests]
    rows = backends.backend(using).first_of_any(parts, order, limit)
    sql, params = rows.query.get_compiler(using).as_sql()
    return sql, tuple(params)


@dataclass
class Menu:
    name: str
    label: str
    empty: str
    choices: list[tuple[str, str]]
    current: str
    note: str = ""


class QuoteFilter(django_filters.FilterSet):
    #: The data version the menus are kept against (the view sets it; ``None`` keeps nothing).
    data_version: int | None = None

    speaker = django_filters.ModelChoiceFilter(
        label="Expert or speaker",
        field_name="speaker",
        to_field_name="slug",
        queryset=Expert.objects.public(),  # someone seen only in drafts stays invisible
        empty_label="Anyone",
    )
    publication = django_filters.ModelChoiceFilter(
        label="Publication",
        field_name="take__publication",
        to_field_name="slug",
        queryset=Publication.objects.all(),
        empty_label="Any outlet",
    )
    question = django_filters.ModelChoiceFilter(
        label="Question",
        to_field_name="slug",
        queryset=Question.objects.all(),
        method="filter_question",
        empty_label="Any question",
    )
    stance = django_filters.CharFilter(label="Stance", method="filter_stance")
    theme = django_filters.ModelChoiceFilter(
        label="Theme",
        field_name="take__themes",
        to_field_name="slug",
        queryset=Theme.objects.all(),
        empty_label="Any theme",
    )
    date_from = django_filters.DateFilter(label="From", field_name="take__published", lookup_expr="gte")
    date_to = django_filters.DateFilter(label="To", field_name="take__published", lookup_expr="lte")

    def filter_question(self, queryset: QuerySet, name: str, question: Question) -> QuerySet:
        """Quotes from takes that answer the question; with a stance, from takes holding it."""
        stance_slug = (self.form.cleaned_data.get("stance") or "").strip()
        if stance_slug:
            return queryset.filter(take__positions__question=question, take__positions__stance__slug=stance_slug)
        return queryset.filter(take__positions__question=question)

    def filter_stance(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A stance slug is unique only within its question: it is applied with the question.
        return queryset

    def menus(self) -> dict[str, Menu]:
        """The speaker, outlet, question and theme menus, at most ``CHOICES_LISTED`` entries each.

        The archive may hold 10,000 experts: a menu of every one is a page of several megabytes.
        Past the limit a menu keeps only the value chosen, and a note says how to choose another.
        The options are rendered by a plain template loop (templates/archive/_menu.html): Django's
        select widget renders a template per option, ~0.4 ms each. One query per menu, as before.
        """
        chosen = self.form.cleaned_data if self.is_bound and hasattr(self.form, "cleaned_data") else {}
        menus = {}
        for name, label in MENU_LABELS.items():
            field = self.form.fields[name]

            def listed(name=name, label=label, field=field) -> tuple:
                if name == "speaker":
                    return tuple(first_public_experts(CHOICES_LISTED + 1))
                return tuple(field.queryset.values_list("slug", label)[: CHOICES_LISTED + 1])

            # The same for every request until the next write: kept against the data version.
            rows = list(cache.kept("quote menu", name, listed, version=self.data_version))
            note = ""
            if len(rows) > CHOICES_LISTED:
                rows = [(chosen[name].slug, str(chosen[name]))] if chosen.get(name) else []
                note = TOO_MANY.get(name, "")
            current = self.form[name].value() if self.is_bound else ""
            menus[name] = Menu(
                name=name,
                label=str(field.label),
                empty=str(field.empty_label),
                choices=rows,
                current=str(current or ""),
                note=note,
            )
        return menus

    @property
    def stances(self) -> tuple[Stance, ...]:
        return cache.kept(
            "quote menu",
            "stance",
            lambda: tuple(
                Stance.objects.select_related("question").order_by("question__order", "question_id", "position")
            ),
            version=self.data_version,
        )

    @property
    def ignored(self) -> list[str]:
        """Labels of the filters whose value was unknown or malformed."""
        if not self.is_bound:
            return []
        self.errors  # noqa: B018 - validates the form
        return [str(self.filters[name].label) for name in self.form.errors if name in self.filters]

    @property
    def active(self) -> bool:
        if not self.is_bound:
            return False
        self.errors  # noqa: B018
        return any(value not in (None, "") for value in self.form.cleaned_data.values())
