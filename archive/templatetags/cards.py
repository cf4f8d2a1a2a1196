"""The repeated items of the reading pages — take and quote cards, stance chips, facet choices —
built in Python with ``format_html``.

A list page shows 20 cards and up to ~150 facet choices. As template partials, each card cost
~0.8 ms (an ``{% include %}``, some 40 variable look-ups, six URL reversals) and the facet box
~8 ms: a third of the page's 50 ms budget (docs/performance.md). Built here, a card costs a few
hundredths of a millisecond. Everything goes through ``format_html``/``conditional_escape``, so
stored text is escaped exactly as the templates did (highlighted snippets arrive as SafeStrings
built from escaped text, archive/search/highlight.py). Templates call the tags directly
(``{% take_card take 3 %}``, ``{% stance_chip position %}``): an ``{% include %}`` per item would
cost more than the item.
"""

from __future__ import annotations

import functools
import html
import re
from urllib.parse import quote as url_quote

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _escaped(value) -> str:
    """``conditional_escape(value)`` without its lazy-string wrapper (~1 µs a call, and a card
    escapes some 60 values): SafeStrings pass as they are, anything else is HTML-escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def format_html(format_string: str, *args) -> SafeString:
    """``django.utils.html.format_html``: every argument escaped unless already safe."""
    return mark_safe(format_string.format(*map(_escaped, args)))  # noqa: S308 - every argument escaped


def format_html_join(sep: str, format_string: str, args_generator) -> SafeString:
    """``django.utils.html.format_html_join``, with the escaping of ``format_html`` above."""
    return mark_safe(sep.join(format_string.format(*map(_escaped, args)) for args in args_generator))  # noqa: S308


# What the ``<slug:slug>`` path converter accepts (django.urls.converters.SlugConverter).
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_PLACEHOLDER = "slug-placeholder"


@functools.lru_cache(maxsize=64)  # keyed by script prefix: one entry per mount point in practice
def _around_slug(prefix: str, urlconf: str | None, name: str) -> tuple[str, str]:
    url = reverse(name, args=[_PLACEHOLDER], urlconf=urlconf)
    before, after = url.split(_PLACEHOLDER)
    return before, after


@receiver(setting_changed)
def _forget_urls(*, setting: str, **kwargs) -> None:
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _around_slug.cache_clear()
        _take_list_path.cache_clear()


def slug_url(name: str, slug: str) -> str:
    """``reverse(name, args=[slug])`` for a URL whose only argument is a slug, without reversing
    per item: the pattern is reversed once per script prefix and the slug put in its place. A value
    the slug converter would refuse goes through ``reverse()`` and fails the same way."""
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
        return reverse(name, args=[slug])
    before, after = _around_slug(get_script_prefix(), get_urlconf(), name)
    return before + slug + after


def take_url(take) -> str:
    return slug_url("take_detail", take.slug)


def expert_url(expert) -> str:
    return slug_url("expert_detail", expert.slug)


def publication_url(publication) -> str:
    return slug_url("publication_detail", publication.slug)


@functools.lru_cache(maxsize=64)
def _take_list_path(prefix: str, urlconf: str | None) -> str:
    return reverse("take_list", urlconf=urlconf)


def take_list_url() -> str:
    return _take_list_path(get_script_prefix(), get_urlconf())


# --------------------------------------------------------------------------- pieces


def _date(take) -> SafeString:
    if take.published:
        return format_html('<time datetime="{}">{}</time>', take.published.isoformat(), take.date_display)
    return format_html("{}", take.date_display)


def _byline(authorships: list) -> SafeString:
    """“A, B and C”, each name linking to the expert's page; "Unsigned" when nobody signed."""
    if not authorships:
        return mark_safe("Unsigned")
    links = [format_html('<a href="{}">{}</a>', expert_url(a.expert), a.expert.name) for a in authorships]
    if len(links) == 1:
        return links[0]
    return mark_safe(", ".join(links[:-1]) + " and " + links[-1])  # noqa: S308 - joined format_html output


def _question_label(question) -> str:
    return question.short_label or question.text


