"""The alert pages are valid HTML (Nu Html Checker) and have no serious accessibility violations
(axe in chromium), as every public page type is (tests/test_valid_html.py, tests/test_browser.py)."""

import pytest

from archive.alerts import tokens
from archive.models import Alert, Subscriber
from tests.factories import ExpertFactory, TakeFactory
from tests.test_browser import BLOCKING_IMPACTS, browser, page  # noqa: F401 - the fixtures
from tests.test_valid_html import nu_check

pytestmark = pytest.mark.django_db(transaction=True)  # the browser reads through the live server


def alert_pages() -> dict[str, str]:
    expert = ExpertFactory(name="Soo Kim")
    TakeFactory(authors=[expert])
    subscriber = Subscriber.objects.create(email="a@example.org")
    alert = Alert.objects.create(subscriber=subscriber, params=f"expert={expert.slug}", label="Expert: Soo Kim")
    return {
        "follow": f"/alerts/follow/?expert={expert.slug}",
        "follow, unknown filter": "/alerts/follow/?expert=nobody",
        "confirm": f"/alerts/confirm/{tokens.confirm_token(alert.pk)}/",
        "unsubscribe": f"/alerts/unsubscribe/{tokens.unsubscribe_token(alert_id=alert.pk)}/",
        "bad link": "/alerts/confirm/nonsense/",
    }


def test_the_alert_pages_are_valid_html(client, tmp_path):
    pages = alert_pages()
    files = {}
    for kind, url in pages.items():
        response = client.get(url)
        path = tmp_path / f"{len(files)}.html"
        path.write_bytes(response.content)
        files[path.name] = kind
    sent = client.post("/alerts/follow/", {"email": "b@example.org", "params": ""})
    refused = client.post("/alerts/follow/", {"email": "nope", "params": ""})
    for kind, response in (("sent", sent), ("refused", refused)):
        path = tmp_path / f"{len(files)}.html"
        path.write_bytes(response.content)
        files[path.name] = kind
    errors = [
        f"{files[m['url'].rsplit('/', 1)[-1]]}: line {m.get('lastLine')}: {m.get('message')}"
        for m in nu_check([tmp_path / name for name in files])
        if m.get("type") in ("error", "non-document-error")
    ]
    assert errors == [], "\n".join(errors)


@pytest.mark.browser
def test_the_alert_pages_have_no_serious_accessibility_violations(page, live_server):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    blocking = []
    for kind, url in alert_pages().items():
        page.goto(live_server.url + url)
        assert page.locator("h1").count() == 1, kind
        if kind in ("confirm", "unsubscribe"):
            assert page.locator("main button").count() == 1, kind  # the header holds the search box
        for violation in Axe().run(page).response["violations"]:
            if violation["impact"] in BLOCKING_IMPACTS:
                blocking.append(f"{kind}: {violation['id']} {[node['target'] for node in violation['nodes']][:3]}")
    assert blocking == [], "\n".join(blocking)
