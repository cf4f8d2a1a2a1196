"""The one query-string helper: the links a list page offers (facet choices, filter chips, sorts,
tabs, pages) and its canonical query string.

A link carries only the parameters the page reads (``link_params``), each value and each list
capped, empty ones left out, so a huge or junk query string is never copied into every link. Every
link drops ``page`` (a new choice starts at the first page) unless it names one.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from django.http import QueryDict

from archive.filters.base import MAX_VALUES
from archive.search.query import MAX_QUERY_CHARS


def link_params(query: QueryDict, names: Iterable[str]) -> QueryDict:
    """The parameters of ``query`` that the page's links carry: those in ``names`` (the page's own
    parameters), at most ``MAX_VALUES`` values each, each at most ``MAX_QUERY_CHARS`` long."""
    names = set(names)
    params = QueryDict(mutable=True)
    for key in query:
        if key in names:
            values = [value[:MAX_QUERY_CHARS] for value in query.getlist(key)[:MAX_VALUES] if value]
            if values:
                params.setlist(key, values)
    return params


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


def changed(params: QueryDict, **changes: str | None) -> str:
    """``?`` and the query string with each parameter named set to one value, or left out (``None``)."""
    return QueryStrings(params, *changes).build(
        **{name: [] if value is None else [value] for name, value in changes.items()}
    )


def canonical_query(params: list[tuple[str, str]], page_obj=None) -> str:
    """The canonical URL's query string: the filters in force, normalised, and the page past the first."""
    if page_obj is not None and page_obj.number > 1:
        params = [*params, ("page", str(page_obj.number))]
    return urlencode(params)
