"""The card tags' URLs are what reverse() gives, under any script prefix; bad slugs fail the same way."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from archive.templatetags.cards import slug_url


@pytest.mark.parametrize("name", ["take_detail", "expert_detail", "publication_detail"])
@pytest.mark.parametrize("prefix", ["/", "/archive/", "/a%20b/"])
def test_a_slug_url_is_the_reversed_url(name, prefix):
    try:
        set_script_prefix(prefix)
        for slug in ["a", "some-take_2019", "X" * 100]:
            assert slug_url(name, slug) == reverse(name, args=[slug])
        assert slug_url(name, 1) == reverse(name, args=[1])  # not a string: reverse() itself
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("slug", ["", "with space", "a/b", "é", "slug-placeholder/x"])
def test_a_value_the_slug_converter_refuses_fails_as_reverse_does(slug):
    with pytest.raises(NoReverseMatch):
        reverse("take_detail", args=[slug])
    with pytest.raises(NoReverseMatch):
        slug_url("take_detail", slug)
