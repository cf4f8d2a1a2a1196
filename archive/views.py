"""Public reading pages. Query logic lives in QuerySet methods, filters and reading helpers; views stay short.

Each page does a fixed number of queries whatever it shows (pinned in tests/test_query_counts.py).
"""

from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.functional import cached_property
from django.views.decorators.http import require_safe

from archive import cache, data_version
from archive.filters import MAX_QUERY_LENGTH, MAX_VALUES, ExpertFilter, TakeFilter
from archive.models import (
    Affiliation,
    Collection,
    Expert,
    ExpertStance,
    Position,
    Publication,
    Question,
    Quote,
    Response,
    Status,
    Take,
    TakeAuthor,
    Theme,
)
from archive.reading import (
    holders_by_stance,
    newest_holders,
    newest_positions,
    paginate,
    stance_split,
    stances_over_time,
    take_cards,
)

SITE = "Hanoi Summit archive"
#: An expert page shows this many of their quotes, newest first, and links to the rest.
QUOTES_SHOWN = 20
#: ... and the stances of this many of their newest positions (the timeline of a prolific author).
POSITIONS_SHOWN = 60
#: A question page lists this many experts under each stance (by name) and links to all of them.
HOLDERS_SHOWN = 30


def page(request: HttpRequest, template: str, title: str, description: str, **context) -> HttpResponse:
    """Render a reading page with its title and meta description (used for OpenGraph too)."""
    context.update(title=title, description=" ".join(description.split())[:300])
    context.setdefault("notices", [])
    context["notices"] = [notice for notice in context["notices"] if notice]
    return render(request, template, context)


def link_params(request: HttpRequest, filterset) -> QueryDict:
    """The query parameters that facet and chip links carry: the filter's own keys only, each value
    and each list capped, so a huge or junk query string is never copied into every link."""
    params = QueryDict(mutable=True)
    for key in request.GET:
        if key in filterset.filters:
            params.setlist(key, [value[:MAX_QUERY_LENGTH] for value in request.GET.getlist(key)[:MAX_VALUES]])
    return params


def canonical_query(params: list[tuple[str, str]], page_obj=None) -> str:
    if page_obj is not None and page_obj.number > 1:
        params = [*params, ("page", str(page_obj.number))]
    return urlencode(params)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    published = Take.objects.published()
    version = data_version.for_request(request)
    figures = cache.kept("home figures", None, home_figures, version=version)
    questions = Question.objects.prefetch_related("stances")
    return page(
        request,
        "archive/home.html",
        "Who said what about the Hanoi summit",
        "Expert opinion on the February 2019 Trump–Kim summit in Hanoi: takes, quotes, and where each "
        "expert stands on the questions the summit raised.",
        totals=figures["totals"],
        expert_count=figures["experts"],
        quote_count=figures["quotes"],
        splits=[stance_split(question, figures["split"]) for question in questions],
        latest=take_cards(published.newest_first()[:6]),
    )


def home_figures() -> dict:
    """The whole archive's totals and stance split: each a pass over every published row, so kept
    in the cache until the data changes (archive/cache.py)."""
    return {
        "totals": Take.objects.published().aggregate(takes=Count("id"), outlets=Count("publication", distinct=True)),
        "experts": Expert.objects.public().count(),
        "quotes": Quote.objects.published().count(),
        "split": Position.objects.split(),
    }


@require_safe
def take_list(request: HttpRequest) -> HttpResponse:
    version = data_version.for_request(request)
    filterset = TakeFilter(request.GET, queryset=Take.objects.published())
    params = link_params(request, filterset)
    facets = filterset.facets(params, version=version)  # also counts the results, in the query that sizes the facets
    page_obj, page_notice = paginate(request, filterset.qs, count=filterset.total)
    cards = take_cards(page_obj)
    active = filterset.active(params)
    title = "Takes" + (": " + "; ".join(label for label, _ in active[:3]) if active else "")
    return page(
        request,
        "archive/take_list.html",
        title,
        f"{page_obj.paginator.count} take{'s' if page_obj.paginator.count != 1 else ''} on the Hanoi summit"
        + (", filtered by " + "; ".join(label for label, _ in active) if active else "")
        + ": titles, authors, outlets, stances and headline quotes.",
        filter=filterset,
        form_values=filterset.data_cleaned,
        page_obj=page_obj,
        cards=cards,
        active=active,
        facets=facets,
        link_query=params,
        notices=[*filterset.notices, page_notice],
        kept=[(k, v) for k, v in filterset.canonical_params() if k not in ("q", "date_from", "date_to", "sort")],
        canonical_query=canonical_query(filterset.canonical_params(), page_obj),
    )


