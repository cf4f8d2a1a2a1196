"""``{% versioned "name" key … %}…{% endversioned %}``: a fragment of a page rendered once per data
version and process, and reused until the next write to the archive (archive/data_version.py).

Like Django's ``{% cache %}``, but never stale and with no timeout to choose: the version moves
with every write, whoever makes it. The fragment must depend only on the archive's data and on
the keys given (the site's URL prefix is added): the view hands it querysets or lazy values, which
are evaluated only when the fragment is rendered, so a kept fragment costs no query at all.
"""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe

from archive import data_version

register = template.Library()


class VersionedNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: template.base.FilterExpression, keys: list) -> None:
        self.nodelist = nodelist
        self.name = name
        self.keys = keys

    def render(self, context: template.Context) -> str:
        name = self.name.resolve(context)
        keys = tuple(str(key.resolve(context)) for key in self.keys)
        request = context.get("request")
        version = data_version.for_request(request) if request is not None else None
        return data_version.remember(
            ("fragment", name),
            (keys, get_script_prefix(), get_urlconf()),
            # The rendered fragment: escaped by the template engine as it was rendered.
            lambda: mark_safe(self.nodelist.render(context)),  # noqa: S308
            version=version,
        )


@register.tag("versioned")
def do_versioned(parser: template.base.Parser, token: template.base.Token) -> VersionedNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% versioned %} needs a name, then any keys.")
    nodelist = parser.parse(("endversioned",))
    parser.delete_first_token()
    return VersionedNode(nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]])
