"""CSV and JSON downloads: every matching row in the page's order, streamed, spreadsheet-safe, no drafts."""

import csv
import datetime
import io
import json

import pytest

from archive.models import DatePrecision, Status
from archive.opendata.streaming import safe_cell
from archive.pagination import PER_PAGE
from tests.factories import (
    AffiliationFactory,
    ExpertFactory,
    PositionFactory,
    PublicationFactory,
    QuoteFactory,
    StanceFactory,
    TakeFactory,
)

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_rows(client, url: str) -> list[dict]:
    raw = body(client.get(url))
    assert raw.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def json_doc(client, url: str) -> dict:
    response = client.get(url)
    assert response["Content-Type"] == "application/json"
    return json.loads(body(response))


@pytest.fixture
def world():
    w = type("World", (), {})()
    w.ann = ExpertFactory(name="Ann Lee", slug="ann", sort_name="Lee, Ann")
    w.bob = ExpertFactory(name="=HYPERLINK(1)", slug="bob", sort_name="Bob")
    AffiliationFactory(expert=w.ann, organization="Institute", role="Fellow", current=True)
    w.times = PublicationFactory(name="Times", slug="times")
    w.no = StanceFactory(slug="no", label="No", question__slug="disarm", position=0)
    w.yes = StanceFactory(slug="yes", label="Yes", question=w.no.question, position=1)
    w.takes = [
        TakeFactory(title=f"Take {n:02d}", published=datetime.date(2019, 1, 1) + datetime.timedelta(days=n))
        for n in range(PER_PAGE + 5)
    ]
    w.joint = TakeFactory(
        title="+Joint, \"quoted\"", authors=[w.ann, w.bob], publication=w.times, published=datetime.date(2019, 3, 1),
        date_precision=DatePrecision.MONTH, summary="-1 is\ta number\r\nsays @them",
    )  # fmt: skip
    w.draft = TakeFactory(title="Secret draft", status=Status.DRAFT, authors=[w.ann], publication=w.times)
    PositionFactory(take=w.joint, stance=w.no)
    PositionFactory(take=w.takes[0], stance=w.yes)
    PositionFactory(take=w.draft, stance=w.yes)
    QuoteFactory(take=w.joint, text="@once more from Pyongyang", speaker=w.ann)
    QuoteFactory(take=w.draft, text="Secret words", speaker=w.ann)
    return w


def test_the_take_csv_holds_every_take_not_one_page_newest_first(client, world):
    rows = csv_rows(client, "/takes/export.csv")
    assert len(rows) == PER_PAGE + 6
    page = client.get("/takes/").context["page_obj"]
    assert [row["slug"] for row in rows[:PER_PAGE]] == [take.slug for take in page]
    assert "Secret draft" not in {row["title"] for row in rows}


def test_a_take_row_joins_its_authors_and_gives_the_date_with_its_precision(client, world):
    row = next(r for r in csv_rows(client, "/takes/export.csv?expert=ann") if r["slug"] == world.joint.slug)
    assert row["authors"] == "Ann Lee; =HYPERLINK(1)"  # the cell starts with a letter: no formula
    assert row["author_slugs"] == "ann; bob"
    assert (row["published"], row["date_precision"]) == ("2019-03-01", "month")
    assert row["publication"] == "Times"
    assert row["url"] == f"http://testserver/takes/{world.joint.slug}/"
    assert row["stances"].endswith(": No")


def test_cells_a_spreadsheet_would_run_are_neutralised(client, world):
    row = csv_rows(client, "/takes/export.csv?expert=bob")[0]
    assert row["title"] == '\'+Joint, "quoted"'
    assert row["summary"] == "'-1 is\ta number\r\nsays @them"
    assert [safe_cell(v) for v in ("=1", "+1", "-1", "@x", "\tx", "\rx", "ok", 5)] == [
        "'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "ok", 5,
    ]  # fmt: skip
    quote = csv_rows(client, "/quotes/export.csv?speaker=ann")
    assert [q["text"] for q in quote] == ["'@once more from Pyongyang"]