class TakeSections:
    """A take page's authors (with their affiliations that year), stances and themes, fetched
    when the template first uses them."""

    def __init__(self, take: Take) -> None:
        self.take = take

    @cached_property
    def _details(self) -> Take:
        # The lookups of TakeQuerySet.with_details(); a take already loaded with them (the editors'
        # preview) is not fetched again.
        prefetch_related_objects([self.take], *Take.objects.with_details()._prefetch_related_lookups)
        return self.take

    @cached_property
    def authorships(self) -> list[TakeAuthor]:
        take = self._details
        year = take.published.year if take.published else None
        authorships = list(take.authorships.all())
        for authorship in authorships:
            authorship.affiliations_then = [a for a in authorship.expert.affiliations.all() if a.held_in(year)]
        return authorships

    @property
    def positions(self) -> list[Position]:
        return list(self._details.positions.all())

    @property
    def themes(self) -> list[Theme]:
        return list(self._details.themes.all())

    @cached_property
    def quotes(self) -> list[Quote]:
        return list(self.take.quotes.select_related("speaker"))

    @cached_property
    def responses(self) -> list[Response]:
        return list(self.take.responses.select_related("expert", "target_take", "quote", "quote__speaker"))

    @cached_property
    def answered_by(self) -> list[Response]:
        return list(
            Response.objects.filter(target_take=self.take, take__status=Status.PUBLISHED)
            .select_related("take", "take__publication")
            .prefetch_related(Prefetch("take__authorships", queryset=TakeAuthor.objects.select_related("expert")))
        )


def take_page_context(take: Take) -> dict:
    """Everything the take page shows besides the take itself: shared by the public page and the
    editors' preview (archive/preview.py), so a preview is exactly what the public will see."""
    sections = TakeSections(take)
    description = take.summary or take.standfirst
    if not description:
        authors = ", ".join(a.expert.name for a in sections.authorships)
        description = f"{take.title}, by {authors}."
    return {
        "take": take,
        "title": take.title,
        "description": " ".join(description.split())[:300],
        "og_type": "article",
        "sections": sections,
        "opposing": take_cards(
            tuple(Take.objects.published().opposing(take).newest_first().values_list("pk", flat=True)[:6])
        ),
    }


@require_safe
def take_detail(request: HttpRequest, slug: str) -> HttpResponse:
    take = get_object_or_404(Take.objects.published().select_related("publication", "collection"), slug=slug)
    context = take_page_context(take)
    return page(request, "archive/take_detail.html", context.pop("title"), context.pop("description"), **context)


def az_index(counts: dict[str, int]) -> list[tuple[str, int]]:
    """A to Z with the number of experts under each, then any other initials that occur."""
    letters = [chr(code) for code in range(ord("A"), ord("Z") + 1)]
    return [(letter, counts.get(letter, 0)) for letter in letters + sorted(set(counts) - set(letters))]


