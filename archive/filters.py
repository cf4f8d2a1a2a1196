"""The reading pages' filters (django-filter FilterSets) and the facet counts beside them.

Readers type URLs by hand and follow old links, so every parameter is forgiving: an unknown slug,
a malformed date or an overlong query is dropped with a short notice (``filterset.notices``) and
the rest of the filters still apply. Slugs are resolved to rows once, in the form's ``clean()``;
the filter methods then work on ids, so facet counting can re-apply any subset of the filters
without another lookup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.exceptions import EmptyResultSet
from django.db.models import Case, Count, QuerySet, When
from django.db.models.expressions import RawSQL
from django.http import QueryDict

from archive import cache
from archive.db.bulk import id_list
from archive.models import (
    Collection,
    Expert,
    ExpertStance,
    Position,
    Publication,
    Question,
    Stance,
    Take,
    TakeAuthor,
    TakeKind,
    Theme,
)

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")
MAX_QUERY_LENGTH = 300
MAX_VALUES = 20
#: Facet counts run over at most this many takes (the newest), and list this many choices at most.
FACET_CAP = 1000
FACET_CHOICES = 20
THEME_MODES = [("any", "any of them"), ("all", "all of them")]
SORTS = [("newest", "Newest first"), ("oldest", "Oldest first"), ("relevance", "Most relevant")]


def quoted(values) -> str:
    """Values the reader typed, for a notice: shortened, without control characters."""
    return ", ".join("“" + "".join(ch for ch in value[:60] if ch.isprintable()) + "”" for value in values)


# --------------------------------------------------------------------------- fields and filters


class SlugListField(forms.Field):
    """One or more slugs from repeated query parameters (``?expert=a&expert=b``), deduplicated."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *args, many: bool = True, **kwargs) -> None:
        self.many = many
        super().__init__(*args, **kwargs)

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        slugs = list(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))
        return slugs if self.many else slugs[:1]


class SlugsFilter(django_filters.Filter):
    field_class = SlugListField

    def __init__(self, *args, many: bool = True, **kwargs) -> None:
        kwargs.setdefault("method", "apply_nothing")
        super().__init__(*args, **kwargs)
        self.extra["many"] = many


@dataclass
class Lookup:
    """How a slug parameter resolves: which rows, and what the reader calls them."""

    queryset: QuerySet
    noun: str


class ReadingForm(forms.Form):
    """The form under a reading FilterSet: resolves slugs, and turns bad input into notices."""

    lookups: dict[str, Lookup] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.notices: list[str] = []
        self.resolved: dict[str, list] = {}

    def clean_q(self) -> str:
        query = " ".join((self.cleaned_data.get("q") or "").split())
        if len(query) > MAX_QUERY_LENGTH:
            self.notices.append(
                f"Your search was {len(query):,} characters long; the first {MAX_QUERY_LENGTH} were used."
            )
            query = query[:MAX_QUERY_LENGTH]
            if " " in query:
                query = query.rsplit(" ", 1)[0]  # don't search for half a word
        return query

    def resolve(self, name: str, queryset: QuerySet, noun: str) -> list:
        """Rows for the slugs given in ``name``, in the order given; unknown slugs become a notice."""
        slugs = self.cleaned_data.get(name) or []
        if len(slugs) > MAX_VALUES:
            self.notices.append(f"Only the first {MAX_VALUES} values of “{name}” were used.")
            slugs = slugs[:MAX_VALUES]
        valid = [slug for slug in slugs if SLUG_RE.match(slug)]
        found = {obj.slug: obj for obj in queryset.filter(slug__in=valid)} if valid else {}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            self.notices.append(f"There is no {noun} {quoted(unknown)} in the archive; that filter was ignored.")
        rows = [found[slug] for slug in slugs if slug in found]
        self.resolved[name] = rows
        return rows

    def clean(self) -> dict:
        data = super().clean()
        for name, lookup in self.lookups.items():
            if name in self.fields:
                data[name] = self.resolve(name, lookup.queryset, lookup.noun)
        return data

    def error_notices(self) -> list[str]:
        """Field errors in words a reader understands (the value is then ignored)."""
        notices = []
        for name, errors in self.errors.items():
            if name == "__all__":
                notices.extend(errors)
                continue
            raw = self.data.get(name, "")
            label = self.fields[name].label or name
            shown = f" “{raw[:40]}”" if raw and "\x00" not in raw else ""
            notices.append(f"{label}{shown}: {' '.join(errors)} That filter was ignored.")
        return notices


