"""Search behaves the same on PostgreSQL and SQLite: syntax, stemming, scripts, ranking, safety, drafts."""

import datetime

import pytest
from django.urls import reverse

from archive.models import Quote, Status, Take
from archive.search import backends, parse, search_page
from archive.search import results as search_results
from archive.search.backends import sqlite as sqlite_backend
from tests.factories import ExpertFactory, QuoteFactory, TakeFactory, ThemeFactory

pytestmark = pytest.mark.django_db


def quote_texts(q: str) -> set[str]:
    return set(Quote.objects.published().search(q).values_list("text", flat=True))


@pytest.fixture
def quotes(db):
    take = TakeFactory(title="An ordinary take")
    texts = [
        "The comeback kid returned to Hanoi with nothing.",
        "A kid can make a comeback, but not this one.",
        "Negotiations collapsed over Yongbyon and sanctions relief.",
        "Maximum pressure worked until it did not.",
        "Sanctions are the only leverage left.",
        "Summit diplomacy is theatre.",
        "Talks will resume in the spring.",
        "김정은 위원장은 하노이에 갔다.",
        "Les négociations ont échoué à Hanoï.",
        "North Korea's self-preservation instinct explains everything.",
    ]
    for text in texts:
        QuoteFactory(take=take, text=text)
    return texts


def test_it_requires_every_word(quotes):
    assert quote_texts("sanctions relief") == {"Negotiations collapsed over Yongbyon and sanctions relief."}


def test_it_matches_an_exact_phrase_only_in_order(quotes):
    assert quote_texts('"comeback kid"') == {"The comeback kid returned to Hanoi with nothing."}
    assert quote_texts("comeback kid") == {
        "The comeback kid returned to Hanoi with nothing.",
        "A kid can make a comeback, but not this one.",
    }
    assert quote_texts('"kid comeback"') == set()


def test_it_excludes_a_word_and_a_phrase(quotes):
    assert quote_texts("sanctions -relief") == {"Sanctions are the only leverage left."}
    assert quote_texts('comeback -"comeback kid"') == {"A kid can make a comeback, but not this one."}


def test_it_matches_either_word_with_or(quotes):
    assert quote_texts("theatre OR spring") == {"Summit diplomacy is theatre.", "Talks will resume in the spring."}
    assert quote_texts("theatre OR spring diplomacy") == {"Summit diplomacy is theatre."}


def test_it_stems_english_words(quotes):
    assert quote_texts("negotiating") == {"Negotiations collapsed over Yongbyon and sanctions relief."}
    assert "Talks will resume in the spring." in quote_texts("talk")


def test_it_ignores_case_and_accents(quotes):
    assert quote_texts("YONGBYON") == {"Negotiations collapsed over Yongbyon and sanctions relief."}
    assert quote_texts("hanoi echoue") == {"Les négociations ont échoué à Hanoï."}
    assert quote_texts("Négociations échoué") == {"Les négociations ont échoué à Hanoï."}


def test_it_finds_korean_names_in_hangul(quotes):
    assert quote_texts("김정은") == {"김정은 위원장은 하노이에 갔다."}


def test_it_finds_hyphenated_words_whole_or_in_parts(quotes):
    found = {"North Korea's self-preservation instinct explains everything."}
    assert quote_texts("self-preservation") == found
    assert quote_texts('"self preservation"') == found
    assert quote_texts("preservation") == found


def test_it_says_stop_words_alone_are_too_common(client, quotes):
    response = client.get(reverse("search"), {"q": "the of and"})
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert quote_texts("the") == set()


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "-",
        "OR",
        "OR kim",
        "*",
        "(",
        "NEAR",
        "AND",
        "NEAR(kim, 2)",
        "kim*",
        "'; DROP TABLE archive_quote; --",
        "1=1 OR 'a'='a'",
        "x" * 10_000,
        "sanctions " * 2000,
        "!!!",
        "\\",
        '"unbalanced -',
        "a AND OR NOT b",
        "{text}:kim",
        "\x00kim",
        "<script>alert(1)</script>",
        '-""',
        "^",
        "kim:*",
    ],
)
def test_it_answers_any_input_with_a_page(client, quotes, q):
    for name in ("search", "quote_list"):
        response = client.get(reverse(name), {"q": q, "sort": "date"})
        assert response.status_code == 200, (name, q)
        assert "<script>alert" not in response.content.decode()
    assert Take.objects.search(q).count() >= 0