class ExpertListing:
    """The experts of a page of /experts/, or with a question chosen, the stance groups of those
    experts: each read when first used."""

    def __init__(self, page_obj, filterset: ExpertFilter, question: Question | None) -> None:
        self.page_obj, self.filterset, self.question = page_obj, filterset, question

    @cached_property
    def experts(self) -> list[Expert]:
        experts = list(self.page_obj)
        for expert in experts:
            affiliations = list(expert.affiliations.all())
            expert.headline_affiliation = next(
                (a for a in affiliations if a.current), affiliations[0] if affiliations else None
            )
        return experts

    @cached_property
    def groups(self) -> list[tuple]:
        question, filterset = self.question, self.filterset
        if question is None:
            return []
        shown = {expert.pk: expert for expert in self.experts}
        if filterset.by_summary:
            # The newest few positions per (expert, stance) of the shown experts, with how many
            # there are in all: one query however many takes they wrote (docs/performance.md).
            holders = newest_holders(newest_positions(question, shown), shown)
        else:
            # An outlet or theme too: every position on the question from the shown experts' takes
            # that meet them (an index probe per expert, then the other take filters on those alone).
            their_takes = TakeAuthor.objects.filter(expert__in=shown).values("take_id")
            positions = (
                Position.objects.filter(question=question, take__in=their_takes)
                .filter(take__in=filterset.takes(exclude=("question", "stance")).values("pk"))
                .as_records()
            )
            holders = holders_by_stance(positions, expert_ids=set(shown))
        wanted = {stance.pk for stance in filterset.data_cleaned.get("stance") or []}
        return [
            (stance, holders.get(stance.pk, []))
            for stance in question.stances.all()
            if not wanted or stance.pk in wanted
        ]


@require_safe
def expert_list(request: HttpRequest) -> HttpResponse:
    public = Expert.objects.public()
    version = data_version.for_request(request)
    filterset = ExpertFilter(request.GET, queryset=public)
    experts = filterset.qs.with_take_counts().prefetch_related("affiliations").order_by("sort_name", "name", "pk")
    signature = tuple(filterset.canonical_params())
    # The A–Z counts add up to the total when no letter is chosen: one pass over the experts, not two.
    initials = cache.kept(
        "expert initials",
        tuple(param for param in signature if param[0] != "letter"),
        lambda: filterset.filtered(exclude=("letter",)).initial_counts(),
        version=version,
    )
    total = None if filterset.data_cleaned.get("letter") else sum(initials.values())
    page_obj, page_notice = paginate(request, experts, per_page=50, count=total)
    data = filterset.data_cleaned
    question = data["question"][0] if data.get("question") else None
    params = link_params(request, filterset)
    active = filterset.active(params)
    return page(
        request,
        "archive/expert_list.html",
        "Experts" + (": " + "; ".join(label for label, _ in active[:3]) if active else ""),
        "Experts on the Hanoi summit, grouped by where they stand on each question, with the dates of their takes.",
        link_query=params,
        filter=filterset,
        form_values=data,
        question=question,
        listing=ExpertListing(page_obj, filterset, question),
        filters_key=urlencode(signature),
        page_obj=page_obj,
        active=active,
        letters=az_index(initials),
        questions=Question.objects.prefetch_related("stances"),
        publications=Publication.objects.with_published_takes(),
        # A scalar subquery with LIMIT 1, not EXISTS: PostgreSQL turned the semi-join into a hash of
        # each theme's ~7,000 tags (110 ms at 100,000 takes); this stops at the first published take.
        themes=Theme.objects.alias(
            tagged=Subquery(
                Take.themes.through.objects.filter(theme=OuterRef("pk"), take__status=Status.PUBLISHED).values("pk")[:1]
            )
        ).filter(tagged__isnull=False),
        # Semi-joins (EXISTS): an index probe per outlet, theme or role, not a DISTINCT over every take.
        organizations=Affiliation.objects.filter(Exists(public.filter(pk=OuterRef("expert_id"))))
        .values_list("organization", flat=True)
        .order_by("organization")
        .distinct(),
        notices=[*filterset.notices, page_notice],
        canonical_query=canonical_query(filterset.canonical_params(), page_obj),
    )