def test_the_json_download_names_its_filters_and_ignored_parameters(client, world):
    doc = json_doc(client, "/takes/export.json?question=disarm&stance=no&expert=nobody")
    assert doc["filters"] == {"question": ["disarm"], "stance": ["no"]}
    assert any("nobody" in notice for notice in doc["notices"])
    assert [take["title"] for take in doc["takes"]] == [world.joint.title]
    take = doc["takes"][0]
    assert take["authors"] == ["Ann Lee", "=HYPERLINK(1)"]  # JSON is data: nothing prefixed
    assert take["published"] == "2019-03-01" and take["date_precision"] == "month"


@pytest.mark.parametrize(
    "query",
    ["?date_from=nonsense", "?stance=%00", "?sort=sideways", "?theme=a&theme=a&theme_mode=x", "?q=%22", "?kind=x"],
)
def test_bad_parameters_never_fail_a_download(client, world, query):
    for fmt in ("csv", "json"):
        for base in ("/takes/export.", "/quotes/export.", "/experts/export."):
            assert client.get(base + fmt + query).status_code == 200


def test_unknown_formats_and_questions_are_not_found(client, world):
    assert client.get("/takes/export.xlsx").status_code == 404
    assert client.get("/questions/nobody/positions.csv").status_code == 404


def test_the_quote_download_keeps_the_quote_filters(client, world):
    doc = json_doc(client, "/quotes/export.json?q=pyongyang")
    assert [q["text"] for q in doc["quotes"]] == ["@once more from Pyongyang"]
    assert doc["quotes"][0]["url"].endswith(f"/quotes/{doc['quotes'][0]['id']}/")
    assert "Secret words" not in json.dumps(json_doc(client, "/quotes/export.json"))


def test_the_expert_download_and_its_stance_groups(client, world):
    experts = csv_rows(client, "/experts/export.csv")
    assert [row["sort_name"] for row in experts] == sorted(row["sort_name"] for row in experts)  # as the page
    assert next(row for row in experts if row["slug"] == "bob")["name"] == "'=HYPERLINK(1)"
    ann = next(row for row in experts if row["slug"] == "ann")
    assert ann["affiliations"] == "Fellow, Institute" and ann["take_count"] == "1"
    grouped = json_doc(client, "/experts/export.json?question=disarm")
    assert [(h["stance_slug"], h["expert_slug"]) for h in grouped["holders"]] == [
        ("no", "bob"),
        ("no", "ann"),
        ("yes", world.takes[0].authorships.get().expert.slug),
    ]  # the draft's "yes" from Ann is not there
    only_no = csv_rows(client, "/experts/export.csv?question=disarm&stance=no&publication=times")
    assert [row["expert_slug"] for row in only_no] == ["bob", "ann"]


def test_a_question_s_positions(client, world):
    rows = csv_rows(client, "/questions/disarm/positions.csv")
    assert [(row["stance_slug"], row["take_slug"]) for row in rows] == [
        ("no", world.joint.slug),
        ("yes", world.takes[0].slug),
    ]
    assert rows[0]["authors"] == "Ann Lee; =HYPERLINK(1)"


# Committed writes: inside a PostgreSQL transaction that has written, nothing is kept.
@pytest.mark.django_db(transaction=True)
def test_downloads_are_never_kept_by_the_page_cache(client, world, settings):
    settings.PAGE_CACHE = True
    first = body(client.get("/takes/export.csv"))
    TakeFactory(title="Newer take", published=datetime.date(2020, 1, 1))
    second = client.get("/takes/export.csv")
    assert "X-Page-Cache" not in second
    assert b"Newer take" in body(second) and b"Newer take" not in first


def test_each_list_page_links_its_downloads(client, world):
    for page, link in [
        ("/takes/?expert=ann&sort=oldest", "/takes/export.csv?expert=ann&amp;sort=oldest"),
        ("/quotes/?speaker=ann", "/quotes/export.csv?speaker=ann"),
        ("/experts/?question=disarm", "/experts/export.csv?question=disarm"),
        ("/questions/disarm/", "/questions/disarm/positions.csv"),
        ("/experts/ann/", "/takes/export.csv?expert=ann"),
        ("/publications/times/", "/takes/export.csv?publication=times"),
        ("/search/?q=pyongyang", "/quotes/export.csv?q=pyongyang&amp;sort=relevance"),
    ]:
        assert f'href="{link}"' in client.get(page).content.decode(), page
