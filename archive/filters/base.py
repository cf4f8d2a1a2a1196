"""The conventions every reading filter follows.

Readers type URLs by hand and follow old links, so every parameter is forgiving: an unknown slug,
a malformed date or an overlong query is dropped with a short notice (``filterset.notices``) and
the rest of the filters still apply. Slugs are resolved to rows once, in the form's ``clean()``;
the filter methods then work on ids, so facet counting can re-apply any subset of the filters
without another lookup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import QuerySet

from archive.search.query import MAX_QUERY_CHARS

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")
#: A parameter given more often than this (``?theme=a&theme=b&…``) is read this many times.
MAX_VALUES = 20
#: The orders a list can be sorted in, defined once: name -> label. Every list (/takes/, /search/,
#: /quotes/) accepts every name, and ``date`` as another name for ``newest`` (the search pages' name
#: for it). Each page's own sort links keep the names they have always had: the take list's
#: newest, oldest and relevance; the search pages' relevance and date.
SORTS = {"relevance": "Most relevant", "newest": "Newest first", "oldest": "Oldest first"}
SORT_ALIASES = {"date": "newest"}


def sort_named(value: str | None) -> str:
    """The order in ``SORTS`` that ``value`` names, ``""`` when it names none."""
    value = SORT_ALIASES.get(value or "", value or "")
    return value if value in SORTS else ""


class SortFilter(django_filters.ChoiceFilter):
    """The ``sort`` parameter: any name of ``SORTS`` or ``SORT_ALIASES``; the form gives the order."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault(
            "choices", [*SORTS.items(), *((alias, SORTS[order]) for alias, order in SORT_ALIASES.items())]
        )
        kwargs.setdefault("method", "apply_nothing")
        kwargs.setdefault("label", "Sort")
        super().__init__(*args, **kwargs)


def quoted(values) -> str:
    """Values the reader typed, for a notice: shortened, without control characters."""
    return ", ".join("“" + "".join(ch for ch in value[:60] if ch.isprintable()) + "”" for value in values)


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
    """A filter on slugs, resolved to rows by the form (``ReadingForm.lookups``)."""

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
    #: What the list lists, for notices ("the newest takes come first instead").
    rows = "results"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.notices: list[str] = []
        self.resolved: dict[str, list] = {}

    def clean_q(self) -> str:
        query = " ".join((self.cleaned_data.get("q") or "").split())
        if len(query) > MAX_QUERY_CHARS:
            self.notices.append(
                f"Your search was {len(query):,} characters long; the first {MAX_QUERY_CHARS} were used."
            )
            query = query[:MAX_QUERY_CHARS]
            if " " in query:
                query = query.rsplit(" ", 1)[0]  # don't search for half a word
        return query

    def clean_sort(self) -> str:
        return sort_named(self.cleaned_data.get("sort"))

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
        if data.get("sort") == "relevance" and not data.get("q"):
            self.notices.append(f"Sorting by relevance needs search words; the newest {self.rows} come first instead.")
            data["sort"] = "newest"
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_from > date_to:
            data["date_from"], data["date_to"] = date_to, date_from
            self.notices.append("The start date was after the end date; the two were swapped.")
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

    #: Parameters cleaned like the others that narrow nothing in ``filtered()`` (an order, a mode).
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

    @property
    def is_filtered(self) -> bool:
        """Whether any filter narrows the list."""
        data = self.data_cleaned if self.is_bound else {}
        return any(data.get(name) for name in self.filters if name not in self.order_only)

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
