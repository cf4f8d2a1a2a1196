"""The counts beside the /quotes/ and /experts/ filter menus (archive/filters/menu_counts.py): each
says what choosing it gives with the other filters kept, checked against the page that choice
leads to; and when the counts cover only the newest takes, the page says so."""

import pytest
from django.core.cache import cache

from archive.models import Expert, Position, Quote, Take
from tests.archive_data import build_archive

pytestmark = pytest.mark.django_db

EXPERT_MENUS = ("publication", "theme")


@pytest.fixture
def archive():
    built = build_archive(14, n_experts=9)
    # Not every take answers every question, and one take has no theme: counts must differ by choice.
    Position.objects.filter(take__in=built.takes[::3], question=built.questions[2]).delete()
    built.takes[4].themes.clear()
    cache.clear()
    return built


def quotes_choosing(name: str, key: str, base=None):
    """The published quotes a choice of the /quotes/ menu ``name`` leaves (``key`` as the menu counts it)."""
    quotes = base if base is not None else Quote.objects.published()
    if name == "speaker":
        return quotes.filter(speaker__slug=key)
    if name == "publication":
        return quotes.filter(take__publication__slug=key)
    if name == "question":
        return quotes.filter(take__positions__question__slug=key)
    if name == "stance":
        question, stance = key.split("/")
        return quotes.filter(take__positions__question__slug=question, take__positions__stance__slug=stance)
    return quotes.filter(take__themes__slug=key)


@pytest.mark.parametrize("query", ["", "?theme_not=THEME", "?q=quoted"])
def test_each_quote_menu_counts_the_quotes_its_choice_leaves(client, archive, query):
    theme = archive.themes[3]
    response = client.get("/quotes/" + query.replace("THEME", theme.slug))
    base = Quote.objects.published()
    if "theme_not" in query:
        base = base.exclude(take__themes=theme)
    if "q=" in query:
        base = base.search("quoted")
    menus = response.context["menus"]
    checked, found = 0, 0
    for name in ("speaker", "publication", "question", "theme"):
        counts = menus[name].counts
        assert counts is not None, name
        for slug, _label in menus[name].choices:
            assert counts.get(slug, 0) == quotes_choosing(name, slug, base).count(), (name, slug)
            checked, found = checked + 1, found + counts.get(slug, 0)
    for key, n in response.context["filter"].stance_counts.items():
        assert n == quotes_choosing("stance", key, base).count(), key
        checked += 1
    assert checked > 20
    assert found > 0


def test_a_chosen_quote_menu_shows_no_counts_and_the_others_count_under_it(client, archive):
    outlet = archive.publications[1]
    menus = client.get(f"/quotes/?publication={outlet.slug}").context["menus"]
    assert menus["publication"].counts is None
    base = Quote.objects.published().filter(take__publication=outlet)
    for slug, _label in menus["theme"].choices:
        assert menus["theme"].counts.get(slug, 0) == quotes_choosing("theme", slug, base).count()


def listed_experts(client, url: str) -> int:
    return client.get(url).context["page_obj"].paginator.count


@pytest.mark.parametrize(
    "filters",
    ["", "question=Q", "question=Q&stance=S", "theme=T", "publication=P", "letter=L", "question=Q&organization=O"],
)
def test_each_expert_menu_count_is_the_list_that_choice_gives(client, archive, filters):
    """The number beside a question, stance, outlet or theme is the number of experts /experts/
    lists once it is chosen, the other filters kept: distinct authors of a published take that
    meets them all."""
    question = archive.questions[2]
    stance = archive.stances[question.pk][1]
    expert = Expert.objects.order_by("sort_name").first()
    organization = expert.affiliations.get(current=True).organization
    query = (
        filters.replace("Q", question.slug)
        .replace("S", stance.slug)
        .replace("T", archive.themes[1].slug)
        .replace("P", archive.publications[2].slug)
        .replace("L", expert.sort_name[0])
        .replace("O", organization)
    )
    counts = client.get(f"/experts/?{query}").context["counts"]
    choices = {
        "publication": [(p.slug, f"publication={p.slug}") for p in archive.publications],
        "theme": [(t.slug, f"theme={t.slug}") for t in archive.themes],
        "question": [(q.slug, f"question={q.slug}") for q in archive.questions],
        "stance": [
            (f"{q.slug}/{s.slug}", f"question={q.slug}&stance={s.slug}")
            for q in archive.questions
            for s in archive.stances[q.pk]
            if "question=" not in query or q == question
        ],
    }
    checked = 0
    for name, options in choices.items():
        if f"{name}=" in query:
            assert counts[name] is None  # chosen: no counts
            continue
        for key, param in options:
            kept = [part for part in query.split("&") if part and not ("question=" in param and "question=" in part)]
            expected = listed_experts(client, "/experts/?" + "&".join([*kept, param]))
            assert counts[name].get(key, 0) == expected, (name, key)
            checked += 1
    assert checked >= 6
    assert not counts["over"]


