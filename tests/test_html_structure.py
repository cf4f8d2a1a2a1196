"""Pages are well-formed HTML: balanced elements, unique ids, labelled controls, one h1, landmarks."""

from collections import Counter
from html.parser import HTMLParser

import pytest

from tests.archive_data import build_archive

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements whose end tag HTML lets you leave out; our templates always close them anyway.
SVG_SELF_CLOSING = {"rect", "path", "circle", "line"}


class Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: Counter = Counter()
        self.tags: Counter = Counter()
        self.labels: set[str] = set()
        self.controls: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            self.problems.append(f"duplicate attribute in <{tag}>")
        if "id" in attributes:
            self.ids[attributes["id"]] += 1
        self.tags[tag] += 1
        if tag == "label" and "for" in attributes:
            self.labels.add(attributes["for"])
        if tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
            self.controls.append((tag, attributes))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag not in VOID and tag not in SVG_SELF_CLOSING:
            self.problems.append(f"self-closed <{tag}/>")

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()


def pages(archive) -> list[str]:
    question = archive.questions[0]
    return [
        "/",
        "/takes/",
        f"/takes/?theme={archive.themes[0].slug}&theme={archive.themes[1].slug}&theme_mode=all&page=abc"
        f"&question={question.slug}&stance=nope",
        f"/takes/{archive.takes[-1].slug}/",
        "/experts/",
        f"/experts/?question={question.slug}",
        f"/experts/{archive.experts[0].slug}/",
        "/questions/",
        f"/questions/{question.slug}/",
        "/publications/",
        f"/publications/{archive.publications[0].slug}/",
        f"/collections/{archive.collection.slug}/",
        f"/themes/{archive.themes[0].slug}/",
        "/about/",
    ]


def test_every_page_is_well_formed_and_accessible_in_structure(client):
    archive = build_archive(25)
    for url in pages(archive):
        html = client.get(url).content.decode()
        checker = Checker()
        checker.feed(html)
        checker.close()
        assert html.startswith("<!DOCTYPE html>"), url
        assert not checker.problems, (url, checker.problems[:5])
        assert checker.stack == [], (url, checker.stack)
        assert [i for i, n in checker.ids.items() if n > 1] == [], url
        assert checker.tags["h1"] == 1, url
        assert checker.tags["main"] == 1 and checker.tags["nav"] >= 1 and checker.tags["footer"] >= 1, url
        for tag, attributes in checker.controls:
            assert attributes.get("id") in checker.labels or "aria-label" in attributes, (url, tag, attributes)
