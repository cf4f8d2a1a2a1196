"""The read API (/api/v1/): drafts never appear, the pages' filters and orders, GET only, JSON
errors for bad parameters, throttling, CORS, and the whole-page cache."""

import pytest
from django.core.cache import cache as django_cache

from archive.models import Status, Take
from tests.archive_data import build_archive
from tests.factories import ExpertFactory, QuoteFactory, TakeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(settings):
    settings.API_THROTTLE_RATE = ""
    return build_archive(5)


def every_list(client) -> dict[str, list[dict]]:
    root = client.get("/api/v1/").json()
    return {name: client.get(url + "?page_size=100").json()["results"] for name, url in root.items()}


def test_drafts_and_people_seen_only_in_drafts_never_appear(client, archive):
    hidden = ExpertFactory(name="Only in a draft")
    TakeFactory(status=Status.DRAFT, authors=[hidden], title="Another secret")
    QuoteFactory(take=archive.draft, speaker=hidden, text="Secret words")
    listed = every_list(client)
    text = str(listed)
    assert "Secret draft take" not in text and "Draft words" not in text and "Only in a draft" not in text
    assert {take["slug"] for take in listed["takes"]} == {take.slug for take in archive.takes}
    assert client.get(f"/api/v1/takes/{archive.draft.slug}/").status_code == 404
    assert client.get(f"/api/v1/experts/{hidden.slug}/").status_code == 404
    assert client.get(f"/api/v1/quotes/{archive.draft.quotes.first().pk}/").status_code == 404
    assert client.get(f"/api/v1/positions/{archive.draft.positions.first().pk}/").status_code == 404


def test_a_response_to_a_draft_does_not_name_it(client, archive):
    response = archive.takes[1].responses.first()
    response.target_take = archive.draft
    response.save()
    body = client.get(f"/api/v1/responses/{response.pk}/").json()
    assert body["target_take"] is None


def test_the_take_list_gives_the_same_takes_in_the_same_order_as_the_page(client, archive):
    question = archive.questions[0]
    stance = archive.stances[question.pk][1]
    for query in (
        "",
        "?sort=oldest",
        f"?question={question.slug}&stance={stance.slug}",
        f"?expert={archive.experts[1].slug}&sort=oldest",
        f"?theme={archive.themes[1].slug}&theme={archive.themes[2].slug}&theme_mode=all",
        "?q=Take&sort=relevance",
        "?kind=op-ed&date_from=2019-03-01",
    ):
        page = client.get("/takes/" + query)
        api = client.get("/api/v1/takes/" + query)
        assert api.status_code == 200, (query, api.content)
        page_slugs = [take.slug for take in page.context["cards"]]
        assert [take["slug"] for take in api.json()["results"]] == page_slugs, query
        assert api.json()["count"] == page.context["page_obj"].paginator.count


def test_links_lead_to_the_resources_they_name(client, archive):
    take = client.get("/api/v1/takes/?page_size=1").json()["results"][0]
    assert client.get(take["url"]).json()["slug"] == take["slug"]
    assert client.get(take["authors"][0]["url"]).status_code == 200
    assert client.get(take["publication"]["url"]).status_code == 200
    assert client.get(take["positions"][0]["url"]).json()["take"]["slug"] == take["slug"]
    assert client.get(take["quotes"][0]["url"]).json()["take"]["slug"] == take["slug"]
    expert = client.get(take["authors"][0]["url"]).json()
    assert take["slug"] in [row["slug"] for row in client.get(expert["takes"]).json()["results"]]
    assert client.get(take["web_url"]).status_code == 200


@pytest.mark.parametrize(
    "query, field",
    [
        ("?expert=nobody", "parameters"),
        ("?expert=not%20a%20slug", "expert"),
        ("?date_from=28/02/2019", "date_from"),
        ("?kind=poem", "kind"),
        ("?sort=relevance", "parameters"),
        ("?page=0", "page"),
        ("?page=abc", "page"),
        ("?page_size=1000", "page_size"),
        ("?q=" + "word%20" * 100, "parameters"),
        ("?format=xml", "format"),
    ],
)
def test_bad_parameters_are_a_400_with_a_json_body(client, archive, query, field):
    response = client.get("/api/v1/takes/" + query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()["errors"]


def test_a_page_past_the_end_and_an_unknown_path_are_json_404s(client, archive):
    for url in ("/api/v1/takes/?page=99", "/api/v1/takes/no-such-take/", "/api/v1/quotes/123456789012345678901/"):
        response = client.get(url)
        assert response.status_code == 404 and "detail" in response.json(), url
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_only_get_and_head_are_allowed(client, archive, method):
    for url in ("/api/v1/takes/", f"/api/v1/takes/{archive.takes[0].slug}/"):
        response = getattr(client, method)(url)
        assert response.status_code == 405, (method, url)
    assert Take.objects.count() == 6
    assert client.head("/api/v1/takes/").status_code == 200


def test_requests_over_the_rate_are_throttled(client, archive, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    django_cache.clear()
    statuses = [client.get(f"/api/v1/takes/?page={n % 1 + 1}&page_size={n + 1}").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert "detail" in client.get("/api/v1/themes/?page_size=9").json()


def test_cross_origin_reads_are_allowed_on_the_api_only(client, archive):
    response = client.get("/api/v1/takes/", headers={"Origin": "https://elsewhere.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/takes/", headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 200 and "GET" in preflight["Access-Control-Allow-Methods"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    page = client.get("/takes/", headers={"Origin": "https://elsewhere.example"})
    assert not page.has_header("Access-Control-Allow-Origin")


@pytest.mark.django_db(transaction=True)  # PostgreSQL keeps nothing inside a transaction that has written
def test_api_responses_are_kept_by_the_page_cache_until_a_write(client, archive, django_assert_num_queries):
    origin = {"Origin": "https://elsewhere.example"}
    first = client.get("/api/v1/takes/", headers=origin)
    with django_assert_num_queries(1):  # the data version
        again = client.get("/api/v1/takes/", headers=origin)
    assert again["X-Page-Cache"] == "hit" and again.content == first.content
    assert again["Content-Type"] == "application/json"
    assert again["Access-Control-Allow-Origin"] == "*"
    browsable = client.get("/api/v1/takes/?format=api", headers={"Accept": "text/html"})
    assert browsable["Content-Type"].startswith("text/html")
    assert client.get("/api/v1/takes/", headers={"Accept": "text/html"}).content == first.content
    take = archive.takes[0]
    take.title = "A new title"
    take.save()
    assert "A new title" in client.get("/api/v1/takes/?page_size=100").content.decode()


def test_the_schema_and_the_browsable_pages_need_nothing_from_elsewhere(client, archive):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")
    assert len(schema["paths"]) == 18
    page = client.get("/api/v1/?format=api").content.decode()
    assert "/static/rest_framework/" in page
    assert "https://" not in page.split("<body")[0]  # no stylesheet or script from a CDN
