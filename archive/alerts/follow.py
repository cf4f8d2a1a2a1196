"""What an alert follows: the take list's filters (archive/filters/takes.py), kept as a canonical
query string, so an alert on a search, an expert or a question is the /takes/ page it came from."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import QueryDict

from archive.filters import TakeFilter
from archive.models import Take
from archive.views.base import active_labels

#: What a followed list is called when it has no filter at all.
EVERYTHING = "every new take"


def read(params: QueryDict | str) -> TakeFilter:
    """The take list's FilterSet over published takes for these parameters."""
    data = QueryDict(params) if isinstance(params, str) else params
    return TakeFilter(data, queryset=Take.objects.published())


def canonical(filterset: TakeFilter) -> str:
    """The parameters in force, normalised (unknown values dropped, no order): the alert's key."""
    return urlencode([(name, value) for name, value in filterset.canonical_params() if name != "sort"])


def label(filterset: TakeFilter) -> str:
    """What the reader is following, in words ("Expert: Soo Kim; Words: “sanctions”")."""
    return active_labels(filterset.active(QueryDict()))[:500] or EVERYTHING


def matching(params: str) -> QuerySet:
    """The published takes an alert follows, newest first."""
    return read(params).filtered().newest_first()
