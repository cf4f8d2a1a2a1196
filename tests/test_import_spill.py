"""archive/transfer/spill.py: what an import keeps per take, on disk instead of in memory."""

import io
import json

import pytest

from archive.transfer.spill import SpilledIndex, SpilledList
from archive.transfer.stream import read_file
from tests.generate_import import build


def test_the_index_keeps_the_first_index_of_each_value():
    index = SpilledIndex()
    assert index.setdefault("take-1", 0) == 0
    assert index.setdefault("url:https://example.org/1", 0) == 0
    assert index.setdefault("take-2", 1) == 1
    assert index.setdefault("take-1", 5) == 0  # seen before: the first index, not replaced
    assert index.setdefault("take-1", 7) == 0
    assert "take-1" in index and "take-2" in index
    assert "take-3" not in index and "url:https://example.org/2" not in index
    index.close()


def test_the_index_holds_many_values_and_awkward_ones():
    index = SpilledIndex()
    values = [f"take-{n}" for n in range(20_000)] + ["ünïcödé — 𝔘", "a'b\"c", "url:x?y=%s&z"]
    for n, value in enumerate(values):
        assert index.setdefault(value, n) == n
    assert all(index.setdefault(value, -1) == n for n, value in enumerate(values))
    index.close()


def test_the_list_gives_back_its_items_in_order():
    spilled = SpilledList()
    spilled.extend([1, 2])
    spilled.extend([])
    spilled.extend([3])
    assert len(spilled) == 3 and list(spilled) == [1, 2, 3] and list(spilled) == [1, 2, 3]
    spilled.close()


@pytest.mark.django_db
def test_a_streamed_documents_take_slugs_are_its_slugs_not_its_urls():
    document = build(30)
    document["takes"][3]["url"] = "https://example.org/takes/3"
    read = read_file(io.BytesIO(json.dumps(document).encode()))
    slugs = read.take_slugs()
    assert all(take["slug"] in slugs for take in document["takes"])
    assert "take-30" not in slugs
    assert "https://example.org/takes/3" not in slugs