@register.simple_tag
def stance_chip(position) -> SafeString:
    """One take's stance on one question, linking to the takes that share it."""
    question, stance = position.question, position.stance
    return format_html(
        '<li><a class="chip stance-{}" href="{}?question={}&amp;stance={}" title="{}"><span class="chip-question">'
        "{}:</span> <strong>{}</strong></a></li>",
        stance.position or 0,
        take_list_url(),
        url_quote(question.slug, safe="/"),
        url_quote(stance.slug, safe="/"),
        question.text,
        _question_label(question),
        stance.label,
    )


def _plain_chips(positions) -> SafeString:
    return format_html_join(
        "",
        '<li class="chip">{}: <strong>{}</strong></li>',
        ((_question_label(p.question), p.stance.label) for p in positions),
    )


# --------------------------------------------------------------------------- cards


@register.simple_tag
def take_card(take, level=2) -> SafeString:
    """A take in a list. Needs ``take`` loaded with ``TakeQuerySet.with_related()``; ``level``
    sets the heading (default 2)."""
    level = level or 2
    positions = list(take.positions.all())
    publication = take.publication
    chips = (
        format_html(
            '\n  <ul class="chips" aria-label="Stances">\n    {}\n  </ul>\n  ',
            mark_safe("".join(stance_chip(position) for position in positions)),  # noqa: S308 - format_html output
        )
        if positions
        else mark_safe("\n  ")
    )
    quotes = format_html_join(
        "",
        '<blockquote class="headline-quote"><p>“{}”</p>{}</blockquote>',
        (
            (quote.text, format_html("<footer>— {}</footer>", quote.speaker.name) if quote.speaker else "")
            for quote in getattr(take, "headline_quotes", ())
        ),
    )
    return format_html(
        '<article class="take-card">\n  <h{} class="take-title"><a href="{}">{}</a></h{}>\n  <p class="meta">\n'
        '    <span class="byline">{}</span>\n    {}\n'
        '    <span class="sep" aria-hidden="true">·</span> {}\n'
        '    <span class="sep" aria-hidden="true">·</span> {}\n  </p>{}{}\n</article>\n',
        level,
        take_url(take),
        take.title,
        level,
        _byline(list(take.authorships.all())),
        format_html(
            '<span class="sep" aria-hidden="true">·</span> <a href="{}">{}</a>',
            publication_url(publication),
            publication.name,
        )
        if publication
        else "",
        _date(take),
        take.get_kind_display(),
        chips,
        quotes,
    )


@register.simple_tag
def take_result(take) -> SafeString:
    """A take in search results: highlighted title (``title_html``) and passage (``snippet``)."""
    return take_result_with(take_result_parts(take), getattr(take, "title_html", ""), getattr(take, "snippet", None))


def take_result_parts(take) -> tuple[str, SafeString, SafeString]:
    """A search result's card around its highlighted title and passage: the take's URL, the
    meta line (authors, outlet, date) and the stance chips. The same in every search that shows
    the take, so ``archive.reading.take_results`` keeps them."""
    authors = format_html_join(
        ", ", '<a href="{}">{}</a>', ((expert_url(a.expert), a.expert.name) for a in take.authorships.all())
    )
    publication = take.publication
    positions = list(take.positions.all())
    meta = format_html(
        '</a></h3>\n  <p class="meta">\n    {}\n    {}\n    · {}\n  </p>\n  ',
        authors,
        format_html('· <a href="{}">{}</a>', publication_url(publication), publication.name) if publication else "",
        take.date_display,
    )
    chips = format_html('<ul class="chips">\n    {}\n  </ul>', _plain_chips(positions)) if positions else ""
    return take_url(take), meta, format_html("\n  {}\n</article>\n", chips)


def take_result_with(parts: tuple[str, SafeString, SafeString], title_html, snippet) -> SafeString:
    """A whole search result from ``take_result_parts`` and the search's highlighted title and passage."""
    url, meta, end = parts
    return mark_safe(  # noqa: S308 - every piece escaped or built by format_html
        '<article class="take-card">\n  <h3><a href="'
        + _escaped(url)
        + '">'
        + _escaped(title_html)
        + meta
        + (format_html('<p class="snippet">{}</p>', snippet) if snippet else "")
        + end
    )


#: A quote card up to its passage; ``quote_card_tail`` is the rest.
QUOTE_CARD_HEAD = mark_safe('<article class="quote-card">\n  <blockquote>“')  # noqa: S308 - a constant


