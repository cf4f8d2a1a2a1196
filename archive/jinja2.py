"""The template engine of the public pages: Jinja2, through Django's own backend.

The public pages (templates/jinja2/) are Jinja2 templates; the admin, and the axes lockout page,
stay on Django templates (templates/admin/). Jinja2 renders the take list's twenty cards in well
under half the time Django's engine takes with the same partials (docs/architecture.md,
"Templates"), which is what keeps a cold page inside its budget.

What the pages used from Django's template libraries is exposed here under the same names, calling
the same functions: ``url()`` and ``static()``, ``querystring()`` (Django's ``{% querystring %}``),
``regroup()`` (``{% regroup %}``), and the filters ``web_url`` (archive/templatetags/links.py),
``intcomma`` (humanize), ``date``, ``pluralize``, ``urlencode``, ``truncatechars`` and
``truncatewords``. Autoescape is on: everything is escaped except values that say they are markup
(``__html__``), which only the search highlighter (archive/search/highlight.py) makes from text it
escaped first.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
import sys

import jinja2
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import defaultfilters, defaulttags
from django.template.backends import jinja2 as django_jinja2
from django.templatetags.static import static
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.urls.converters import IntConverter, SlugConverter

from archive.models.text import FORBIDDEN, without_forbidden
from archive.templatetags.links import web_url


def url(name: str, *args, **kwargs) -> str:
    """``{{ url('take_detail', take.slug) }}``: Django's ``{% url %}``. A URL without arguments is
    reversed once per URL configuration and script prefix (a list's stance chips link to
    ``url('take_list')`` some fifty times a page); so is the text around the one argument of a URL
    whose only argument is a slug or a number (``path()``'s ``slug`` and ``int`` converters), and a
    value the converter accepts is put in place (a question page links ~660 takes, experts and
    quotes: ~25 µs a ``reverse()``). Anything else, or a value the converter would refuse, goes
    through ``reverse()``."""
    if kwargs or len(args) > 1:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    if not args:
        return _plain_url(name, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    value = args[0]
    around = _around_one(name, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF)
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None
    if around is None or text is None or around[2].fullmatch(text) is None:
        return reverse(name, args=args)
    return around[0] + text + around[1]


@functools.lru_cache(maxsize=256)
def _plain_url(name: str, prefix: str, urlconf, root_urlconf: str) -> str:
    return reverse(name)


#: Accepted by the ``slug`` and ``int`` converters alike: what ``_around_one`` reverses.
_SENTINEL = "987654321"


@functools.lru_cache(maxsize=256)
def _around_one(name: str, prefix: str, urlconf, root_urlconf: str) -> tuple[str, str, re.Pattern] | None:
    """The text before and after the one argument of ``name``'s URL, and what the argument must
    match; None unless the name has one pattern whose one argument is a slug or a number."""
    patterns = get_resolver(urlconf).reverse_dict.getlist(name)
    if len(patterns) != 1:
        return None
    forms, _, defaults, converters = patterns[0]
    if len(forms) != 1 or len(forms[0][1]) != 1 or defaults or len(converters) != 1:
        return None
    converter = next(iter(converters.values()))
    if type(converter) not in (SlugConverter, IntConverter):
        return None
    before, _, after = reverse(name, args=[_SENTINEL]).rpartition(_SENTINEL)
    return before, after, re.compile(converter.regex)


@jinja2.pass_context
def querystring(context, *args, **kwargs) -> str:
    """Django's ``{% querystring %}``: the mappings given (``request.GET`` when none) updated by the
    keyword arguments, a ``None`` value removing its key, as ``?a=1&b=2``."""
    if not args:
        args = (context["request"].GET,)
    return defaulttags.querystring(None, *args, **kwargs)


def regroup(items, attribute: str) -> list[defaulttags.GroupedResult]:
    """Django's ``{% regroup items by attribute %}``: consecutive items with the same value of
    ``attribute`` (dotted), as ``(grouper, list)`` pairs, in the items' order."""
    key = operator.attrgetter(attribute)
    return [defaulttags.GroupedResult(grouper=g, list=list(group)) for g, group in itertools.groupby(items, key)]


def django_filter(function):
    """A filter of Django's engine, which gives its filters ``""`` for a variable the page lacks."""

    @functools.wraps(function)
    def apply(value, *args):
        return function("" if isinstance(value, jinja2.Undefined) else value, *args)

    return apply


def drop_forbidden(value):
    """Every printed value (``finalize``): control and bidirectional override characters dropped, so
    text stored before the rule refused them (archive/models/text.py) cannot spoof the page's
    direction or break its HTML. Markup (``__html__``: the search highlighter's, which escapes text
    itself) and numbers pass untouched."""
    if value is None or isinstance(value, (int, float, jinja2.Undefined)) or hasattr(value, "__html__"):
        return value
    text = value if isinstance(value, str) else str(value)
    return value if FORBIDDEN.search(text) is None else without_forbidden(text)


def environment(**options) -> jinja2.Environment:
    # Django's backend picks DebugUndefined when DEBUG is on, which prints "{{ name }}" for a variable
    # a page does not have (a 404 page's description); the templates are written to the rule of
    # Django's engine, where a missing variable, or an attribute of one, is simply empty.
    options["undefined"] = jinja2.ChainableUndefined
    options.pop("autoescape", None)  # on, whatever the settings say
    env = jinja2.Environment(autoescape=True, finalize=drop_forbidden, **options)
    env.globals.update(url=url, static=static, querystring=querystring, regroup=regroup)
    env.filters.update(
        web_url=web_url,
        intcomma=django_filter(intcomma),
        date=django_filter(defaultfilters.date),
        pluralize=django_filter(defaultfilters.pluralize),
        urlencode=django_filter(defaultfilters.urlencode),
        truncatechars=django_filter(defaultfilters.truncatechars),
        truncatewords=django_filter(defaultfilters.truncatewords),
    )
    return env


class Jinja2(django_jinja2.Jinja2):
    """Django's Jinja2 backend, whose templates send ``template_rendered`` as Django's own do in tests.

    Django's test client fills ``response.context`` and ``response.templates`` from that signal, and
    only the Django template engine sends it (once the test runner has instrumented it). Tests read
    what a public page was rendered with (``response.context["page_obj"]``), so these templates send
    it too. Outside tests nobody listens, and nothing has imported ``django.test`` (~0.3 s of
    imports a web worker is spared): a render then costs one dictionary look-up more.
    """

    def from_string(self, template_code: str) -> Template:
        return Template(super().from_string(template_code).template, self)

    def get_template(self, template_name: str) -> Template:
        return Template(super().get_template(template_name).template, self)


class Template(django_jinja2.Template):
    @property
    def name(self) -> str | None:
        """The template's name, as a Django template has (``assertTemplateUsed`` reads it)."""
        return self.template.name

    def render(self, context: dict | None = None, request=None) -> str:
        context = {} if context is None else context  # the backend adds request, csrf_input… to it
        html = super().render(context, request)
        signals = sys.modules.get("django.test.signals")  # imported by whoever listens to it
        if signals is not None:
            signals.template_rendered.send(sender=self, template=self, context=context)
        return html
