"""``archive.jinja2.url`` with one argument: the text around a slug or a number reversed once, the
value put in place; the same address ``reverse()`` gives, and ``reverse()`` itself for anything else."""

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix

from archive import jinja2 as engine


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("take_detail", "some-take_slug-2019"),
        ("take_detail", 42),
        ("expert_detail", "kim-jong-un"),
        ("question_detail", "denuclearisation"),
        ("publication_detail", "38-north"),
        ("quote_detail", 123),
        ("quote_detail", "123"),
        ("take_cite", "a-take"),  # ``path()`` with a slug and more text after it
    ],
)
def test_one_slug_or_number_gives_what_reverse_gives(name, value):
    assert engine.url(name, value) == reverse(name, args=[value])


def test_the_text_around_the_argument_is_reversed_once():
    engine._around_one.cache_clear()
    for n in range(5):
        engine.url("take_detail", f"take-{n}")
    assert engine._around_one.cache_info().misses == 1
    assert engine._around_one.cache_info().hits == 4


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("take_detail", "not a slug"),  # refused by the slug converter
        ("take_detail", "café"),
        ("quote_detail", "abc"),  # refused by the int converter
        ("quote_detail", -3),
        ("quote_detail", True),
    ],
)
def test_a_value_the_converter_refuses_goes_through_reverse(name, value):
    with pytest.raises(NoReverseMatch):
        reverse(name, args=[value])
    with pytest.raises(NoReverseMatch):
        engine.url(name, value)


def test_other_urls_go_through_reverse():
    # a regular expression (re_path), two arguments, a keyword argument, a string converter
    assert engine._around_one("take_cite_file", "/", None, "archive.urls") is None
    assert engine.url("take_cite_file", "a-take", "bib") == reverse("take_cite_file", args=["a-take", "bib"])
    assert engine.url("take_detail", slug="a-take") == reverse("take_detail", kwargs={"slug": "a-take"})
    assert engine._around_one("alert_confirm", "/", None, "archive.urls") is None
    assert engine.url("alert_confirm", "x.y:z") == reverse("alert_confirm", args=["x.y:z"])


def test_the_script_prefix_is_part_of_the_address():
    try:
        set_script_prefix("/archive/")
        expected = reverse("take_detail", args=["a-take"])
        assert engine.url("take_detail", "a-take") == "/archive/takes/a-take/" == expected
    finally:
        set_script_prefix("/")
    assert engine.url("take_detail", "a-take") == "/takes/a-take/"


@override_settings(ROOT_URLCONF="tests.urls_other_take_path")
def test_another_url_configuration_is_reversed_afresh():
    assert engine.url("take_detail", "a-take") == "/t/a-take/"
