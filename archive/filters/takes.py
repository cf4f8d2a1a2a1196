"""The take list's filters (/takes/): words, experts, outlets, a question and its stances, themes,
kind, collection, dates and the order; the chips that remove each, and the facets beside them."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.http import QueryDict

from archive import cache
from archive.filters.base import SLUG_RE, Lookup, ReadingForm, ResolvingFilterSet, SlugsFilter, SortFilter, quoted
from archive.filters.facets import (
    Choice,
    Facet,
    FacetCounter,
    FacetCounts,
    FacetGroup,
    add_limit_notes,
    flat_facet,
    stance_facet,
)
from archive.filters.querystrings import QueryStrings, toggled, without
from archive.models import Collection, Expert, Publication, Question, Stance, Take, TakeKind, Theme

THEME_MODES = [("any", "any of them"), ("all", "all of them")]


class TakeFilterForm(ReadingForm):
    rows = "takes"
    lookups = {
        "expert": Lookup(Expert.objects.all(), "expert"),
        "publication": Lookup(Publication.objects.all(), "outlet"),
        "theme": Lookup(Theme.objects.all(), "theme"),
        "theme_not": Lookup(Theme.objects.all(), "theme"),
        "collection": Lookup(Collection.objects.all(), "collection"),
        "question": Lookup(Question.objects.all(), "question"),
    }

    def clean(self) -> dict:
        data = super().clean()
        data["stance"] = self.stances(data.get("stance") or [], data.get("question") or [])
        return data

    def stances(self, slugs: list[str], questions: list[Question]) -> list[Stance]:
        """A stance is one of a question's answers: resolved within the question when one is given."""
        if not slugs:
            return []
        stances = Stance.objects.select_related("question").filter(
            slug__in=[slug for slug in slugs if SLUG_RE.match(slug)]
        )
        if questions:
            stances = stances.filter(question=questions[0])
        elif self.data.get("question"):
            stances = stances.none()  # the question named was unknown: its stance means nothing
        found = list(stances)
        if not found:
            where = f" for “{questions[0].short_label or questions[0].text}”" if questions else ""
            self.notices.append(f"There is no stance {quoted(slugs)}{where}; that filter was ignored.")
        return found


