"""The "Follow" and "Download" links of a page, and its ``<link rel="alternate">`` feeds.

Each reading page passes ``open_data=…`` to its template; base.html puts the feeds in the head
and ``archive/_open_data.html`` shows the links. The query strings are the page's normalised
filters (``canonical_params()``): a parameter the page ignored is not passed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.http import urlencode


@dataclass(frozen=True)
class Pair:
    """One thing offered two ways: a feed (Atom, RSS) or a download (CSV, JSON)."""

    label: str
    first: str
    second: str


@dataclass
class OpenData:
    feeds: list[Pair] = field(default_factory=list)
    downloads: list[Pair] = field(default_factory=list)


def _query(params) -> str:
    params = [(name, value) for name, value in params if value not in (None, "")]
    return "?" + urlencode(params) if params else ""


def feed(label: str, name: str, params=(), **kwargs) -> Pair:
    query = _query(params)
    return Pair(
        label, reverse(name, kwargs=kwargs or None) + query, reverse(f"{name}_rss", kwargs=kwargs or None) + query
    )


def download(label: str, name: str, params=(), **kwargs) -> Pair:
    query = _query(params)
    return Pair(
        label,
        reverse(name, kwargs={**kwargs, "fmt": "csv"}) + query,
        reverse(name, kwargs={**kwargs, "fmt": "json"}) + query,
    )


def without_sort(params) -> list[tuple[str, str]]:
    return [(name, value) for name, value in params if name != "sort"]


def take_list(params) -> OpenData:
    """/takes/ under its filters (``params``: the filterset's canonical parameters)."""
    return OpenData(
        [feed("these takes", "take_feed", without_sort(params))], [download("these takes", "take_export", params)]
    )


def quote_list(params) -> OpenData:
    return OpenData(
        [feed("these quotes", "quote_feed", without_sort(params))], [download("these quotes", "quote_export", params)]
    )


def search(q: str, sort: str) -> OpenData:
    """/search/: its takes and its quotes (the take and quote lists under the same words)."""
    takes, quotes = [("q", q), ("sort", sort)], [("q", q), ("sort", sort)]
    return OpenData(
        [feed("the takes found", "take_feed", [("q", q)]), feed("the quotes found", "quote_feed", [("q", q)])],
        [download("the takes found", "take_export", takes), download("the quotes found", "quote_export", quotes)],
    )


def expert_list(params) -> OpenData:
    grouped = any(name == "question" for name, _ in params)
    label = "these experts, grouped by stance" if grouped else "these experts"
    return OpenData([], [download(label, "expert_export", params)])


def listing(name: str, slug: str, noun: str) -> OpenData:
    """An expert's, question's, outlet's, collection's or theme's page: the feed and download of its takes."""
    return OpenData(
        [feed(f"{noun}'s takes", f"{name}_feed", slug=slug)],
        [download(f"{noun}'s takes", "take_export", [(name, slug)])],
    )


def question(slug: str) -> OpenData:
    data = listing("question", slug, "this question")
    data.downloads += [
        download("every position on this question", "position_export", slug=slug),
        download("the experts, grouped by stance", "expert_export", [("question", slug)]),
    ]
    return data
