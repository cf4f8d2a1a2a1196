"""Editor-entered URLs become links only when they are web addresses.

Model URLFields validate in forms, but the ORM (imports, scripts, the shell) can store anything,
so the templates never trust a stored URL: ``{{ take.url|web_url }}`` is the URL when its scheme is
http or https and the empty string otherwise (``{% if take.url|web_url %}`` hides the link).
"""

from urllib.parse import urlsplit

from django import template

register = template.Library()

WEB_SCHEMES = {"http", "https"}
# Browsers strip leading and trailing C0 controls and spaces from a URL, and drop tabs and newlines
# anywhere in it, before reading its scheme ("java\tscript:" is "javascript:").
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_IGNORED_BY_BROWSERS = dict.fromkeys(map(ord, "\t\n\r"), None)


@register.filter
def web_url(value) -> str:
    """``value`` if it is an absolute http(s) URL with a host, else ``""``."""
    text = str(value or "").strip(_C0_AND_SPACE).translate(_IGNORED_BY_BROWSERS)
    if not text or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        return ""
    return text
