"""The quote list's filters (/quotes/): words, speaker, outlet, a question and its stance, theme,
dates and the order; and the menus that choose them.

The same conventions as the take and expert lists (archive/filters/base.py): values are slugs and
ISO dates, resolved once by the form; an unknown or malformed value is left out with a notice
naming it, never an error; the words are cut at ``MAX_QUERY_CHARS``, with a notice.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import django_filters
from django import forms
from django.db import connections
from django.db.models import Exists, OuterRef, QuerySet

from archive import cache
from archive.filters.base import SLUG_RE, Lookup, ReadingForm, ResolvingFilterSet, SlugsFilter, SortFilter, quoted
from archive.filters.facets import FACET_CAP
from archive.filters.menu_counts import QUOTE_MENUS, MenuCounts, quote_menu_counts
from archive.models import Expert, Publication, Question, Quote, Response, Stance, Status, TakeAuthor, Theme
from archive.search import backends
from archive.search.query import parse

CHOICES_LISTED = 100
TOO_MANY = {
    "speaker": "Too many to list: follow “all their quotes” on an expert's page.",
    "publication": "Too many outlets to list here: the filter still works from a link.",
}
#: What each menu offers first, for no choice.
MENU_EMPTY = {
    "speaker": "Anyone",
    "publication": "Any outlet",
    "question": "Any question",
    "theme": "Any theme",
    "theme_not": "None left out",
}


#: Each menu's option label: the column ``str()`` of the row shows.
MENU_LABELS = {"speaker": "name", "publication": "name", "question": "text", "theme": "name", "theme_not": "name"}


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
    counts: dict[str, int] | None = None  # quotes per choice under the other filters (menu_counts.py)


class QuoteFilterForm(ReadingForm):
    rows = "quotes"
    lookups = {
        "speaker": Lookup(Expert.objects.public(), "expert"),  # someone seen only in drafts stays invisible
        "publication": Lookup(Publication.objects.all(), "outlet"),
        "question": Lookup(Question.objects.all(), "question"),
        "theme": Lookup(Theme.objects.all(), "theme"),
        "theme_not": Lookup(Theme.objects.all(), "theme"),
    }

    def clean(self) -> dict:
        data = super().clean()
        data["stance"] = self.stances(data.get("stance") or [], data.get("question") or [])
        return data

    def stances(self, slugs: list[str], questions: list[Question]) -> list[Stance]:
        """A stance is one of a question's answers: it filters together with its question."""
        if not slugs:
            return []
        if not questions:
            if not self.data.get("question"):  # an unknown question has its notice already
                self.notices.append(
                    "Choose a question to see the quotes from takes holding one of its stances; the stance was ignored."
                )
            return []
        found = list(Stance.objects.filter(question=questions[0], slug__in=[s for s in slugs if SLUG_RE.match(s)]))
        if not found:
            label = questions[0].short_label or questions[0].text
            self.notices.append(f"“{label}” has no stance {quoted(slugs)}; showing all its quotes.")
        return found


def _menu(label: str, method: str = "apply_nothing") -> SlugsFilter:
    """A filter chosen from a menu: one value, which the form's field keeps as typed."""
    return SlugsFilter(many=False, label=label, method=method, widget=forms.TextInput)


