"""One address for every kind of public page, chosen from whatever the database holds.

The security, accessibility, HTML-validity, hostile-content and browser tests all walk the same
list, so a page type added here is checked by all of them.
"""

import re

from archive.models import Expert, Position, Quote, Status, Theme

WORD = re.compile(r"[A-Za-z]{4,}")


def public_pages() -> dict[str, str]:
    """``{page type: path}``: one of each public page type, with filters where the page has them.

    Needs at least one published take with a position, a quote and a collection (the seed and
    tests.archive_data.build_archive both have them).
    """
    position = (
        Position.objects.filter(take__status=Status.PUBLISHED, take__collection__isnull=False)
        .select_related("take", "question", "stance", "take__publication", "take__collection")
        .order_by("take__published", "pk")
        .first()
    )
    assert position is not None, "public_pages() needs a published take with a position and a collection"
    take = position.take
    expert = Expert.objects.public().filter(authorships__take=take).order_by("pk").first()
    theme = Theme.objects.filter(takes__status=Status.PUBLISHED).order_by("pk").first() or Theme.objects.earliest("pk")
    quote = Quote.objects.published().order_by("pk").first()
    word = next(iter(WORD.findall(quote.text if quote else "")), "korea").lower()
    other = Expert.objects.public().exclude(pk=expert.pk).order_by("pk").first()
    phrase = " ".join(WORD.findall(quote.text)[:2]) if quote else "kim jong"
    return {
        "home": "/",
        "takes": f"/takes/?question={position.question.slug}&stance={position.stance.slug}&sort=oldest",
        "take": take.get_absolute_url(),
        "experts": "/experts/",
        "experts by stance": f"/experts/?question={position.question.slug}&stance={position.stance.slug}",
        "expert": expert.get_absolute_url(),
        "questions": "/questions/",
        "question": position.question.get_absolute_url(),
        "publications": "/publications/",
        "publication": take.publication.get_absolute_url(),
        "collection": take.collection.get_absolute_url(),
        "theme": theme.get_absolute_url(),
        "about": "/about/",
        "search": f'/search/?q="{phrase}"+OR+{word}',
        "search takes": f"/search/?q={word}&type=takes&sort=date",
        "quotes": f"/quotes/?q={word}",
        "quotes browsed": f"/quotes/?speaker={expert.slug}",
        "search help": "/search/help/",
        "compare": f"/compare/?experts={expert.slug}&experts={other.slug if other else expert.slug}",
        "agreement": "/agreement/?n=8",
        "take citation": f"{take.get_absolute_url()}cite/",
        "predictions": "/predictions/",
        **prediction_pages(),
        # issue 15: a quote's own page, words on the take list (snippets), a theme left out
        "quote": quote.get_absolute_url(),
        "takes searched": f"/takes/?q={word}&theme_not={theme.slug}",
        "quotes without a theme": f"/quotes/?theme_not={theme.slug}&question={position.question.slug}",
    }


def prediction_pages() -> dict[str, str]:
    """The pages that show predictions and appearances, when the database holds any (the starter
    collection does): a filtered prediction list, a take with both, an expert with a record, an outlet
    that republished a take."""
    from archive.models import Appearance, Prediction

    pages = {}
    resolved = Prediction.objects.published().exclude(outcome="not-yet").select_related("take").first()
    if resolved is not None:
        author = resolved.take.authorships.select_related("expert").first()
        pages["predictions filtered"] = f"/predictions/?outcome={resolved.outcome}&expert={author.expert.slug}"
        pages["take with predictions"] = resolved.take.get_absolute_url()
        pages["expert with a record"] = author.expert.get_absolute_url()
    appearance = Appearance.objects.published().select_related("take").first()
    if appearance is not None:
        pages["take also published in"] = appearance.take.get_absolute_url()
    elsewhere = Appearance.objects.published().filter(publication__isnull=False).select_related("publication").first()
    if elsewhere is not None:
        pages["outlet that republished"] = elsewhere.publication.get_absolute_url()
    return pages
