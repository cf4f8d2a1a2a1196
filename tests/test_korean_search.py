"""Korean search (issue 15): a Hangul word matches the words that begin with it (the stem with its
particles and endings), on both databases; words in other scripts still match whole words only."""

import pytest
from django.urls import reverse

from archive.models import Quote, Take
from archive.search import parse, search_page
from archive.search.query import matches_as_prefix, to_fts5_match, to_tsquery_text
from tests.factories import QuoteFactory, TakeFactory

pytestmark = pytest.mark.django_db

TEXTS = [
    "북한의 비핵화는 어렵다.",
    "비핵화를 위한 협상이 결렬되었다.",
    "완전한 비핵화 없이는 제재 완화도 없다.",
    "하노이 회담은 합의 없이 끝났다.",
    "Denuclearization talks stalled in Hanoi.",
    "The denuclearized peninsula remains a distant goal.",
    "Nuclear talks resumed.",
]


@pytest.fixture
def quotes(db):
    take = TakeFactory(title="회담 이후", summary="비핵화는 멀었다는 평가.")
    return [QuoteFactory(take=take, text=text) for text in TEXTS]


def found(q: str) -> set[str]:
    return set(Quote.objects.published().search(q).values_list("text", flat=True))


def test_a_korean_stem_finds_the_word_with_its_particles(quotes):
    assert found("비핵화") == {TEXTS[0], TEXTS[1], TEXTS[2]}


def test_a_longer_korean_word_finds_only_itself_and_its_endings(quotes):
    assert found("비핵화는") == {TEXTS[0]}
    assert found("협상이") == {TEXTS[1]}


def test_korean_words_combine_with_the_other_syntax(quotes):
    assert found("비핵화 -협상") == {TEXTS[0], TEXTS[2]}
    assert found('"북한의 비핵화"') == {TEXTS[0]}
    assert found("결렬 OR 하노이") == {TEXTS[1], TEXTS[3]}


def test_english_words_still_match_whole_words(quotes):
    # "nuclear" is not a prefix match: "denuclearization" is another word.
    assert found("nuclear") == {TEXTS[6]}
    assert not matches_as_prefix("nuclear")
    assert to_tsquery_text(parse("nuclear")) == "(('nuclear'))"
    assert to_fts5_match(parse("nuclear")) == '(("nuclear"))'


def test_the_compiled_match_marks_only_hangul_words_as_prefixes():
    query = parse("비핵화 Kim")
    assert to_tsquery_text(query) == "(('비핵화':*)) & (('kim'))"
    assert to_fts5_match(query) == '(("비핵화"*) AND ("kim"))'


def test_takes_are_found_by_a_korean_stem_too(quotes):
    assert list(Take.objects.published().search("비핵화").values_list("title", flat=True)) == ["회담 이후"]


def test_the_search_page_highlights_the_whole_korean_word(quotes, client):
    page = search_page(Quote.objects.published(), "비핵화")
    assert page.count == 3
    marked = {str(quote.snippet) for quote in page.object_list}
    assert any("<mark>비핵화는</mark>" in snippet or "<mark>비핵화</mark>는" in snippet for snippet in marked), marked
    response = client.get(reverse("search"), {"q": "비핵화"})
    assert response.status_code == 200
    assert "<mark>" in response.content.decode()
