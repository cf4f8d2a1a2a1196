"""Facet and chip links (archive.filters.querystrings.QueryStrings) are what editing a copy of the query gives."""

import itertools

import pytest
from django.http import QueryDict

from archive.filters.querystrings import QueryStrings, canonical_query, changed, link_params, toggled, without
from archive.search.query import MAX_QUERY_CHARS

QUERIES = [
    "",
    "page=3",
    "theme=a&kind=analysis&page=2",
    "kind=analysis&theme=a&theme=b&q=caf%C3%A9+%26+co&page=9",
    "q=x%3Dy&question=q1&stance=s1&theme=b&date_from=2019-01-01",
    "stance=s2&page=1&question=q2&expert=e%2F1&expert=e2",
]


def reference(query: str, **changes: list[str]) -> str:
    """The slow, obvious way: copy the QueryDict, drop the page, set or remove each parameter."""
    params = QueryDict(query, mutable=True)
    params.pop("page", None)
    for name, values in changes.items():
        if values:
            params.setlist(name, values)
        else:
            params.pop(name, None)
    return "?" + params.urlencode()


@pytest.mark.parametrize("query", QUERIES)
def test_changed_parameters_keep_their_place_and_new_ones_come_last(query):
    params = QueryDict(query)
    for names in [("theme",), ("kind",), ("question", "stance"), ("q", "date_from"), ("expert",)]:
        links = QueryStrings(params, *names)
        for values in itertools.product([[], ["x"], ["y", "z&w"]], repeat=len(names)):
            changes = dict(zip(names, values, strict=True))
            assert links.build(**changes) == reference(query, **changes), (query, changes)
        assert links.without() == reference(query, **dict.fromkeys(names, []))


@pytest.mark.parametrize("query", QUERIES)
def test_a_toggle_adds_a_value_or_removes_it(query):
    params = QueryDict(query)
    for value in ["a", "b", "new value"]:
        current = params.getlist("theme")
        expected = [v for v in current if v != value] if value in current else [*current, value]
        assert toggled(params, "theme", value) == reference(query, theme=expected)
        single = [] if params.getlist("kind") == [value] else [value]
        assert toggled(params, "kind", value, many=False) == reference(query, kind=single)
    assert without(params, "question", "stance") == reference(query, question=[], stance=[])


@pytest.mark.parametrize("query", QUERIES)
def test_one_changed_value_is_what_editing_a_copy_gives(query):
    params = QueryDict(query)
    for name in ("theme", "kind", "sort", "type"):
        assert changed(params, **{name: "v"}) == reference(query, **{name: ["v"]})
        assert changed(params, **{name: None}) == reference(query, **{name: []})
    assert changed(params) == reference(query)


def test_links_carry_only_the_pages_own_parameters_capped_and_never_empty():
    huge = "x" * (MAX_QUERY_CHARS + 500)
    query = QueryDict(mutable=True)
    query.setlist("theme", [f"t{n}" for n in range(100)])
    query.setlist("q", [huge])
    query.setlist("kind", [""])
    query.setlist("utm_source", ["junk"])
    params = link_params(query, ["theme", "q", "kind"])
    assert list(params) == ["theme", "q"]
    assert len(params.getlist("theme")) == 20
    assert params["q"] == huge[:MAX_QUERY_CHARS]


def test_the_canonical_query_names_the_page_past_the_first():
    class Page:
        number = 1

    assert canonical_query([("q", "kim jong")], Page()) == "q=kim+jong"
    Page.number = 3
    assert canonical_query([("q", "kim jong")], Page()) == "q=kim+jong&page=3"