class TakeFilter(ResolvingFilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Words in the take")
    expert = SlugsFilter(method="filter_expert", label="Expert")
    publication = SlugsFilter(method="filter_publication", label="Outlet")
    question = SlugsFilter(method="filter_question", many=False, label="Question")
    stance = SlugsFilter(method="filter_stance", many=False, label="Stance")
    theme = SlugsFilter(method="filter_theme", label="Theme")
    theme_not = SlugsFilter(method="filter_theme_not", label="Leave out theme")
    theme_mode = django_filters.ChoiceFilter(choices=THEME_MODES, method="apply_nothing", label="Themes to match")
    kind = django_filters.ChoiceFilter(choices=TakeKind.choices, label="Kind of take")
    collection = SlugsFilter(method="filter_collection", many=False, label="Collection")
    date_from = django_filters.DateFilter(method="filter_date_from", label="From")
    date_to = django_filters.DateFilter(method="filter_date_to", label="To")
    sort = SortFilter()

    order_only = ("sort", "theme_mode")
    total: int | None = None  # set by facets(): the results' count
    first_ids: tuple = ()  # set by facets(): the first pages' ids, in date order
    matches: tuple = ()  # set by facets() for a search: the newest FACET_CAP matches (FacetCounts.matches)

    class Meta:
        model = Take
        fields: list[str] = []
        form = TakeFilterForm

    # -- filters (values arrive resolved: rows, dates, cleaned words)

    def filter_q(self, queryset, name, value):
        return queryset.search(value)

    def filter_expert(self, queryset, name, value):
        return queryset.by_experts(expert.pk for expert in value)

    def filter_publication(self, queryset, name, value):
        return queryset.in_publications(publication.pk for publication in value)

    def filter_question(self, queryset, name, value):
        stances = self.data_cleaned.get("stance") or None
        return queryset.taking_stance(value[0].pk, [stance.pk for stance in stances] if stances else None)

    def filter_stance(self, queryset, name, value):
        if self.data_cleaned.get("question"):
            return queryset  # applied together with the question
        return queryset.taking_stance(None, [stance.pk for stance in value])

    def filter_theme(self, queryset, name, value):
        return queryset.with_themes((theme.pk for theme in value), mode=self.match_mode)

    def filter_theme_not(self, queryset, name, value):
        return queryset.without_themes(theme.pk for theme in value)

    def filter_collection(self, queryset, name, value):
        return queryset.filter(collection_id=value[0].pk)

    def filter_date_from(self, queryset, name, value):
        return queryset.dated_between(value, None)

    def filter_date_to(self, queryset, name, value):
        return queryset.dated_between(None, value)

    # -- derived settings

    @property
    def match_mode(self) -> str:
        return (self.data_cleaned.get("theme_mode") if self.is_bound else None) or "any"

    @property
    def query(self) -> str:
        return (self.data_cleaned.get("q") if self.is_bound else "") or ""

    @property
    def unfiltered(self) -> bool:
        """Whether the list is every published take (only an order, if anything, chosen)."""
        data = self.data_cleaned if self.is_bound else {}
        return not any(value for name, value in data.items() if name not in self.order_only)

    @property
    def sort_order(self) -> str:
        chosen = self.data_cleaned.get("sort") if self.is_bound else None
        return chosen or ("relevance" if self.query else "newest")

    def sorted(self, queryset: QuerySet) -> QuerySet:
        if self.sort_order == "relevance" and self.query:
            return queryset.by_relevance(self.query)
        if self.sort_order == "oldest":
            return queryset.oldest_first()
        return queryset.newest_first()

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return self.sorted(self.narrowed())

    # -- what the page shows beside the results

    def active(self, params: QueryDict) -> list[tuple[str, str]]:
        """(description, link that removes it) for each filter in force."""
        data = self.data_cleaned if self.is_bound else {}
        chips = []
        if data.get("q"):
            chips.append((f"Words: “{data['q']}”", without(params, "q", "sort")))
        for name, noun in (
            ("expert", "Expert"),
            ("publication", "Outlet"),
            ("theme", "Theme"),
            ("theme_not", "Without"),
        ):
            for obj in data.get(name) or []:
                chips.append((f"{noun}: {obj}", toggled(params, name, obj.slug)))
        if data.get("question"):
            question = data["question"][0]
            label = question.short_label or question.text
            for stance in data.get("stance") or []:
                chips.append((f"{label}: {stance.label}", without(params, "stance")))
            if not data.get("stance"):
                chips.append((f"Answers “{label}”", without(params, "question", "stance")))
        elif data.get("stance"):
            chips.append((f"Stance: {data['stance'][0].label}", without(params, "stance")))
        if data.get("kind"):
            chips.append((f"Kind: {TakeKind(data['kind']).label}", without(params, "kind")))
        if data.get("collection"):
            chips.append((f"Collection: {data['collection'][0]}", without(params, "collection")))
        if data.get("date_from"):
            chips.append((f"From {data['date_from']:%-d %B %Y}", without(params, "date_from")))
        if data.get("date_to"):
            chips.append((f"Until {data['date_to']:%-d %B %Y}", without(params, "date_to")))
        return chips

    def facet_bases(self) -> dict[str, QuerySet]:
        """For each facet, the takes its counts run over: the results under every *other* filter."""
        return {
            # "All of these themes": adding a theme narrows the current results, so count within them.
            "theme": self.narrowed() if self.match_mode == "all" else self.narrowed(exclude=("theme",)),
            "expert": self.narrowed(exclude=("expert",)),
            "publication": self.narrowed(exclude=("publication",)),
            "collection": self.narrowed(exclude=("collection",)),
            "kind": self.narrowed(exclude=("kind",)),
            "stance": self.narrowed(exclude=("question", "stance")),
        }

    def narrowed(self, exclude: tuple[str, ...] = ()) -> QuerySet:
        """``filtered(exclude)``, built once per distinct set of filters: leaving out a filter that
        is not in force leaves the results, so the unfiltered list's six facets and its results are
        one queryset, built and compiled once (``FacetCounter`` reads each queryset's ids once)."""
        data = self.data_cleaned if self.is_bound else {}
        left_out = tuple(name for name in exclude if data.get(name) not in django_filters.constants.EMPTY_VALUES)
        built = self.__dict__.setdefault("_narrowed", {})
        if left_out not in built:
            built[left_out] = self.filtered(exclude=left_out)
        return built[left_out]

    def facet_counts(self, counted: int | None = None) -> FacetCounts:
        """The queries behind ``facets()`` (archive/filters/facets.py); ``counted``: the results'
        count when the caller has it (the list's chart), so that none is counted here."""
        data = self.data_cleaned if self.is_bound else {}
        return FacetCounter(self.facet_bases(), self.narrowed(), data, counted=counted).counts()

    def facets(self, params: QueryDict, version: int | None = None, counted: int | None = None) -> list[Facet]:
        """Each facet's choices with the count each would give under the other filters in force.

        One aggregation per facet (the six in one statement), whatever the number of choices, plus
        one that sizes the facets' takes and counts the results (``self.total``, for the paginator;
        and in date order ``self.first_ids``, its first pages' ids). When a facet's takes exceed
        ``FACET_CAP`` (the unfiltered archive of 100,000 takes, say), its counts run
        over the newest ``FACET_CAP`` of them and the facet says so: exact counts over every take
        cost more than the page's whole time budget (docs/performance.md). Each facet lists its
        ``FACET_CHOICES`` biggest choices.

        The counts depend only on the filters in force and the data, so they are kept in the cache
        against the data version (``version``, from ``data_version.for_request()``; ``None``
        computes afresh): every page of a list, in any order, shares them until the next write.
        """
        data = self.data_cleaned if self.is_bound else {}
        signature = tuple((name, value) for name, value in self.canonical_params() if name != "sort")
        counts = cache.kept("take facets", signature, lambda: self.facet_counts(counted), version=version)
        self.total = counts.total
        # The facets read the results newest first: in that order the first pages are slices of them.
        self.first_ids = counts.newest if self.sort_order == "newest" else ()
        self.total_capped = counts.total_capped
        self.matches = counts.matches

        def selected(name):
            return [(obj.slug, str(obj)) for obj in data.get(name) or []]

        facets = [
            stance_facet(params, data, counts.stances),
            flat_facet("expert", "Experts", counts.experts, selected("expert"), params),
            flat_facet("publication", "Outlets", counts.publications, selected("publication"), params),
            self.theme_facet(params, counts.themes, selected("theme")),
            self.theme_not_facet(params, counts.themes, selected("theme_not"), counts.total),
            self.kind_facet(params, dict(counts.kinds)),
            flat_facet("collection", "Collections", counts.collections, selected("collection"), params, many=False),
        ]
        add_limit_notes(facets, counts)
        return facets

    def theme_facet(self, params: QueryDict, rows: tuple, selected: list[tuple[str, str]]) -> Facet:
        """The themes, and with more than one chosen, a link to match any or all of them."""
        facet = flat_facet("theme", "Themes", rows, selected, params)
        if len(selected) > 1 or self.match_mode == "all":
            mode = self.match_mode
            other = "any" if mode == "all" else "all"
            facet.note = f"Showing takes with {dict(THEME_MODES)[mode]}."
            switch = QueryStrings(params, "theme_mode").build(theme_mode=[other])
            facet.groups.insert(
                0, FacetGroup(choice=Choice(f"Match {dict(THEME_MODES)[other]} instead", None, False, switch))
            )
        return facet

    @staticmethod
    def theme_not_facet(params: QueryDict, rows: tuple, selected: list[tuple[str, str]], total: int | None) -> Facet:
        """The themes to leave out (``?theme_not=``), each with how many takes its link gives: the
        results less those tagged with it (none when the total is not known)."""
        left = tuple((slug, label, max(0, (total or 0) - n), *rest) for slug, label, n, *rest in rows if total)
        facet = flat_facet("theme_not", "Leave out a theme", left, selected, params)
        return facet

    def kind_facet(self, params: QueryDict, counts: dict[str, int]) -> Facet:
        chosen = (self.data_cleaned.get("kind") if self.is_bound else "") or ""
        links = QueryStrings(params, "kind")
        kinds = [
            Choice(label, counts.get(value, 0), value == chosen, links.toggled("kind", value, many=False))
            for value, label in TakeKind.choices
            if counts.get(value) or value == chosen
        ]
        return Facet("kind", "Kind of take", [FacetGroup(choices=kinds)])