def test_it_ranks_title_and_summary_above_full_text(db):
    in_body = TakeFactory(
        title="A long essay", body="yongbyon " * 3 + "other words " * 50, published=datetime.date(2019, 3, 9)
    )
    in_title = TakeFactory(title="Why Yongbyon mattered", published=datetime.date(2019, 3, 1))
    in_summary = TakeFactory(title="Another", summary="The Yongbyon offer.", published=datetime.date(2019, 3, 2))
    ranked = list(Take.objects.published().by_relevance("yongbyon"))
    assert ranked[-1] == in_body
    assert set(ranked[:2]) == {in_title, in_summary}
    page = search_page(Take.objects.published(), "yongbyon", sort="date")
    assert [t.pk for t in page] == [in_body.pk, in_summary.pk, in_title.pk]


def test_it_sorts_quotes_by_relevance_or_by_date(db):
    old = QuoteFactory(
        text="Sanctions, sanctions and more sanctions.", take=TakeFactory(published=datetime.date(2019, 3, 1))
    )
    new = QuoteFactory(
        text="A word on sanctions among many other words here.", take=TakeFactory(published=datetime.date(2019, 4, 1))
    )
    assert [q.pk for q in search_page(Quote.objects.published(), "sanctions", sort="date")] == [new.pk, old.pk]
    assert [q.pk for q in search_page(Quote.objects.published(), "sanctions")] == [old.pk, new.pk]


def test_it_hides_drafts_and_their_quotes_from_readers(client):
    draft = TakeFactory(title="Secret Yongbyon draft", status=Status.DRAFT)
    QuoteFactory(take=draft, text="Yongbyon draft quote")
    body = client.get(reverse("search"), {"q": "yongbyon"}).content.decode()
    assert "Secret" not in body and "draft quote" not in body
    body = client.get(reverse("quote_list"), {"q": "yongbyon"}).content.decode()
    assert "draft quote" not in body
    assert Take.objects.search("yongbyon").count() == 1  # the engine itself sees drafts (the admin does)


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> \x02 \x03'


def test_it_escapes_hostile_text_in_highlighted_snippets(client):
    from django.db import connection as django_connection

    from archive.db import clean_text  # the sentinels stand for text stored before writes refused them

    clean_text.uninstall(django_connection)
    take = TakeFactory(
        title=f"Yongbyon {HOSTILE}",
        summary=f"Yongbyon summary {HOSTILE} yongbyon",
        body=f"{HOSTILE} yongbyon body",
    )
    QuoteFactory(take=take, text=f'{HOSTILE} yongbyon <b onmouseover="x">quote</b>')
    for tab in ("all", "quotes", "takes"):
        body = client.get(reverse("search"), {"q": "yongbyon", "type": tab}).content.decode()
        assert "<script>" not in body and "<img" not in body and "<b " not in body
        assert "&lt;script&gt;" in body
        assert "<mark>" in body
        assert body.count("<mark>") == body.count("</mark>")
    body = client.get(reverse("quote_list"), {"q": "yongbyon"}).content.decode()
    assert "<script>" not in body and "<img" not in body and "&lt;img" in body and "<mark>" in body


def test_it_escapes_hostile_queries(client, quotes):
    body = client.get(reverse("search"), {"q": '"><script>alert(1)</script> sanctions'}).content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;" in body


def test_it_shows_speaker_take_outlet_and_stance_on_quote_results(client):
    from tests.factories import PositionFactory

    speaker = ExpertFactory(name="Soo Kim")
    take = TakeFactory(title="What Happens Next", authors=[speaker])
    PositionFactory(take=take, stance__label="Talks will fail")
    QuoteFactory(take=take, speaker=speaker, text="Yongbyon was never on the table.")
    body = client.get(reverse("quote_list"), {"q": "yongbyon"}).content.decode()
    assert "Soo Kim" in body and "What Happens Next" in body and take.publication.name in body
    assert "Talks will fail" in body


