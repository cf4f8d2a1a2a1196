"""The prediction pages at a phone's width (390 px): nothing wider than the screen, every page
readable without sideways scrolling (the leaderboard's table scrolls inside its own box)."""

import pytest

from tests.pages import prediction_pages
from tests.test_browser import browser, screenshot, seed  # noqa: F401 - the shared browser fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_prediction_pages_fit_a_390_px_screen(browser, live_server, seed):  # noqa: F811
    pages = {"predictions": "/predictions/", **prediction_pages()}
    assert len(pages) >= 4
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        for name, path in pages.items():
            page.goto(live_server.url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= 390, f"{name} ({path}) is {overflow} px wide at 390 px"
            assert page.locator("h1").first.is_visible()
            screenshot(page, f"390px {name}")
    finally:
        context.close()
