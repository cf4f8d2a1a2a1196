"""The take lists' newest-first order is read from an index, never sorted (docs/performance.md)."""

import pytest
from django.db import connection

from archive.models import Take, TakeKind
from tests.factories import TakeFactory

pytestmark = pytest.mark.django_db


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Tiny test tables: make the planner show the index it would use at scale. A sort of
            # three rows costs next to nothing, so without ``enable_sort = off`` the plan depended on
            # the row estimates earlier tests left in pg_class (it failed in some test orders).
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1] if connection.vendor == "sqlite" else row[0]) for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("filters", "postgres_index", "sqlite_index"),
    [
        ({}, "take_published_newest_idx", "take_status_published_idx"),
        ({"kind": TakeKind.ANALYSIS}, "take_kind_newest_idx", "take_kind_status_date_idx"),
    ],
    ids=["all takes", "one kind"],
)
def test_newest_first_pages_walk_an_index_in_list_order(filters, postgres_index, sqlite_index):
    TakeFactory.create_batch(3)
    shown = plan(Take.objects.published().filter(**filters).newest_first().values("pk")[:1000])
    if connection.vendor == "postgresql":
        assert postgres_index in shown and "Sort" not in shown, shown
    else:
        assert sqlite_index in shown and "TEMP B-TREE" not in shown, shown


def test_a_page_of_takes_is_fetched_by_id_without_repeating_the_filters(rf):
    """The page's ids carry the filters; the outer query only looks those rows up (SQLite walked
    the whole status index when the outer query repeated ``status = 'published'``)."""
    from django.test.utils import CaptureQueriesContext

    from archive.pagination import paginate

    takes = TakeFactory.create_batch(25)
    TakeFactory(status="draft")
    with CaptureQueriesContext(connection) as queries:
        page, _ = paginate(rf.get("/takes/", {"page": "2"}), Take.objects.published().with_related().newest_first())
        shown = list(page)
    expected = sorted(takes, key=lambda t: (t.published, t.pk), reverse=True)[20:]
    assert [t.pk for t in shown] == [t.pk for t in expected]
    outer = next(q["sql"] for q in queries.captured_queries if '"archive_take"."title"' in q["sql"])
    assert outer.split(" IN (SELECT", 1)[0].count("'published'") == 0


def test_the_a_to_z_letter_and_counts_read_the_initial_index():
    """``?letter=`` and the A–Z counts use ``expert_sort_initial_idx`` on both databases: SQLite
    matches an expression index only when the query writes the same expression, numbers included
    (with ``SUBSTR(sort_name, ?, ?)`` it scanned every expert and sorted them for the counts)."""
    from django.db.models import Count

    from archive.models import Expert
    from archive.models.experts import SORT_INITIAL_QUERY

    Expert.objects.create(name="Ann Berry", slug="ann-berry", sort_name="Berry, Ann")
    assert "expert_sort_initial_idx" in plan(Expert.objects.by_initial("b").order_by().values("pk"))
    counts = Expert.objects.order_by().annotate(letter=SORT_INITIAL_QUERY).values("letter").annotate(n=Count("id"))
    shown = plan(counts)
    if connection.vendor == "sqlite":
        assert "expert_sort_initial_idx" in shown and "TEMP B-TREE" not in shown, shown
    assert Expert.objects.initial_counts() == {"B": 1}
    assert list(Expert.objects.by_initial("b")) == list(Expert.objects.filter(sort_name__istartswith="b"))