def test_it_finds_misspelt_and_reordered_expert_names(client):
    ExpertFactory(name="Soo Kim", sort_name="Kim, Soo")
    larison = ExpertFactory(name="Daniel Larison", sort_name="Larison, Daniel")
    ExpertFactory(name="Graham Allison", sort_name="Allison, Graham")
    from archive.models import Expert

    similar_experts = backends.backend("default").similar_experts
    assert [e.name for e in similar_experts(Expert.objects.all(), "Kim Soo")] == ["Soo Kim"]
    assert [e.name for e in similar_experts(Expert.objects.all(), "Larrison")][0] == "Daniel Larison"
    assert similar_experts(Expert.objects.all(), "nuclear deterrence") == []
    body = client.get(reverse("search"), {"q": "Larrison"}).content.decode()
    assert "Daniel Larison" not in body  # readers are offered only people with published work
    TakeFactory(authors=[larison])
    body = client.get(reverse("search"), {"q": "Larrison"}).content.decode()
    assert "Daniel Larison" in body


def test_it_suggests_a_close_spelling_when_nothing_matches(client, quotes):
    body = client.get(reverse("search"), {"q": "Yongbion"}).content.decode()
    assert "Did you mean" in body and "yongbyon" in body
    body = client.get(reverse("search"), {"q": "sanctoins relief"}).content.decode()
    assert "Did you mean" in body and "sanctions relief" in body
    body = client.get(reverse("search"), {"q": "zzyzx"}).content.decode()
    assert "Did you mean" not in body


def test_it_offers_to_drop_filters_when_they_hide_every_match(client, quotes):
    other = ExpertFactory()
    TakeFactory(authors=[other])  # a public expert with no quote matching
    body = client.get(reverse("quote_list"), {"q": "sanctions", "speaker": other.slug}).content.decode()
    assert "drop the filters" in body


def test_it_filters_quotes_by_speaker_outlet_question_stance_theme_and_date(client):
    from tests.factories import PositionFactory

    theme = ThemeFactory()
    early = TakeFactory(published=datetime.date(2019, 2, 1))
    late = TakeFactory(published=datetime.date(2019, 5, 1))
    late.themes.add(theme)
    position = PositionFactory(take=late)
    q_early = QuoteFactory(take=early, text="Hanoi early quote")
    q_late = QuoteFactory(take=late, text="Hanoi late quote")

    def found(**params):
        response = client.get(reverse("quote_list"), {"q": "hanoi", **params})
        return {q.pk for q in response.context["page"]}

    assert found() == {q_early.pk, q_late.pk}
    assert found(speaker=q_early.speaker.slug) == {q_early.pk}
    assert found(publication=late.publication.slug) == {q_late.pk}
    assert found(theme=theme.slug) == {q_late.pk}
    assert found(question=position.question.slug, stance=position.stance.slug) == {q_late.pk}
    # An unknown stance is left out with a notice (tests/test_quote_filters.py); the question still filters.
    assert found(question=position.question.slug, stance="no-such-stance") == {q_late.pk}
    assert found(date_from="2019-03-01") == {q_late.pk}
    assert found(date_to="2019-03-01") == {q_early.pk}
    assert found(speaker="nobody", date_from="not-a-date") == {q_early.pk, q_late.pk}


def test_it_counts_up_to_a_cap_and_ranks_only_the_newest_matches(monkeypatch, client):
    monkeypatch.setattr(search_results, "COUNT_CAP", 5)
    take = TakeFactory()
    quotes = [QuoteFactory(take=take, text=f"Sanctions quote {i}") for i in range(8)]
    page = search_page(Quote.objects.published(), "sanctions", per_page=3)
    assert page.capped and page.count_display == "5+"
    assert page.ranked_only_newest
    assert {q.pk for q in page} <= {q.pk for q in quotes[-5:]}
    by_date = search_page(Quote.objects.published(), "sanctions", sort="date", per_page=3, page=3)
    assert len(by_date.object_list) == 2  # date order pages through every match
    body = client.get(reverse("search"), {"q": "sanctions", "type": "quotes"}).content.decode()
    assert "Quotes (5+)" in body


def _search_page_queries(client, django_assert_max_num_queries, params, limit):
    with django_assert_max_num_queries(limit):
        response = client.get(reverse("search"), params)
    assert response.status_code == 200


