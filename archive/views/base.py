"""What every reading page shares: rendering with a title and description, and the labels of the
filters in force. (The query strings of links and canonical URLs: archive/filters/querystrings.py.)"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

SITE = "Hanoi Summit archive"


def page(request: HttpRequest, template: str, title: str, description: str, **context) -> HttpResponse:
    """Render a reading page with its title and meta description (used for OpenGraph too)."""
    context.update(title=title, description=" ".join(description.split())[:300])
    context["notices"] = [notice for notice in context.get("notices", []) if notice]
    return render(request, template, context)


def active_labels(active: list[tuple[str, str]], most: int | None = None) -> str:
    """The labels of the filters in force, for a page's title and description."""
    return "; ".join(label for label, _ in active[:most])