@register.simple_tag
def quote_card(quote) -> SafeString:
    """A quote in a list: the highlighted passage (``snippet``) or the text, who said it where,
    and the speaker's stances in that take (``speaker_positions``, when the speaker wrote it)."""
    return quote_card_with(quote_card_tail(quote), getattr(quote, "snippet", None) or quote.text)


def quote_card_with(tail: SafeString, passage) -> SafeString:
    """A whole quote card from its tail and its passage (escaped unless already safe HTML)."""
    return mark_safe(QUOTE_CARD_HEAD + _escaped(passage) + tail)  # noqa: S308 - escaped above


def quote_card_tail(quote) -> SafeString:
    """A quote card after its passage: the same for every search that shows the quote, so it can
    be kept (``archive.reading.quote_cards``) while the passage is highlighted per search."""
    take, speaker = quote.take, quote.speaker
    publication = take.publication
    positions = getattr(quote, "speaker_positions", None)
    return format_html(
        '”</blockquote>\n  <p class="meta">\n    — {},\n'
        '    in <a href="{}">{}</a>\n    {}\n    · {}\n  </p>\n  {}\n</article>\n',
        format_html('<a href="{}">{}</a>', expert_url(speaker), speaker.name) if speaker else "Unattributed",
        take_url(take),
        take.title,
        format_html('· <a href="{}">{}</a>', publication_url(publication), publication.name) if publication else "",
        take.date_display,
        format_html(
            '<ul class="chips" aria-label="{}’s stances">\n    {}\n  </ul>',
            speaker.name if speaker else "",
            _plain_chips(positions),
        )
        if positions
        else "",
    )


# --------------------------------------------------------------------------- facets


@register.simple_tag
def facet_choice(choice) -> SafeString:
    """A facet choice (archive.filters.Choice): a link that applies it, or removes it when chosen,
    and the number of takes it would give."""
    count = (
        format_html(
            ' <span class="count">{}<span class="visually-hidden"> take{}</span></span>',
            choice.count,
            "" if choice.count == 1 else "s",
        )
        if choice.count is not None
        else ""
    )
    if choice.selected:
        return format_html(
            '<a href="{}" class="selected" aria-current="true"><span class="visually-hidden">Remove filter: </span>'
            "{}</a>{}",
            choice.url,
            choice.label,
            count,
        )
    return format_html('<a href="{}">{}</a>{}', choice.url, choice.label, count)


@register.simple_tag
def facet_choices(choices) -> SafeString:
    """A facet's choices as list items."""
    return mark_safe("".join("<li>" + facet_choice(choice) + "</li>" for choice in choices))  # noqa: S308


def _held_in(position) -> SafeString:
    take = position.take
    return format_html('<a href="{}">{}</a>', take_url(take), take.date_display if take.published else "undated take")


def _takes(count: int) -> str:
    return f"{count} earlier take{'' if count == 1 else 's'}"


@register.simple_tag
def holder(holder, show_quote=False) -> SafeString:
    """An expert under one stance (a ``reading.StanceHolder``): when they held it, the other
    stances they held, and (``show_quote``) one representative quote."""
    expert = holder.expert
    held = ", ".join(_held_in(position) for position in holder.recent)
    if holder.earlier:
        held += format_html(" and {}", _takes(holder.earlier))
    parts = [
        format_html('<a class="expert-name" href="{}">{}</a>', expert_url(expert), expert.name),
        format_html('<span class="held">{}</span>', mark_safe(held)),  # noqa: S308 - joined format_html output
    ]
    if holder.others:
        also = "; ".join(
            format_html("{} ({})", position.stance.label, _held_in(position)) for position in holder.recent_others
        )
        if holder.earlier_others:
            also += format_html("; and in {}", _takes(holder.earlier_others))
        parts.append(format_html('<span class="also">Also held: {}</span>', mark_safe(also)))  # noqa: S308
    quote = holder.quote if show_quote else None
    if quote is not None:
        footer = ""
        if quote.speaker_id is not None and quote.speaker_id != expert.pk:
            footer = format_html("<footer>— {}, quoted by {}</footer>", quote.speaker.name, expert.name)
        parts.append(format_html('<blockquote class="holder-quote"><p>“{}”</p>{}</blockquote>', quote.text, footer))
    return mark_safe('<li class="holder">\n  ' + "\n  ".join(parts) + "\n</li>")  # noqa: S308 - format_html output
