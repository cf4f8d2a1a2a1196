"""Pages of a list: one page size, one paginator, one forgiving reading of ``?page=``.

Every list (takes, experts, an outlet's takes, search results, quotes) reads ``page`` the same way
(``page_number``): ``page=abc`` or ``page=0`` gives the first page, a page past the end the last
one, each with a notice the page shows. The paginator is Django's, with two additions:

- a page's rows are found by id first (``Paginator.page``), so deep pages cost what the first does;
- the count may be given, and *capped* ("1,000+"): search results count no further than
  ``COUNT_CAP``. In date order the pages go on past the cap (``open_ended``): ``walk`` reads the
  next page's first row to know whether there is one, and counts every row only when a reader
  asks for a page past the end.
"""

from __future__ import annotations

from django.core import paginator as django_paginator
from django.db.models import QuerySet

#: Rows a page lists (take cards, search results, quotes), on every list but the expert list.
PER_PAGE = 20
#: An open-ended list is walked (OFFSET) this far at most; a page further is past the end.
MAX_WALKED_PAGE = 10_000


class Page(django_paginator.Page):
    """Django's page, which knows whether an open-ended list goes on (``more``)."""

    more = False

    @property
    def count(self) -> int:
        return self.paginator.count

    @property
    def num_pages(self) -> int:
        return self.paginator.num_pages

    @property
    def capped(self) -> bool:
        return self.paginator.capped

    @property
    def open_ended(self) -> bool:
        return self.paginator.open_ended

    @property
    def count_display(self) -> str:
        return f"{self.count:,}+" if self.capped else f"{self.count:,}"

    def has_next(self) -> bool:
        return self.more if self.open_ended else super().has_next()

    def next_page_number(self) -> int:
        return self.number + 1 if self.open_ended else super().next_page_number()


class Paginator(django_paginator.Paginator):
    """Django's paginator, which finds a page's rows by id first, and may be given its count.

    ``OFFSET 9980 LIMIT 20`` on the full query (joins, wide rows) makes the database build and
    throw away 9,980 joined rows. Here the offset runs over the ids alone, in the queryset's own
    order (an index-only walk when an index matches the order), and the outer query joins and
    prefetches just the 20 rows of the page: one query, as before, so deep pages cost about what
    the first one does (docs/performance.md).

    ``count``: when the caller counted already (saves the paginator its own count), or when the
    count is capped (``capped``: there are more); ``open_ended``: the pages go on past the count.
    """

    page_class = Page

    def __init__(
        self, object_list=(), per_page: int = PER_PAGE, *, count=None, capped=False, open_ended=False, first_ids=()
    ):
        super().__init__(object_list, per_page)
        if count is not None:
            self.count = count  # a cached_property: set, it is not computed again
        self.capped = capped
        self.open_ended = open_ended and capped
        self.first_ids = list(first_ids)

    def _get_page(self, *args, **kwargs) -> Page:
        return self.page_class(*args, **kwargs)

    def page(self, number) -> Page:
        items = self.object_list
        if not isinstance(items, QuerySet) or not items.ordered:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if top <= len(self.first_ids):
            # The caller read the list's first ids already, in this order (the take list's facets
            # did): the page is a slice of them, with no query of its own.
            ids = [{"pk": pk} for pk in self.first_ids[bottom:top]]
            page = self._get_page(_rows_by_id(items, [row["pk"] for row in ids]), number, self)
        else:
            ids = items.values("pk")[bottom:top]
            page = self._get_page(_rows_by_id(items, ids), number, self)
        page.ids = ids  # for take_cards(): the page's cards without fetching its rows
        return page

    def page_of(self, rows: list, number: int, *, more: bool = False) -> Page:
        """A page of rows the caller fetched (search results: ranked, or walked in date order)."""
        page = self._get_page(rows, number, self)
        page.more = more
        return page


def _rows_by_id(items: QuerySet, ids: QuerySet) -> QuerySet:
    """``items``' rows whose ids are in ``ids``, in ``items``' order, with its related rows.

    The ids already carry every filter of ``items``, so the outer query leaves them out when it
    can: with them, SQLite (no statistics) walked the whole ``(status, published)`` index because
    it yields the list's order without a sort (19.5 ms at 100,000 takes), where a look-up of the
    20 ids and a sort of 20 rows costs 0.04 ms. Querysets with annotations, ``values()`` or
    ``only()``/``defer()`` keep their own query.
    """
    query = items.query
    if query.annotations or query.deferred_loading[0] or query.extra or items._fields is not None:
        return items.filter(pk__in=ids)
    rows = items.model._default_manager.using(items.db).filter(pk__in=ids).order_by(*query.order_by)
    if not query.order_by:
        rows = rows.order_by(*items.model._meta.ordering)
    rows.query.select_related = query.select_related
    rows._prefetch_related_lookups = items._prefetch_related_lookups
    return rows


def page_number(raw: object, paginator: Paginator) -> tuple[int, str]:
    """The page ``raw`` asks for (a ``?page=`` value) and a notice when it had to be corrected.

    ``page=abc`` or ``page=0`` gives the first page; a page past the end gives the last one. An
    open-ended list has no known end: its pages are taken as asked (``walk`` finds the end).
    """
    raw = str(raw if raw is not None else "").strip()
    if not raw:
        return 1, ""
    try:
        number = int(raw)
    except ValueError:
        return 1, f"“{raw[:20]}” is not a page number; this is the first page."
    if number < 1:
        return 1, "Pages are numbered from 1; this is the first page."
    if number > paginator.num_pages and not (paginator.open_ended and number <= MAX_WALKED_PAGE):
        last = paginator.num_pages
        if last == 1:
            return 1, "There is only one page of results."
        return last, f"There are only {last} pages; this is the last."
    return number, ""


def paginate(
    request, items, per_page: int = PER_PAGE, count: int | None = None, first_ids=(), capped: bool = False
) -> tuple[Page, str]:
    """The requested page of ``items`` and a notice when the page number had to be corrected.

    ``count``, when the caller already counted ``items``, saves the paginator its own count
    (``capped``: that count stopped at a cap, shown "1,000+"); ``first_ids``, ``items``' first ids
    in its own order when the caller read them already, save the pages they cover the query of
    their ids.
    """
    paginator = Paginator(items, per_page, count=count, first_ids=first_ids, capped=capped)
    number, notice = page_number(request.GET.get("page"), paginator)
    return paginator.page(number), notice


def walk(ordered: QuerySet, raw_page: object, paginator: Paginator) -> tuple[Page, str]:
    """The page ``raw_page`` asks for of ``ordered`` (rows, or ids with ``values_list``) under a
    capped count, read with OFFSET: the pages of an open-ended list go on past the count.

    One query; and past the end of an open-ended list, one that counts every row, then the last
    page (what every list gives for a page past the end).
    """
    per_page = paginator.per_page
    number, notice = page_number(raw_page, paginator)
    start = (number - 1) * per_page
    rows = list(ordered[start : start + per_page + 1]) if number <= MAX_WALKED_PAGE else []
    if paginator.open_ended and number > 1 and not rows:
        paginator = Paginator(per_page=per_page, count=ordered.count())
        number, notice = page_number(raw_page, paginator)
        start = (number - 1) * per_page
        rows = list(ordered[start : start + per_page])
    return paginator.page_of(rows[:per_page], number, more=len(rows) > per_page), notice
