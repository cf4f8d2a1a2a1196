"""The public pages are Jinja2 templates (archive/jinja2.py) with autoescape on; the admin stays on
Django templates."""

import pytest
from django.template import engines
from django.template.loader import get_template
from django.test import override_settings

from archive.search.highlight import mark_words


def render(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


def test_everything_is_escaped_but_the_highlighters_marks():
    html = render(
        "{{ text }}|{{ marked }}|{{ missing }}",
        text="<script>alert(1)</script> & 'quotes'",
        marked=mark_words("Kim <b>met</b> Trump", ["kim"]),
    )
    assert html == (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;quotes&#39;|<mark>Kim</mark> &lt;b&gt;met&lt;/b&gt; Trump|"
    )


def test_autoescape_cannot_be_turned_off_in_the_settings():
    from archive.jinja2 import environment

    assert environment(autoescape=False).autoescape is True


@override_settings(DEBUG=True)
def test_a_missing_variable_or_attribute_is_empty_as_in_django_templates():
    from archive.jinja2 import environment

    env = environment(autoescape=True)
    assert env.from_string("[{{ nothing }}][{{ nothing.at.all }}][{{ nothing|date('Y') }}]").render() == "[][][]"


def test_the_tags_the_pages_used_are_there_under_the_same_names(rf):
    request = rf.get("/experts/?letter=K&page=2")
    html = render(
        "{{ url('take_detail', 'a-take') }} {{ querystring(letter=None, page=None) }} {{ 1234567|intcomma }} "
        "{{ 2|pluralize }} {{ 'a b'|urlencode }} {{ 'javascript:alert(1)'|web_url }}.",
        request=request,
    )
    assert html == "/takes/a-take/ ? 1,234,567 s a%20b ."


def test_public_pages_are_jinja2_and_the_admin_stays_on_django_templates():
    assert type(get_template("archive/take_list.html").backend).__name__ == "Jinja2"
    assert type(get_template("404.html").backend).__name__ == "Jinja2"
    assert type(get_template("admin/locked_out.html").backend).__name__ == "DjangoTemplates"
    assert type(get_template("admin/archive/take/change_form_object_tools.html").backend).__name__ == "DjangoTemplates"


@pytest.mark.django_db
def test_the_test_client_sees_a_jinja2_pages_context_and_template(client):
    response = client.get("/takes/")
    assert [t.name for t in response.templates] == ["archive/take_list.html"]
    assert response.context["page_obj"].number == 1


@pytest.mark.django_db
def test_an_unknown_address_gets_the_jinja2_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert [t.name for t in response.templates] == ["404.html"]
    assert "Page not found" in response.content.decode()