def test_expert_menu_counts_past_the_cap_cover_the_newest_takes_and_say_so(client, archive, monkeypatch):
    monkeypatch.setattr("archive.filters.menu_counts.FACET_CAP", 3)
    monkeypatch.setattr("archive.views.experts.FACET_CAP", 3)
    response = client.get("/experts/")
    counts = response.context["counts"]
    assert counts["over"] == {"question", "stance", "publication", "theme"}
    newest = list(Take.objects.published().newest_first()[:3])
    for outlet in archive.publications:
        authors = {a.expert_id for take in newest if take.publication_id == outlet.pk for a in take.authorships.all()}
        assert counts["publication"].get(outlet.slug, 0) == len(authors), outlet.slug
    html = response.content.decode()
    assert "counted over the newest 3 such takes" in html


def test_the_expert_page_lists_outlet_counts_not_zeros(client, archive):
    html = client.get("/experts/").content.decode()
    outlet = archive.publications[0]
    n = listed_experts(client, f"/experts/?publication={outlet.slug}")
    assert n > 0
    assert f'<option value="{outlet.slug}">{outlet.name} ({n})</option>' in html


def test_a_menu_past_its_listing_limit_is_not_counted(client, archive):
    """At 10,000 experts the speaker menu lists none (it says to follow an expert's page): its
    counts are neither shown nor read."""
    from archive.filters.quotes import CHOICES_LISTED
    from tests.factories import ExpertFactory, QuoteFactory

    for expert in ExpertFactory.create_batch(CHOICES_LISTED + 1):
        QuoteFactory(take=archive.takes[0], speaker=expert)
    cache.clear()
    menus = client.get("/quotes/").context["menus"]
    assert menus["speaker"].counts is None
    assert menus["speaker"].note
    assert sum(menus["question"].counts.values()) > 0


@pytest.mark.parametrize("cap", [3, 1000])
def test_the_stance_menu_under_a_chosen_question_counts_its_stances_as_every_stance_was(archive, monkeypatch, cap):
    """With a question chosen the Stance menu lists that question's stances only, and only they
    are counted (``expert_menu_counts(question=…)``): the same numbers as when every question's
    stances were counted, past the cap (the same newest takes) and under it."""
    from archive.filters import ExpertFilter
    from archive.filters.menu_counts import expert_menu_counts

    monkeypatch.setattr("archive.filters.menu_counts.FACET_CAP", cap)
    question = archive.questions[2]
    filterset = ExpertFilter({"question": question.slug}, queryset=Expert.objects.public())
    every = expert_menu_counts(filterset.menu_bases(), None, "default")
    chosen = expert_menu_counts(filterset.menu_bases(), None, "default", question=question.pk)
    prefix = question.slug + "/"
    assert chosen.of("stance") == {key: n for key, n in every.of("stance").items() if key.startswith(prefix)}
    assert chosen.of("stance") and set(every.of("stance")) - set(chosen.of("stance"))  # the others: left out
    for name in ("publication", "theme"):
        assert chosen.of(name) == every.of(name)
    assert chosen.over == every.over