class ExpertSections:
    """What an expert's page shows besides their takes, each read when the template first uses it."""

    def __init__(self, expert: Expert) -> None:
        self.expert = expert

    @cached_property
    def _positions(self) -> list[Position]:
        return list(
            Position.objects.published()
            .filter(take__authorships__expert=self.expert)
            .select_related("take", "question", "stance", "evidence", "evidence__speaker")
            .order_by(F("take__published").desc(nulls_last=True), "-take_id", "question_id")[: POSITIONS_SHOWN + 1]
        )

    @cached_property
    def stances(self) -> list:
        return stances_over_time(self._positions[:POSITIONS_SHOWN])

    @property
    def more_positions(self) -> bool:
        return len(self._positions) > POSITIONS_SHOWN

    @cached_property
    def _quotes(self) -> list[Quote]:
        # An expert quoted thousands of times: the newest few here, the rest on /quotes/?speaker=…
        return list(
            Quote.objects.published()
            .filter(speaker=self.expert)
            .select_related("take", "take__publication")
            .prefetch_related(Prefetch("take__authorships", queryset=TakeAuthor.objects.select_related("expert")))
            .order_by("-take__published", "take_id", "order", "id")[: QUOTES_SHOWN + 1]
        )

    @property
    def quotes(self) -> list[Quote]:
        return self._quotes[:QUOTES_SHOWN]

    @property
    def more_quotes(self) -> bool:
        return len(self._quotes) > QUOTES_SHOWN

    @cached_property
    def answered(self) -> list[Response]:
        return list(
            Response.objects.filter(take__status=Status.PUBLISHED, take__authorships__expert=self.expert)
            .select_related("take", "expert", "target_take")
            .order_by("relation", "expert__sort_name")
        )

    @cached_property
    def received(self) -> list[Response]:
        return list(
            Response.objects.filter(expert=self.expert, take__status=Status.PUBLISHED)
            .select_related("take", "take__publication", "quote")
            .prefetch_related(Prefetch("take__authorships", queryset=TakeAuthor.objects.select_related("expert")))
            .order_by("relation", "-take__published", "id")
        )


@require_safe
def expert_detail(request: HttpRequest, slug: str) -> HttpResponse:
    expert = get_object_or_404(Expert.objects.public().with_take_counts().prefetch_related("affiliations"), slug=slug)
    takes = Take.objects.published().by_experts([expert.pk]).newest_first()
    # take_count is that count already: SQLite would otherwise test every published take (90 ms).
    page_obj, page_notice = paginate(request, takes, count=expert.take_count)
    cards = take_cards(page_obj)
    current = [str(a) for a in expert.affiliations.all() if a.current]
    return page(
        request,
        "archive/expert_detail.html",
        expert.name,
        expert.bio
        or f"{expert.name}{', ' + current[0] if current else ''}: takes, quotes and stances on the Hanoi summit.",
        og_type="profile",
        expert=expert,
        page_obj=page_obj,
        cards=cards,
        sections=ExpertSections(expert),
        notices=[page_notice],
        canonical_query=canonical_query([], page_obj),
    )


@require_safe
def question_list(request: HttpRequest) -> HttpResponse:
    counts = cache.kept("stance split", None, Position.objects.split, version=data_version.for_request(request))
    questions = Question.objects.prefetch_related("stances")
    return page(
        request,
        "archive/question_list.html",
        "Questions",
        "The questions the Hanoi summit raised, and how the archive's takes split between the answers.",
        splits=[stance_split(question, counts) for question in questions],
    )


class QuestionGroups:
    """The stance groups of a question's page: per stance, the first holders by name with a quote
    each, how many takes and how many experts hold it."""

    def __init__(self, question: Question, counts: dict[int, int]) -> None:
        self.question, self.counts = question, counts

    @cached_property
    def stances(self) -> list[tuple]:
        question = self.question
        # Under each stance the first HOLDERS_SHOWN experts by name, and how many hold it in all, from
        # the summary table rather than every position on the question (40,000 at scale). One query
        # whatever the number of stances (UNION ALL): per stance, a LIMIT subquery the database answers
        # by walking the experts in name order and probing the summary's index (a few dozen probes),
        # not by sorting every holder. Then the newest few takes of each shown expert, in one query.
        on_question = ExpertStance.objects.filter(question=question)
        firsts = [
            ExpertStance.objects.filter(
                pk__in=on_question.filter(stance=stance)
                .order_by("expert__sort_name", "expert__name", "expert_id")
                .values("pk")[:HOLDERS_SHOWN]
            )
            .select_related("expert")
            .order_by()
            for stance in question.stances.all()
        ]
        rows = list(firsts[0].union(*firsts[1:], all=True)) if firsts else []
        holding = dict(on_question.order_by().values_list("stance_id").annotate(n=Count("expert_id")))
        experts = {row.expert_id: row.expert for row in rows}
        listed = {(row.stance_id, row.expert_id) for row in rows}
        holders = newest_holders(newest_positions(question, experts), experts)
        return [
            (
                stance,
                [h for h in holders.get(stance.pk, []) if (stance.pk, h.expert.pk) in listed],
                self.counts.get(stance.pk, 0),
                holding.get(stance.pk, 0),
            )
            for stance in question.stances.all()
        ]


