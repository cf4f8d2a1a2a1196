"""A real browser (Playwright driving Debian's chromium) against a live server: what readers and
editors do, axe-core accessibility checks on every public page type, and a screenshot of each.

Screenshots land in artifacts/screenshots/ (gitignored). Without chromium these tests FAIL with a
message saying how to install it (`.ci/run` installs it with apt); they are never skipped.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from archive.editors import EDITORS_GROUP
from archive.models import Expert, Stance, Status, Take
from tests.archive_data import build_archive
from tests.factories import TakeFactory
from tests.pages import public_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or settings.BASE_DIR / "artifacts" / "screenshots")
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"chromium is not installed at {CHROMIUM}: the browser tests need it. "
            "Install it with `apt-get install chromium` (.ci/run does this) or set CHROMIUM=/path/to/chromium."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: run `make install` (requirements.txt pins it).")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around
    # it are ordinary synchronous ones. Allowed only while the browser is up.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    # bypass_csp lets axe inject its script; the pages themselves run no script of their own.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], errors


@pytest.fixture
def seed():
    call_command("load_fixtures", verbosity=0)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.png"), full_page=True
    )


def heading(page) -> str:
    return page.locator("h1").first.inner_text().strip()


# --------------------------------------------------------------------------- readers


def test_a_reader_filters_experts_by_stance(page, live_server, seed):
    stance = (
        Stance.objects.filter(positions__take__status=Status.PUBLISHED)
        .select_related("question")
        .order_by("question__order", "position")
        .first()
    )
    holders = set(
        Expert.objects.filter(authorships__take__positions__stance=stance, authorships__take__status=Status.PUBLISHED)
        .values_list("name", flat=True)
        .distinct()
    )
    page.goto(live_server.url + "/experts/")
    page.select_option("#ex-question", stance.question.slug)
    page.select_option("#ex-stance", value=stance.slug)  # (its label carries a count: issue 15)
    with page.expect_navigation():
        page.locator("form.filter-form button[type=submit]").click()
    assert f"question={stance.question.slug}" in page.url and f"stance={stance.slug}" in page.url
    assert stance.question.text in heading(page)
    group = page.locator(".stance-group", has=page.locator("h2", has_text=stance.label))
    assert group.count() == 1
    shown = set(group.locator(".expert-name").all_inner_texts())
    assert holders and holders <= {name.strip() for name in shown}
    screenshot(page, "experts-by-stance")


def test_a_reader_searches_a_phrase_and_opens_a_result(page, live_server, seed):
    texts = Take.objects.published().filter(quotes__isnull=False).values_list("quotes__text", flat=True)
    # the first quote that opens with three plain words in a row ("Korea’s warning" is no phrase "Korea warning")
    openings = ((re.findall(r"[A-Za-z]{3,}", text)[:3], text) for text in texts)
    words = next(words for words, text in openings if " ".join(words) in text)
    phrase = " ".join(words)
    page.goto(live_server.url + "/search/")
    page.fill("input[name=q]", f'"{phrase}"')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    marks = page.locator("mark").all_inner_texts()
    assert marks, "the phrase is highlighted in the results"
    content_words = [word for word in words if len(word) >= 5] or words[-1:]  # PostgreSQL leaves stop words unmarked
    assert all(word.lower() in " ".join(marks).lower() for word in content_words), (words, marks)
    screenshot(page, "search-results")
    result = page.locator("main a[href^='/takes/']").first
    title = result.inner_text().strip()
    with page.expect_navigation():
        result.click()
    assert re.search(r"/takes/[\w-]+/$", page.url)
    assert heading(page) == title
    # the opened take shows a highlighted word (as found: PostgreSQL also matches other forms of a word)
    main = page.locator("main").inner_text().lower()
    assert any(mark.lower() in main for mark in marks), (phrase, marks)
    screenshot(page, "take")


def test_a_reader_pages_through_the_takes(page, live_server):
    takes = [TakeFactory(title=f"Paged take {n:02d}") for n in range(45)]
    page.goto(live_server.url + "/takes/")
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        seen += [t.strip() for t in page.locator(".take-card .take-title").all_inner_texts()]
        assert page.locator(".pagination .page-of").inner_text() == f"Page {pages} of 3"
        if pages == 1:
            screenshot(page, "takes")
        following = page.locator(".pagination a[rel=next]")
        if not following.count():
            break
        with page.expect_navigation():
            following.click()
    assert pages == 3
    assert sorted(seen) == sorted(t.title for t in takes)  # each take once, none missing
    with page.expect_navigation():
        page.locator(".pagination a[rel=prev]").click()
    assert "page=2" in page.url


# --------------------------------------------------------------------------- editors


def test_an_editor_adds_a_take_publishes_it_and_finds_it_in_search(page, live_server, seed):
    editor = User.objects.create_user("editor", password="a-long-editor-password-1", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    author = Expert.objects.public().order_by("name").first()
    stance = Stance.objects.select_related("question").order_by("question__order", "position").first()

    page.goto(live_server.url + "/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a-long-editor-password-1")
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert page.url.endswith("/admin/")
    screenshot(page, "admin-index")

    page.goto(live_server.url + "/admin/archive/take/add/")
    page.locator("#id_title").press_sequentially("Quokkas explain the Hanoi walkout")
    assert page.input_value("#id_slug") == "quokkas-explain-the-hanoi-walkout"  # filled by the admin's script
    page.fill("#id_published", "2019-03-05")
    page.fill("#id_url", "https://example.org/quokkas-hanoi")
    page.fill("#id_summary", "A take added through the browser.")
    # The author: a select2 autocomplete asking the admin for matching experts.
    page.locator("#authorships-0 .select2-selection, tr#authorships-0 .select2-selection").first.click()
    page.locator(".select2-container--open .select2-search__field").fill(author.name.split()[-1])
    page.locator(".select2-results__option", has_text=author.name).first.click()
    page.fill("#id_quotes-0-text", "Quokkas never sign a deal they cannot read.")
    page.select_option("#id_positions-0-stance", str(stance.pk))
    screenshot(page, "admin-add-take")
    with page.expect_navigation():
        page.click("input[name=_save]")
    assert page.locator(".messagelist .success").count() == 1, page.locator("main, #content").inner_text()[:2000]

    take = Take.objects.get(slug="quokkas-explain-the-hanoi-walkout")
    assert take.status == Status.DRAFT
    assert [a.expert_id for a in take.authorships.all()] == [author.pk]
    assert take.quotes.get().speaker_id == author.pk  # defaults to the first author
    assert take.positions.get().stance_id == stance.pk
    page.goto(live_server.url + "/search/?q=quokkas")
    assert "Quokkas explain" not in page.locator("main").inner_text()  # a draft stays hidden

    # Publish it with the list's action.
    page.goto(live_server.url + "/admin/archive/take/?status__exact=draft")
    page.locator(f"input.action-select[value='{take.pk}']").check()
    page.select_option("select[name=action]", "publish")
    with page.expect_navigation():
        page.click("button[name=index]")
    take.refresh_from_db()
    assert take.status == Status.PUBLISHED

    page.goto(live_server.url + "/search/?q=quokkas")
    result = page.locator("main a", has_text="Quokkas explain the Hanoi walkout").first
    assert page.locator("main").inner_text().count("Quokkas never sign a deal") >= 1
    with page.expect_navigation():
        result.click()
    assert heading(page) == "Quokkas explain the Hanoi walkout"
    assert stance.label in page.locator("main").inner_text()


# --------------------------------------------------------------------------- accessibility


def test_every_public_page_type_has_no_serious_accessibility_violations(page, live_server, seed):
    from axe_playwright_python.sync_playwright import Axe

    build_archive(25)  # pagination, facets and charts with more than the seed's handful
    axe = Axe()
    blocking, checked, minor = [], 0, 0
    for kind, url in public_pages().items():
        page.goto(live_server.url + url)
        assert page.locator("h1").count() == 1, (kind, url)
        results = axe.run(page)
        checked += 1
        for violation in results.response["violations"]:
            if violation["impact"] in BLOCKING_IMPACTS:
                targets = [node["target"] for node in violation["nodes"]][:3]
                blocking.append(f"{kind} {url}: {violation['id']} ({violation['impact']}): {targets}")
            else:
                minor += 1
        screenshot(page, kind)
    assert checked == len(public_pages()) >= 16
    assert blocking == [], "\n".join(blocking)
    print(f"axe: {checked} pages, 0 serious/critical violations, {minor} minor/moderate")  # noqa: T201


def test_axe_reports_a_violation_on_a_broken_page(page, live_server):
    """The control: the same checks catch an unlabelled field and low contrast."""
    from axe_playwright_python.sync_playwright import Axe

    page.goto(live_server.url + "/search/help/")
    page.evaluate(
        """() => {
        const input = document.createElement('input'); document.querySelector('main').append(input);
        const p = document.createElement('p'); p.textContent = 'faint'; p.style.color = '#eee';
        document.querySelector('main').append(p);
    }"""
    )
    ids = {v["id"] for v in Axe().run(page).response["violations"] if v["impact"] in BLOCKING_IMPACTS}
    assert {"label", "color-contrast"} <= ids