@pytest.mark.parametrize("size", [2, 30])
def test_it_runs_a_constant_number_of_queries_per_search_page(client, django_assert_max_num_queries, size):
    from tests.factories import PositionFactory

    for i in range(size):
        take = TakeFactory(title=f"Yongbyon take {i}", authors=[ExpertFactory(), ExpertFactory()])
        take.themes.add(ThemeFactory())
        PositionFactory(take=take)
        QuoteFactory(take=take, text=f"Yongbyon quote {i}", is_headline=True)
    # quotes: candidates, ranks, rows, snippets, and for cards not yet kept their rows, authors and
    # positions; takes: candidates, ranks, rows with with_related's prefetches, snippets; expert names.
    _search_page_queries(client, django_assert_max_num_queries, {"q": "yongbyon"}, 17)
    _search_page_queries(client, django_assert_max_num_queries, {"q": "yongbyon", "type": "quotes"}, 10)
    _search_page_queries(client, django_assert_max_num_queries, {"q": "yongbyon", "type": "takes", "sort": "date"}, 12)
    # /quotes/ (issue 15): and the menus' counts over the listed quotes (two queries: the quotes'
    # takes, speakers and outlets, then the takes' positions and themes; without words, one more to
    # read the newest ids).
    with django_assert_max_num_queries(16):
        assert client.get(reverse("quote_list"), {"q": "yongbyon", "theme": "theme-1"}).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get(reverse("quote_list")).status_code == 200


def test_it_keeps_queries_constant_when_nothing_matches(client, django_assert_max_num_queries, quotes):
    with django_assert_max_num_queries(10):
        assert client.get(reverse("search"), {"q": "Yongbion zzyzx"}).status_code == 200


def test_search_queryset_methods_compose_with_other_filters(db):
    take = TakeFactory(title="Yongbyon and the summit")
    draft = TakeFactory(title="Yongbyon draft", status=Status.DRAFT)
    assert list(Take.objects.published().search("yongbyon")) == [take]
    assert set(Take.objects.search("yongbyon")) == {take, draft}
    assert list(Take.objects.filter(pk__in=Take.objects.search("yongbyon").values("pk")).published()) == [take]
    assert Take.objects.search("").count() == 2  # a blank query leaves the list as it is
    assert Take.objects.search("the").count() == 0
    assert list(Take.objects.published().by_relevance("yongbyon summit")) == [take]
    assert parse("the").message


def test_a_common_word_under_selective_filters_finds_exactly_the_filtered_matches(monkeypatch):
    """SQLite's path for a word in most rows whose filters keep few of them (runs of ids read as
    rowid ranges): the same rows as matching every row, on both databases."""
    monkeypatch.setattr(sqlite_backend, "WINDOW", 4)  # the newest 4 matches decide nothing here
    kept, other = TakeFactory(title="Kept outlet take"), TakeFactory(title="Other outlet take")
    late = TakeFactory(title="Kept, added later", publication=kept.publication)
    texts = ["Korea talks", "Korea and sanctions", "Nothing here", "Korea, again", "korean wording"]
    for text in texts:  # interleaved ids: the kept outlet's quotes are not one run
        QuoteFactory(take=kept, text=text)
        QuoteFactory(take=other, text=text)
    QuoteFactory(take=late, text="Korea at last")
    QuoteFactory(take=kept, text="Korea added to an old take")  # far from its take's other quotes
    for _ in range(6):
        QuoteFactory(take=other, text="Korea elsewhere")
    base = Quote.objects.published().filter(take__publication=kept.publication)
    engine = backends.for_queryset(base)
    for q in ["korea", "korea -sanctions", "korea OR nothing", '"korea again"', "korea talks"]:
        expected = set(engine.filter_matches(base, parse(q)).values_list("pk", flat=True))
        assert set(engine.newest_matches(base, parse(q), 100).values_list("pk", flat=True)) == expected, q
        page = search_page(base, q, per_page=50)
        assert {quote.pk for quote in page} == expected, q
        assert page.count == len(expected) and not page.capped
    newest_two = sorted(engine.filter_matches(base, parse("korea")).values_list("pk", flat=True))[-2:]
    assert sorted(engine.newest_matches(base, parse("korea"), 2).values_list("pk", flat=True)) == newest_two
    # Past the cap, the page lists the most recently added matches, and says the count is capped.
    monkeypatch.setattr(search_results, "COUNT_CAP", 2)
    capped = search_page(base, "korea", per_page=50)
    assert capped.capped and capped.count == 2
    assert sorted(quote.pk for quote in capped) == newest_two
    assert not engine.newest_matches(base.none(), parse("korea"), 10).exists()