@require_safe
def question_detail(request: HttpRequest, slug: str) -> HttpResponse:
    question = get_object_or_404(Question.objects.prefetch_related("stances"), slug=slug)
    counts = cache.kept(
        "question split",
        question.pk,
        lambda: Position.objects.filter(question=question).split(),
        version=data_version.for_request(request),
    )
    split = stance_split(question, counts)
    return page(
        request,
        "archive/question_detail.html",
        question.text,
        question.description or f"{question.text} Where the experts stand, with one quote each. {split.summary}",
        question=question,
        split=split,
        groups=QuestionGroups(question, counts),
    )


@require_safe
def publication_list(request: HttpRequest) -> HttpResponse:
    publications = Publication.objects.annotate(
        take_count=Count("takes", filter=Q(takes__status=Status.PUBLISHED))
    ).filter(take_count__gt=0)
    return page(
        request,
        "archive/publication_list.html",
        "Outlets",
        "The newspapers, magazines, think tanks and blogs whose takes on the Hanoi summit the archive holds.",
        publications=publications,
    )


@require_safe
def publication_detail(request: HttpRequest, slug: str) -> HttpResponse:
    publication = get_object_or_404(Publication, slug=slug)
    page_obj, notice = paginate(request, publication.takes.published().newest_first())
    cards = take_cards(page_obj)
    collections = publication.collections.annotate(
        take_count=Count("takes", filter=Q(takes__status=Status.PUBLISHED))
    ).filter(take_count__gt=0)
    return page(
        request,
        "archive/publication_detail.html",
        publication.name,
        publication.description or f"Takes on the Hanoi summit published by {publication.name}.",
        publication=publication,
        collections=collections,
        page_obj=page_obj,
        cards=cards,
        filter_query=f"publication={publication.slug}",
        notices=[notice],
        canonical_query=canonical_query([], page_obj),
    )


@require_safe
def collection_detail(request: HttpRequest, slug: str) -> HttpResponse:
    collection = get_object_or_404(Collection.objects.select_related("publication"), slug=slug)
    page_obj, notice = paginate(request, collection.takes.published().newest_first())
    cards = take_cards(page_obj)
    return page(
        request,
        "archive/collection_detail.html",
        collection.title,
        collection.description or collection.prompt or f"Takes in the collection {collection.title}.",
        collection=collection,
        page_obj=page_obj,
        cards=cards,
        filter_query=f"collection={collection.slug}",
        notices=[notice],
        canonical_query=canonical_query([], page_obj),
    )


@require_safe
def theme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    theme = get_object_or_404(Theme, slug=slug)
    page_obj, notice = paginate(request, theme.takes.published().newest_first())
    cards = take_cards(page_obj)
    return page(
        request,
        "archive/theme_detail.html",
        f"Theme: {theme.name}",
        theme.description or f"Takes on the Hanoi summit about {theme.name.lower()}.",
        theme=theme,
        page_obj=page_obj,
        cards=cards,
        filter_query=f"theme={theme.slug}",
        notices=[notice],
        canonical_query=canonical_query([], page_obj),
    )


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    return page(
        request,
        "archive/about.html",
        "About the data",
        "What the archive records, what a stance means, how editors assign positions, and where the takes come from.",
        questions=Question.objects.prefetch_related("stances"),
        publications=Publication.objects.with_published_takes(),
    )