class QuoteFilter(ResolvingFilterSet):
    #: The data version the menus are kept against (the view sets it; ``None`` keeps nothing).
    data_version: int | None = None
    #: Quotes per "question/stance" under the other filters, once ``menus()`` has run.
    stance_counts: dict[str, int] | None = None

    q = django_filters.CharFilter(method="apply_nothing", label="Words in the quote")
    speaker = _menu("Expert or speaker", "filter_speaker")
    publication = _menu("Publication", "filter_publication")
    question = _menu("Question", "filter_question")
    stance = _menu("Stance")  # applied with its question
    theme = _menu("Theme", "filter_theme")
    theme_not = _menu("Leave out theme", "filter_theme_not")
    date_from = django_filters.DateFilter(label="From", field_name="take__published", lookup_expr="gte")
    date_to = django_filters.DateFilter(label="To", field_name="take__published", lookup_expr="lte")
    sort = SortFilter()

    #: The words are searched and the results ordered by the search (``search_page``), not here.
    order_only = ("q", "sort")

    class Meta:
        model = Quote
        fields: list[str] = []
        form = QuoteFilterForm

    def filter_speaker(self, queryset: QuerySet, name: str, value: list[Expert]) -> QuerySet:
        return queryset.filter(speaker=value[0])

    def filter_publication(self, queryset: QuerySet, name: str, value: list[Publication]) -> QuerySet:
        return queryset.filter(take__publication=value[0])

    def filter_theme(self, queryset: QuerySet, name: str, value: list[Theme]) -> QuerySet:
        return queryset.filter(take__themes=value[0])

    def filter_theme_not(self, queryset: QuerySet, name: str, value: list[Theme]) -> QuerySet:
        return queryset.without_themes([theme.pk for theme in value])

    def filter_question(self, queryset: QuerySet, name: str, value: list[Question]) -> QuerySet:
        """Quotes from takes that answer the question; with a stance, from takes holding it."""
        stances = self.data_cleaned.get("stance")
        if stances:
            return queryset.filter(take__positions__question=value[0], take__positions__stance=stances[0])
        return queryset.filter(take__positions__question=value[0])

    @property
    def query(self) -> str:
        return (self.data_cleaned.get("q") if self.is_bound else "") or ""

    @property
    def sort_order(self) -> str:
        chosen = self.data_cleaned.get("sort") if self.is_bound else None
        return chosen or ("relevance" if self.query else "newest")

    def menus(self, candidates: tuple[list[int], bool] | None = None) -> dict[str, Menu]:
        """The speaker, outlet, question and theme menus, at most ``CHOICES_LISTED`` entries each.

        The archive may hold 10,000 experts: a menu of every one is a page of several megabytes.
        Past the limit a menu keeps only the value chosen, and a note says how to choose another.
        The options are rendered by a plain template loop (templates/archive/_menu.html): Django's
        select widget renders a template per option, ~0.4 ms each. One query per menu, as before.
        A menu with nothing chosen counts its choices among the listed quotes (``menu_counts``;
        ``candidates``: the search's matches, when the page searched).
        """
        data = self.data_cleaned if self.is_bound else {}
        menus = {name: self.menu(name, [(obj.slug, str(obj)) for obj in data.get(name) or []]) for name in MENU_EMPTY}
        # Counted: the menus that list their choices (not past the limit) with none chosen.
        wanted = {name for name, menu in menus.items() if not menu.current and not menu.note}
        counted = self.menu_counts(candidates, frozenset(wanted | ({"stance"} if not data.get("stance") else set())))
        self.stance_counts = counted.of("stance") if not data.get("stance") else None
        for name, menu in menus.items():
            if name in dict(counted.counts) and not menu.current:
                menu.counts = counted.of(name)
                if name in counted.over:
                    menu.note = " ".join(filter(None, [menu.note, f"Counts cover the newest {FACET_CAP:,} quotes."]))
        return menus

    def menu_counts(
        self, candidates: tuple[list[int], bool] | None = None, wanted: frozenset[str] = frozenset(QUOTE_MENUS)
    ) -> MenuCounts:
        """Quotes per choice of the ``wanted`` menus among the listed quotes (kept per filters and words)."""
        signature = tuple((name, value) for name, value in self.canonical_params() if name != "sort")
        if candidates is None and parse(self.query).is_searchable:
            return MenuCounts(counts=(), over=frozenset())  # a search walked by date: no counts to reuse
        return cache.kept(
            "quote menu counts",
            (signature, tuple(sorted(wanted))),
            lambda: quote_menu_counts(self.qs, candidates, wanted),
            version=self.data_version,
        )

    def menu(self, name: str, chosen: list[tuple[str, str]]) -> Menu:
        lookup = QuoteFilterForm.lookups[name]

        def listed() -> tuple:
            if name == "speaker":
                return tuple(first_public_experts(CHOICES_LISTED + 1))
            return tuple(lookup.queryset.values_list("slug", MENU_LABELS[name])[: CHOICES_LISTED + 1])

        # The same for every request until the next write: kept against the data version.
        # The themes to leave out are the themes: one kept list for both menus.
        rows = list(
            cache.kept("quote menu", "theme" if name == "theme_not" else name, listed, version=self.data_version)
        )
        note = ""
        if len(rows) > CHOICES_LISTED:
            rows, note = chosen, TOO_MANY.get(name, "")
        label = self.filters[name].label
        current = chosen[0][0] if chosen else ""
        return Menu(name=name, label=label, empty=MENU_EMPTY[name], choices=rows, current=current, note=note)

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
