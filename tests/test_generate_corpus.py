"""The synthetic corpus generator: deterministic, clearly marked, shaped like real commentary."""

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from archive.models import Expert, Publication, Quote, Take

pytestmark = pytest.mark.django_db


def generate(**options):
    defaults = {"takes": 200, "quotes_per_take": 5, "experts": 40, "seed": 3, "verbosity": 0}
    call_command("generate_corpus", **{**defaults, **options})


def snapshot() -> list[tuple]:
    return list(
        Take.objects.order_by("slug", "authorships__order").values_list(
            "slug", "title", "published", "status", "publication__slug", "authorships__expert__slug"
        )
    ) + list(Quote.objects.order_by("take__slug", "order").values_list("take__slug", "text", "speaker__slug"))


def test_it_generates_the_requested_shape():
    generate()
    assert Take.objects.count() == 200
    assert Expert.objects.count() == 40
    assert Quote.objects.count() > 200
    assert Take.objects.filter(positions__isnull=True).count() == 0


def test_it_is_deterministic_for_a_seed():
    generate()
    first = snapshot()
    generate(seed=3, replace=True)
    assert snapshot() == first


def test_another_seed_gives_another_corpus_beside_the_first():
    generate()
    first = snapshot()
    generate(seed=4)
    assert Take.objects.count() == 400
    assert [row for row in snapshot() if row[0].startswith("synthetic-s3-")] == first


def test_everything_generated_is_marked_synthetic():
    generate()
    assert all(slug.startswith("synthetic-") for slug in Take.objects.values_list("slug", flat=True))
    assert all(
        url.endswith(tuple("0123456789")) and ".invalid/" in url for url in Take.objects.values_list("url", flat=True)
    )
    assert all(name.startswith("Synthetic") for name in Publication.objects.values_list("name", flat=True))
    assert all(summary.startswith("Synthetic take") for summary in Take.objects.values_list("summary", flat=True))


def test_common_words_are_nearly_everywhere_and_rare_ones_rare():
    generate(takes=300, quotes_per_take=10)
    texts = list(Quote.objects.values_list("text", flat=True))
    share = sum(" korea" in f" {t.lower()}" for t in texts) / len(texts)
    assert share > 0.85
    assert sum("yongbyon" in t.lower() for t in texts) < len(texts) * 0.01


def test_takes_are_inserted_in_date_order():
    generate()
    dates = list(Take.objects.order_by("id").values_list("published", flat=True))
    assert dates == sorted(dates)


def test_running_twice_without_replace_is_refused():
    generate()
    with pytest.raises(CommandError, match="already here"):
        generate()


@pytest.mark.parametrize("option", [{"takes": 0}, {"experts": 0}, {"quotes_per_take": -1}])
def test_bad_sizes_are_refused(option):
    with pytest.raises(CommandError):
        generate(**option)
    assert not Take.objects.exists()


def test_generated_rows_are_searchable_and_later_writes_still_indexed():
    generate(takes=300, quotes_per_take=10)
    texts = list(Quote.objects.values_list("text", flat=True))
    expected = sum("yongbyon" in t.lower() for t in texts)
    assert Quote.objects.search("korea").count() == sum("korea" in t.lower() for t in texts)
    assert Quote.objects.search("yongbyon").count() == expected
    assert Take.objects.search("synthetic").count() == Take.objects.count()
    # The per-row triggers lifted during the bulk load are back: a new quote is found at once.
    take = Take.objects.first()
    Quote.objects.create(take=take, text="Zyxwvut appears once.", order=99)
    assert Quote.objects.search("zyxwvut").count() == 1


def test_the_corpus_has_themes_collections_and_many_authors_per_outlet():
    generate(takes=400, quotes_per_take=4, experts=200)
    assert Take.objects.filter(themes__isnull=False).distinct().count() > 200
    assert Take.objects.filter(collection__isnull=False).exists()
    authors_per_outlet = (
        Take.objects.values("publication").annotate(n=Count("authorships__expert", distinct=True)).order_by("-n")
    )
    assert authors_per_outlet[0]["n"] >= 3
    assert Take.objects.filter(status="draft").exists() and Take.objects.filter(status="published").exists()
