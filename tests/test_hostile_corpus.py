"""The hostile corpus (generate_corpus --hostile-repeats) and the hostile-search benchmark (issue 21)."""

import contextlib
import gc
import io
import re

import pytest
from django.core.management import CommandError, call_command

from archive.benchmark.corpus import HOSTILE_WORDS
from archive.benchmark.hostile import SEARCHES
from archive.models import Take

pytestmark = pytest.mark.django_db


def generate(**options):
    defaults = {"takes": 6, "quotes_per_take": 1, "experts": 5, "seed": 5, "verbosity": 0}
    call_command("generate_corpus", **{**defaults, **options})


def test_hostile_bodies_run_about_1100_words_repeating_each_common_word_about_n_times():
    generate(hostile_repeats=25)
    for body in Take.objects.values_list("body", flat=True):
        words = re.findall(r"\w+", body.lower())
        assert 1000 <= len(words) <= 1200
        for word in HOSTILE_WORDS:
            assert 20 <= words.count(word) <= 40, word  # 20–30 placed, a few more from the filler


def test_the_repeat_count_is_an_option_and_ordinary_bodies_stay_as_they_were():
    generate(hostile_repeats=150)
    assert all(
        re.findall(r"\w+", body.lower()).count("lorem") >= 120 for body in Take.objects.values_list("body", flat=True)
    )
    Take.objects.all().delete()
    generate(seed=6)
    ordinary = list(Take.objects.order_by("slug").values_list("body", flat=True))
    assert all(len(body.split()) < 400 for body in ordinary)
    with pytest.raises(CommandError):
        generate(seed=7, hostile_repeats=-1)


def test_the_hostile_benchmark_times_every_search_and_reports_the_targets():
    generate(hostile_repeats=25)
    out = io.StringIO()
    threshold = gc.get_threshold()
    with contextlib.suppress(SystemExit):  # a p99 over 1 s on a loaded machine exits 1: a figure, not a test
        call_command("benchmark", hostile=True, repeat=1, stdout=out, stderr=io.StringIO())
    # It timed the searches with the collector tuned as a web worker's, and put it back.
    assert gc.get_threshold() == threshold and gc.get_freeze_count() == 0
    table = out.getvalue()
    assert table.count("| `/") == len(SEARCHES)
    assert not re.search(r"\| [1-9]\d* \| (yes|\*\*no\*\*) \|", table)  # no search answered with a 5xx