class ResolvingFilterSet(django_filters.FilterSet):
    """A FilterSet whose filters can be re-applied in any subset (for facet counts)."""

    #: Filters applied together by one method; excluding one of them for a facet excludes all.
    order_only: tuple[str, ...] = ()

    def apply_nothing(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset

    @property
    def data_cleaned(self) -> dict:
        self.errors  # validate once  # noqa: B018
        return self.form.cleaned_data

    @property
    def notices(self) -> list[str]:
        if not self.is_bound:
            return []
        self.errors  # noqa: B018
        return self.form.notices + self.form.error_notices()

    def filtered(self, exclude=()) -> QuerySet:
        """The queryset with every valid filter applied, except those named in ``exclude``."""
        queryset = self.queryset.all()
        if not self.is_bound:
            return queryset
        for name, value in self.data_cleaned.items():
            if name in exclude or name in self.order_only or value in django_filters.constants.EMPTY_VALUES:
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        return self.filtered()

    def canonical_params(self) -> list[tuple[str, str]]:
        """The valid parameters in force, normalised: what the page's canonical URL carries."""
        if not self.is_bound:
            return []
        params = []
        for name in self.filters:
            value = self.data_cleaned.get(name)
            if value in django_filters.constants.EMPTY_VALUES:
                continue
            if isinstance(value, list):
                params.extend((name, obj.slug) for obj in value)
            elif hasattr(value, "isoformat"):
                params.append((name, value.isoformat()))
            else:
                params.append((name, str(value)))
        return params


# --------------------------------------------------------------------------- facets


@dataclass
class Choice:
    label: str
    count: int | None
    selected: bool
    url: str


@dataclass(frozen=True)
class FacetCounts:
    """What ``TakeFilter.facet_counts()`` reads from the database: immutable, so one value can
    serve every request made at the same data version."""

    total: int | None
    over: frozenset[str]  # facets whose counts cover only the newest FACET_CAP takes
    truncated: frozenset[str]  # facets with more than FACET_CHOICES choices
    themes: tuple
    experts: tuple
    publications: tuple
    collections: tuple
    kinds: tuple
    stances: tuple


@dataclass
class FacetGroup:
    title: str = ""
    choice: Choice | None = None  # a group heading that is itself a choice (a question above its stances)
    choices: list[Choice] = field(default_factory=list)

    SHOWN = 8  # choices listed before the rest fold under "more" (only when that hides at least three)

    @property
    def first(self) -> list[Choice]:
        return self.choices if len(self.choices) <= self.SHOWN + 2 else self.choices[: self.SHOWN]

    @property
    def rest(self) -> list[Choice]:
        return self.choices[len(self.first) :]


@dataclass
class Facet:
    name: str
    title: str
    groups: list[FacetGroup]
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(group.choices or group.choice for group in self.groups)


class QueryStrings:
    """Query strings that differ from ``params`` only in the parameters ``names`` (page reset).

    A facet box builds ~150 links. Copying the QueryDict and encoding all of it for each cost
    ~30 µs a link; here the other parameters are encoded once, in their order, and each link
    encodes only its own values. The result is what ``QueryDict.urlencode()`` gives for the
    changed copy: a parameter keeps its place, one that was absent comes last.
    """

    def __init__(self, params: QueryDict, *names: str) -> None:
        self.current = {name: params.getlist(name) for name in names if name in params}
        self.parts: list[tuple[str | None, str]] = []  # (a changing parameter, or None and encoded others)
        others: list[tuple[str, str]] = []
        for key, values in params.lists():
            if key == "page":
                continue
            if key in names:
                if others:
                    self.parts.append((None, urlencode(others)))
                    others = []
                self.parts.append((key, ""))
            else:
                others.extend((key, value) for value in values)
        if others:
            self.parts.append((None, urlencode(others)))

    def values(self, name: str) -> list[str]:
        return self.current.get(name, [])

    def build(self, **changes: list[str]) -> str:
        """``?`` and the query string with each parameter named set to its values (``[]`` removes it)."""
        out = []
        for name, encoded in self.parts:
            if name is None:
                out.append(encoded)
            else:
                out.extend(_encoded(name, changes.get(name, self.current[name])))
        for name, values in changes.items():
            if name not in self.current:
                out.extend(_encoded(name, values))
        return "?" + "&".join(out)

    def toggled(self, name: str, value: str, many: bool = True) -> str:
        """With ``value`` added to parameter ``name``, or removed when it is there already."""
        values = self.values(name)
        if value in values:
            values = [v for v in values if v != value]
        elif many:
            values = [*values, value]
        else:
            values = [value]
        return self.build(**{name: values})

    def without(self) -> str:
        """Without any of the parameters named."""
        return self.build(**dict.fromkeys(self.current, []))


def _encoded(name: str, values: list[str]) -> list[str]:
    return [urlencode([(name, value)]) for value in values]


def toggled(params: QueryDict, name: str, value: str, many: bool = True) -> str:
    """The query string with ``value`` added to or removed from parameter ``name`` (page reset)."""
    return QueryStrings(params, name).toggled(name, value, many=many)


def without(params: QueryDict, *names: str) -> str:
    return QueryStrings(params, *names).without()


def flat_facet(name, title, rows, selected, params, many=True, limit_note="") -> Facet:
    """A facet from ``rows`` of (slug, label, count); selected values always listed, even at zero."""
    counts = {slug: (label, n) for slug, label, n, *_ in rows}
    for slug, label in selected:
        counts.setdefault(slug, (label, 0))
    chosen = {slug for slug, _ in selected}
    ordered = sorted(counts.items(), key=lambda item: (item[0] not in chosen, -item[1][1], item[1][0].lower()))
    links = QueryStrings(params, name)
    choices = [
        Choice(label, n, slug in chosen, links.toggled(name, slug, many=many))
        for slug, (label, n) in ordered
        if n or slug in chosen
    ]
    return Facet(name, title, [FacetGroup(choices=choices)], note=limit_note)


# --------------------------------------------------------------------------- /takes/


class TakeFilterForm(ReadingForm):
    lookups = {
        "expert": Lookup(Expert.objects.all(), "expert"),
        "publication": Lookup(Publication.objects.all(), "outlet"),
        "theme": Lookup(Theme.objects.all(), "theme"),
        "collection": Lookup(Collection.objects.all(), "collection"),
        "question": Lookup(Question.objects.all(), "question"),
    }

    def clean(self) -> dict:
        data = super().clean()
        # A stance is one of a question's answers: resolve it within the question when one is given.
        slugs = data.get("stance") or []
        questions = data.get("question") or []
        if slugs:
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
            data["stance"] = found
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            data["date_from"], data["date_to"] = date_to, date_from
            self.notices.append("The start date was after the end date; the two were swapped.")
        if data.get("sort") == "relevance" and not data.get("q"):
            self.notices.append("Sorting by relevance needs search words; the newest takes come first instead.")
            data["sort"] = "newest"
        return data


class TakeFilter(ResolvingFilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Words in the take")
    expert = SlugsFilter(method="filter_expert", label="Expert")
    publication = SlugsFilter(method="filter_publication", label="Outlet")
    question = SlugsFilter(method="filter_question", many=False, label="Question")
    stance = SlugsFilter(method="filter_stance", many=False, label="Stance")
    theme = SlugsFilter(method="filter_theme", label="Theme")
    theme_mode = django_filters.ChoiceFilter(choices=THEME_MODES, method="apply_nothing", label="Themes to match")
    kind = django_filters.ChoiceFilter(choices=TakeKind.choices, label="Kind of take")
    collection = SlugsFilter(method="filter_collection", many=False, label="Collection")
    date_from = django_filters.DateFilter(method="filter_date_from", label="From")
    date_to = django_filters.DateFilter(method="filter_date_to", label="To")
    sort = django_filters.ChoiceFilter(choices=SORTS, method="apply_nothing", label="Sort")

    order_only = ("sort", "theme_mode")

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
        return self.sorted(self.filtered())

    @property
    def is_filtered(self) -> bool:
        data = self.data_cleaned if self.is_bound else {}
        return any(data.get(name) for name in self.filters if name not in self.order_only)

    # -- what the page shows beside the results

    def active(self, params: QueryDict) -> list[tuple[str, str]]:
        """(description, link that removes it) for each filter in force."""
        data = self.data_cleaned if self.is_bound else {}
        chips = []
        if data.get("q"):
            chips.append((f"Words: “{data['q']}”", without(params, "q", "sort")))
        for name, noun in (("expert", "Expert"), ("publication", "Outlet"), ("theme", "Theme")):
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
            "theme": self.filtered() if self.match_mode == "all" else self.filtered(exclude=("theme",)),
            "expert": self.filtered(exclude=("expert",)),
            "publication": self.filtered(exclude=("publication",)),
            "collection": self.filtered(exclude=("collection",)),
            "kind": self.filtered(exclude=("kind",)),
            "stance": self.filtered(exclude=("question", "stance")),
        }

    def facets(self, params: QueryDict, version: int | None = None) -> list[Facet]:
        """Each facet's choices with the count each would give under the other filters in force.

        One aggregated query per facet, whatever the number of choices, plus one that sizes the
        facets' takes and counts the results (``self.total``, for the paginator). When a facet's
        takes exceed ``FACET_CAP`` (the unfiltered archive of 100,000 takes, say), its counts run
        over the newest ``FACET_CAP`` of them and the facet says so: exact counts over every take
        cost more than the page's whole time budget (docs/performance.md). Each facet lists its
        ``FACET_CHOICES`` biggest choices.

        The counts depend only on the filters in force and the data, so they are kept in the cache
        against the data version (``version``, from ``data_version.reading_version()``; ``None``
        computes afresh): every page of a list, in any order, shares them until the next write.
        """
        data = self.data_cleaned if self.is_bound else {}
        signature = tuple((name, value) for name, value in self.canonical_params() if name != "sort")
        counts = cache.kept("take facets", signature, self.facet_counts, version=version)
        self.total = counts.total
        over, truncated = counts.over, counts.truncated
        theme_rows, expert_rows = counts.themes, counts.experts
        publication_rows, collection_rows, kind_counts = counts.publications, counts.collections, dict(counts.kinds)

        def selected(name):
            return [(obj.slug, str(obj)) for obj in data.get(name) or []]

        theme_facet = flat_facet("theme", "Themes", theme_rows, selected("theme"), params)
        if len(data.get("theme") or []) > 1 or self.match_mode == "all":
            mode = self.match_mode
            other = "any" if mode == "all" else "all"
            theme_facet.note = f"Showing takes with {dict(THEME_MODES)[mode]}."
            theme_facet.groups.insert(
                0,
                FacetGroup(
                    choice=Choice(
                        f"Match {dict(THEME_MODES)[other]} instead",
                        None,
                        False,
                        QueryStrings(params, "theme_mode").build(theme_mode=[other]),
                    )
                ),
            )
        kind_selected = data.get("kind") or ""
        by_kind = QueryStrings(params, "kind")
        kinds = [
            Choice(label, kind_counts.get(value, 0), value == kind_selected, by_kind.toggled("kind", value, many=False))
            for value, label in TakeKind.choices
            if kind_counts.get(value) or value == kind_selected
        ]
        facets = [
            self.stance_facet(params, data, counts.stances),
            flat_facet("expert", "Experts", expert_rows, selected("expert"), params),
            flat_facet("publication", "Outlets", publication_rows, selected("publication"), params),
            theme_facet,
            Facet("kind", "Kind of take", [FacetGroup(choices=kinds)]),
            flat_facet("collection", "Collections", collection_rows, selected("collection"), params, many=False),
        ]
        for facet in facets:
            notes = [facet.note] if facet.note else []
            if facet.name in over:
                notes.append(f"Counts cover the newest {FACET_CAP:,} takes these choices apply to.")
            if facet.name in truncated:
                notes.append(f"The {FACET_CHOICES} with the most takes are listed.")
            facet.note = " ".join(notes)
        return facets

    def facet_counts(self) -> FacetCounts:
        """The queries behind ``facets()``: what each facet's choices count, as plain rows."""
        data = self.data_cleaned if self.is_bound else {}
        bases = self.facet_bases()
        # Each facet counts over the ids of its takes — its newest FACET_CAP when it has more —
        # read once per distinct set of takes (most facets share the page's own). As a list of
        # at most FACET_CAP ids, each facet query is an index probe per id: as a subquery,
        # SQLite (no statistics) scanned the facet's whole table testing each row (~20–27 ms a
        # facet at 100,000 takes). Read newest first, the way the page itself is listed, the ids
        # come through the same index as the page (4 ms); unordered, SQLite read them through
        # the kind index instead (29 ms).
        read: dict[tuple | None, tuple[list[int], bool]] = {}

        def newest(queryset: QuerySet) -> tuple[list[int], bool]:
            key = _compiled(queryset, queryset.db)
            if key not in read:
                read[key] = ([], False) if key is None else newest_ids(queryset, FACET_CAP)
            return read[key]

        over = {name: newest(base)[1] for name, base in bases.items()}

        def matching(name: str) -> RawSQL:
            return id_list(newest(bases[name])[0], self.queryset.db)

        # The page's total: the length of its own ids when they fit under the cap, else counted.
        exact = self.filtered()
        ids, more = newest(exact)
        total = exact.count() if more else len(ids)

        truncated: set[str] = set()

        def top(rows: QuerySet, chosen_field: str, name: str) -> tuple:
            chosen = [obj.pk for obj in data.get(name) or []]
            rows = rows.annotate(chosen=Case(When(**{f"{chosen_field}__in": chosen}, then=1), default=0))
            listed = list(rows.order_by("-chosen", "-n")[: FACET_CHOICES + len(chosen) + 1])
            if len(listed) > FACET_CHOICES + len(chosen):
                truncated.add(name)
            return tuple(listed[: FACET_CHOICES + len(chosen)])

        themes = top(
            Take.themes.through.objects.filter(take__in=matching("theme"))
            .values_list("theme__slug", "theme__name")
            .annotate(n=Count("take_id")),
            "theme_id",
            "theme",
        )
        experts = top(
            TakeAuthor.objects.filter(take__in=matching("expert"))
            .values_list("expert__slug", "expert__name")
            .annotate(n=Count("take_id")),
            "expert_id",
            "expert",
        )
        publications = top(
            Take.objects.filter(pk__in=matching("publication"), publication__isnull=False)
            .values_list("publication__slug", "publication__name")
            .annotate(n=Count("id")),
            "publication_id",
            "publication",
        )
        collections = top(
            Take.objects.filter(pk__in=matching("collection"), collection__isnull=False)
            .values_list("collection__slug", "collection__title")
            .annotate(n=Count("id")),
            "collection_id",
            "collection",
        )
        kinds = tuple(
            Take.objects.filter(pk__in=matching("kind")).values_list("kind").annotate(n=Count("id")).order_by()
        )
        stances = tuple(
            Position.objects.filter(take__in=matching("stance"))
            .values_list(
                "question__order",
                "question_id",
                "question__slug",
                "question__short_label",
                "question__text",
                "stance__position",
                "stance__slug",
                "stance__label",
            )
            .annotate(n=Count("take_id"))
            .order_by("question__order", "question_id", "stance__position")
        )
        return FacetCounts(
            total=total,
            over=frozenset(name for name, is_over in over.items() if is_over),
            truncated=frozenset(truncated),
            themes=themes,
            experts=experts,
            publications=publications,
            collections=collections,
            kinds=kinds,
            stances=stances,
        )

    def stance_facet(self, params: QueryDict, data: dict, rows: tuple) -> Facet:
        chosen_question = data["question"][0].slug if data.get("question") else None
        chosen_stances = {stance.pk for stance in data.get("stance") or []}
        chosen_stance_slugs = {stance.slug for stance in data.get("stance") or []}
        links = QueryStrings(params, "question", "stance")
        removed = links.without()
        groups: dict[int, FacetGroup] = {}
        totals: dict[int, int] = {}
        for _order, question_id, q_slug, short, text, _pos, s_slug, s_label, n in rows:
            group = groups.get(question_id)
            if group is None:
                is_current = q_slug == chosen_question and not chosen_stances
                url = removed if is_current else links.build(question=[q_slug], stance=[])
                group = groups[question_id] = FacetGroup(
                    title=short or text, choice=Choice(f"Any stance on “{short or text}”", 0, is_current, url)
                )
                totals[question_id] = 0
            totals[question_id] += n
            is_selected = q_slug == chosen_question and s_slug in chosen_stance_slugs
            url = removed if is_selected else links.build(question=[q_slug], stance=[s_slug])
            group.choices.append(Choice(s_label, n, is_selected, url))
        for question_id, group in groups.items():
            group.choice.count = totals[question_id]
        facet = Facet("stance", "Stances", list(groups.values()))
        if chosen_question and not any(g.choice.selected or any(c.selected for c in g.choices) for g in facet.groups):
            # The chosen question or stance has no take under the other filters: still offer to remove it.
            question = data["question"][0]
            facet.groups.insert(
                0,
                FacetGroup(
                    title=question.short_label or question.text,
                    choice=Choice("(no takes under these filters)", 0, True, removed),
                ),
            )
        return facet


def _compiled(qs: QuerySet, using: str) -> tuple[str, tuple] | None:
    """SQL and parameters of ``qs``'s ids (``None`` when the queryset can match nothing)."""
    try:
        sql, params = qs.order_by().values("pk").query.get_compiler(using).as_sql()
    except EmptyResultSet:
        return None
    return sql, tuple(params)


def newest_ids(queryset: QuerySet, cap: int) -> tuple[list[int], bool]:
    """The ids of ``queryset``'s newest ``cap`` takes, and whether it holds more than ``cap``."""
    ids = list(queryset.newest_first().values_list("pk", flat=True)[: cap + 1])
    return ids[:cap], len(ids) > cap


# --------------------------------------------------------------------------- /experts/


class ExpertFilterForm(ReadingForm):
    lookups = {
        "publication": Lookup(Publication.objects.all(), "outlet"),
        "theme": Lookup(Theme.objects.all(), "theme"),
        "question": Lookup(Question.objects.all(), "question"),
    }

    def clean_letter(self) -> str:
        letter = (self.cleaned_data.get("letter") or "").strip().upper()
        if letter and len(letter) != 1:
            self.notices.append(f"“{letter[:20]}” is not a letter; the A–Z filter was ignored.")
            return ""
        return letter

    def clean_organization(self) -> str:
        return " ".join((self.cleaned_data.get("organization") or "").split())[:200]

    def clean(self) -> dict:
        data = super().clean()
        slugs = data.get("stance") or []
        questions = data.get("question") or []
        if slugs and not questions:
            self.notices.append("Choose a question to see who holds one of its stances; the stance was ignored.")
            data["stance"] = []
        elif slugs:
            found = list(Stance.objects.filter(question=questions[0], slug__in=[s for s in slugs if SLUG_RE.match(s)]))
            if not found:
                label = questions[0].short_label or questions[0].text
                self.notices.append(f"“{label}” has no stance {quoted(slugs)}; showing all its stances.")
            data["stance"] = found
        return data


class ExpertFilter(ResolvingFilterSet):
    """Experts by what they wrote: stance on a question, outlet, theme; and by affiliation and initial."""

    question = SlugsFilter(many=False, label="Question")
    stance = SlugsFilter(many=False, label="Stance")
    publication = SlugsFilter(many=False, label="Outlet")
    theme = SlugsFilter(many=False, label="Theme")
    organization = django_filters.CharFilter(method="filter_organization", label="Organization")
    letter = django_filters.CharFilter(method="filter_letter", label="Initial")

    TAKE_LEVEL = ("question", "stance", "publication", "theme")

    class Meta:
        model = Expert
        fields: list[str] = []
        form = ExpertFilterForm

    def filter_organization(self, queryset, name, value):
        return queryset.affiliated_with(value)

    def filter_letter(self, queryset, name, value):
        return queryset.by_initial(value)

    def takes(self, exclude=()) -> QuerySet:
        """Published takes meeting the take-level filters: one take must satisfy them all together."""
        data = self.data_cleaned if self.is_bound else {}
        takes = Take.objects.published()
        if data.get("publication") and "publication" not in exclude:
            takes = takes.in_publications([data["publication"][0].pk])
        if data.get("theme") and "theme" not in exclude:
            takes = takes.with_themes([data["theme"][0].pk])
        if data.get("question") and "question" not in exclude:
            stances = data.get("stance") if "stance" not in exclude else None
            takes = takes.taking_stance(data["question"][0].pk, [s.pk for s in stances] if stances else None)
        return takes

    @property
    def filters_takes(self) -> bool:
        data = self.data_cleaned if self.is_bound else {}
        return any(data.get(name) for name in self.TAKE_LEVEL)

    @property
    def by_summary(self) -> bool:
        """Whether who holds what is read from the summary table (archive/stances.py): a question,
        perhaps stances, and no outlet or theme that one take must meet together with the stance."""
        data = self.data_cleaned if self.is_bound else {}
        return bool(data.get("question")) and not (data.get("publication") or data.get("theme"))

    def holding(self) -> QuerySet:
        """Summary rows of the chosen question (and stances): experts holding them in published takes."""
        data = self.data_cleaned
        stances = [stance.pk for stance in data.get("stance") or []]
        return ExpertStance.objects.on(data["question"][0].pk, stances)

    def filtered(self, exclude=()) -> QuerySet:
        queryset = self.queryset.all()
        data = self.data_cleaned if self.is_bound else {}
        if self.by_summary and "question" not in exclude and "stance" not in exclude:
            queryset = Expert.objects.filter(pk__in=self.holding().values("expert_id"))
        elif any(data.get(name) and name not in exclude for name in self.TAKE_LEVEL):
            # Writing a published take makes an expert public: the three EXISTS tests of
            # ``public()`` add nothing here, and cost ~10,000 index probes per query at scale.
            queryset = Expert.objects.wrote_takes(self.takes(exclude))
        for name in ("organization", "letter"):
            if data.get(name) and name not in exclude:
                queryset = self.filters[name].filter(queryset, data[name])
        return queryset

    def active(self, params: QueryDict) -> list[tuple[str, str]]:
        data = self.data_cleaned if self.is_bound else {}
        chips = []
        if data.get("question"):
            question = data["question"][0]
            label = question.short_label or question.text
            for stance in data.get("stance") or []:
                chips.append((f"{label}: {stance.label}", without(params, "stance")))
            chips.append((f"Question: {label}", without(params, "question", "stance")))
        if data.get("publication"):
            chips.append((f"Wrote in {data['publication'][0]}", without(params, "publication")))
        if data.get("theme"):
            chips.append((f"Theme: {data['theme'][0]}", without(params, "theme")))
        if data.get("organization"):
            chips.append((f"Organization: {data['organization']}", without(params, "organization")))
        if data.get("letter"):
            chips.append((f"Names under {data['letter']}", without(params, "letter")))
        return chips
