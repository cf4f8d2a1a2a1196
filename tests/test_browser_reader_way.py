"""Issue 15 in a real browser (Playwright driving Debian's chromium, as tests/test_browser.py), at
desktop (1280 px) and phone (390 px) widths: a reader finds a quote by a word from the home page,
opens its page and follows it to the take and the expert; experts by stance show a quote per row;
no page type scrolls sideways on a phone; axe finds nothing serious on the new pages.

Screenshots land in artifacts/screenshots/issue15/ (gitignored).
"""

import re

import pytest
from django.conf import settings

from archive.models import Quote
from tests.pages import public_pages
from tests.test_browser import BLOCKING_IMPACTS, browser, seed  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "artifacts" / "screenshots" / "issue15"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def sized(browser, request):  # noqa: F811
    context = browser.new_context(bypass_csp=True, viewport=VIEWPORTS[request.param])
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield request.param, page
    context.close()
    assert errors == [], errors


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"after-{name}.png"), full_page=True)


def test_a_reader_finds_a_quote_by_a_word_and_follows_it_to_the_take_and_the_expert(sized, live_server, seed):  # noqa: F811
    width, page = sized
    quote = Quote.objects.published().exclude(speaker=None).select_related("take", "speaker").order_by("pk").first()
    word = max(re.findall(r"[A-Za-z]{6,}", quote.text), key=len)
    page.goto(live_server.url + "/")
    # The header's box is on every page; on the home page the big box goes to /search/ too.
    page.locator("#home-q").fill(word)
    page.locator("#home-q").press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    assert page.locator("nav[aria-label=Main] a", has_text="Search").get_attribute("aria-current") == "page"
    card = page.locator(".quote-card", has=page.locator("mark")).first
    card.locator("a.quote-link").click()
    page.wait_for_url(re.compile(r"/quotes/\d+/$"))
    assert (
        page.locator("link[rel=canonical]").get_attribute("href").endswith(page.url.split("://", 1)[1].split("/", 1)[1])
    )
    assert page.locator('meta[property="og:type"]').get_attribute("content") == "article"
    shot(page, f"quote-{width}")
    shown = Quote.objects.select_related("take", "speaker").get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert word.lower() in shown.text.lower()
    page.locator(".quote-facts a", has_text=shown.take.title).click()
    page.wait_for_url(re.compile(rf"/takes/{shown.take.slug}/#quote-{shown.pk}$"))
    assert page.locator(f"#quote-{shown.pk}").is_visible()
    shot(page, f"take-{width}")
    page.go_back()
    page.locator(".quote-facts a", has_text=shown.speaker.name).first.click()
    page.wait_for_url(re.compile(rf"/experts/{shown.speaker.slug}/$"))
    assert page.locator("h1").inner_text().strip().startswith(shown.speaker.name)


def test_experts_by_stance_show_a_quote_or_summary_on_every_row(sized, live_server, seed):  # noqa: F811
    width, page = sized
    page.goto(live_server.url + "/experts/?question=walking-away")
    rows = page.locator("li.holder")
    assert rows.count() >= 5
    for index in range(rows.count()):
        why = rows.nth(index).locator(".holder-why")
        assert why.count() == 1
        assert why.locator("blockquote, .holder-summary").count() == 1, rows.nth(index).inner_text()
        assert "confidence:" in why.inner_text()
    shot(page, f"experts-by-stance-{width}")


def test_no_page_type_scrolls_sideways_on_a_phone(browser, live_server, seed):  # noqa: F811
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    wide = []
    for kind, url in public_pages().items():
        page.goto(live_server.url + url)
        scroll, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > view:
            wide.append(f"{kind} {url}: {scroll} px in {view}")
    page.goto(live_server.url + "/no-such-page/")
    scroll, view = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > view:
        wide.append(f"404: {scroll} px in {view}")
    context.close()
    assert wide == []


def test_the_take_page_uses_the_width_on_a_desktop_and_one_column_on_a_phone(sized, live_server, seed):  # noqa: F811
    width, page = sized
    page.goto(live_server.url + public_pages()["take"])
    main = page.locator(".take-main").bounding_box()
    side = page.locator(".take-side").bounding_box()
    if width == "desktop":
        assert side["x"] > main["x"] + main["width"] - 1  # beside it
    else:
        assert side["y"] >= main["y"] + main["height"] - 1  # below it


def test_the_new_pages_have_no_serious_accessibility_violations(sized, live_server, seed):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    width, page = sized
    pages = public_pages()
    blocking = []
    for kind in ("quote", "takes searched", "quotes without a theme", "experts by stance", "take", "home"):
        page.goto(live_server.url + pages[kind])
        for violation in Axe().run(page).response["violations"]:
            if violation["impact"] in BLOCKING_IMPACTS:
                blocking.append(f"{width} {kind}: {violation['id']} {[n['target'] for n in violation['nodes']][:3]}")
    assert blocking == [], "\n".join(blocking)
