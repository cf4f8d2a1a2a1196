"""Cite a take or a quote: BibTeX, RIS and CSL-JSON that parsers read, and APA and Chicago text."""

import datetime
import json

import bibtexparser
import pytest
import rispy
from django.utils import timezone

from archive.models import DatePrecision, Status
from tests.factories import ExpertFactory, PublicationFactory, QuoteFactory, TakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def take():
    cha = ExpertFactory(name="Victor Cha", sort_name="Cha, Victor", slug="cha")
    org = ExpertFactory(name="Kim Jong Un", sort_name="Kim Jong Un", slug="kim")
    return TakeFactory(
        title="Why {Hanoi} failed: 50% & $ #_~^ \\ <b>",
        slug="why-hanoi",
        authors=[cha, org],
        publication=PublicationFactory(name="The Atlantic & Co"),
        published=datetime.date(2019, 3, 1),
        date_precision=DatePrecision.MONTH,
        url="https://example.org/original",
    )


def download(client, url: str, content_type: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content.decode()


def test_the_bibtex_parses_with_every_field(client, take):
    text = download(client, "/takes/why-hanoi/cite.bib", "application/x-bibtex")
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    (entry,) = library.entries
    assert entry.entry_type == "online" and entry.key == f"take-{take.pk}"
    fields = {field.key: field.value for field in entry.fields}
    assert fields["author"] == "Cha, Victor and {Kim Jong Un}"
    assert (
        fields["title"]
        == r"{Why \{Hanoi\} failed: 50\% \& \$ \#\_\textasciitilde{}\textasciicircum{} \textbackslash{} <b>}"
    )
    assert fields["date"] == "2019-03" and fields["year"] == "2019"
    assert fields["url"] == "http://testserver/takes/why-hanoi/"
    assert fields["urldate"] == timezone.localdate().isoformat()
    assert "https://example.org/original" in fields["note"]


def test_the_ris_parses_with_every_field(client, take):
    text = download(client, "/takes/why-hanoi/cite.ris", "application/x-research-info-systems")
    (record,) = rispy.loads(text)
    assert record["type_of_reference"] == "ELEC"
    assert record["title"] == take.title
    assert record["authors"] == ["Cha, Victor", "Kim Jong Un"]
    assert record["secondary_title"] == "The Atlantic & Co"
    assert record["year"] == "2019" and record["date"] == "2019/03/"
    assert record["urls"] == ["http://testserver/takes/why-hanoi/"]
    assert record["access_date"] == timezone.localdate().strftime("%Y/%m/%d")


def test_the_csl_json_is_one_item(client, take):
    (item,) = json.loads(download(client, "/takes/why-hanoi/cite.json", "application/vnd.citationstyles.csl+json"))
    assert item["type"] == "webpage"
    assert item["author"] == [{"family": "Cha", "given": "Victor"}, {"literal": "Kim Jong Un"}]
    assert item["issued"] == {"date-parts": [[2019, 3]]}
    assert item["container-title"] == "The Atlantic & Co"
    today = timezone.localdate()
    assert item["accessed"] == {"date-parts": [[today.year, today.month, today.day]]}


# Committed writes: inside a PostgreSQL transaction that has written, nothing is kept.
@pytest.mark.django_db(transaction=True)
def test_the_citation_page_shows_apa_and_chicago_escaped(client, take):
    response = client.get("/takes/why-hanoi/cite/")
    html = response.content.decode()
    assert '<h2 id="style-1">APA</h2>' in html and "Chicago</h2>" in html
    assert "Cha, V." in html and "(2019, March)" in html  # APA
    assert "Accessed " in html and "http://testserver/takes/why-hanoi/" in html  # Chicago, with the access date
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert "X-Page-Cache" not in client.get("/takes/why-hanoi/cite/")  # today's date: never kept


def test_a_quote_is_cited_as_its_take_with_its_words(client, take):
    quote = QuoteFactory(take=take, text="We walked away.", speaker=take.authors.first())
    text = download(client, f"/quotes/{quote.pk}/cite.ris", "application/x-research-info-systems")
    (record,) = rispy.loads(text)
    assert record["title"] == take.title
    assert "Quoting Victor Cha: “We walked away.”" in record["notes"][0]
    assert record["urls"] == [f"http://testserver/quotes/{quote.pk}/"]
    library = bibtexparser.parse_string(download(client, f"/quotes/{quote.pk}/cite.bib", "application/x-bibtex"))
    assert library.entries[0].key == f"quote-{quote.pk}"
    assert client.get(f"/quotes/{quote.pk}/cite/").status_code == 200


def test_the_take_page_links_its_citations_and_each_quote_s(client, take):
    quote = QuoteFactory(take=take, text="We walked away.")
    html = client.get("/takes/why-hanoi/").content.decode()
    for url in ("/takes/why-hanoi/cite/", "/takes/why-hanoi/cite.bib", "/takes/why-hanoi/cite.ris"):
        assert f'href="{url}"' in html
    assert f'id="quote-{quote.pk}"' in html and f'href="/quotes/{quote.pk}/cite/"' in html


def test_drafts_and_unknown_formats_have_no_citation(client, take):
    draft = TakeFactory(slug="secret", status=Status.DRAFT)
    quote = QuoteFactory(take=draft)
    for url in (
        "/takes/secret/cite.bib",
        "/takes/secret/cite/",
        f"/quotes/{quote.pk}/cite.ris",
        "/takes/why-hanoi/cite.doc",
    ):
        assert client.get(url).status_code == 404, url


def test_an_undated_unsigned_take_still_cites(client):
    TakeFactory(slug="bare", published=None, publication=None, authors=[], url="")
    assert client.get("/takes/bare/cite/").status_code == 200
    (record,) = rispy.loads(client.get("/takes/bare/cite.ris").content.decode())
    assert "year" not in record
    assert not bibtexparser.parse_string(client.get("/takes/bare/cite.bib").content.decode()).failed_blocks
