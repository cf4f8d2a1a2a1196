"""Public pages. Query logic lives in the models' QuerySet methods; views stay short."""

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from archive.models import (
    Collection,
    Expert,
    Publication,
    Question,
    Quote,
    Stance,
    Status,
    Take,
    Theme,
)


def home(request: HttpRequest) -> HttpResponse:
    published = Take.objects.published()
    context = {
        "take_count": published.count(),
        "expert_count": Expert.objects.filter(authorships__take__status=Status.PUBLISHED).distinct().count(),
        "latest": published.with_related().newest_first()[:10],
    }
    return render(request, "archive/home.html", context)


def take_list(request: HttpRequest) -> HttpResponse:
    takes = Take.objects.published().with_related().newest_first()
    return render(request, "archive/take_list.html", {"takes": takes[:50]})


def take_detail(request: HttpRequest, slug: str) -> HttpResponse:
    take = get_object_or_404(Take.objects.published().with_related(), slug=slug)
    quotes = take.quotes.select_related("speaker")
    responses = take.responses.select_related("expert", "target_take", "quote")
    return render(request, "archive/take_detail.html", {"take": take, "quotes": quotes, "responses": responses})


def expert_list(request: HttpRequest) -> HttpResponse:
    experts = Expert.objects.annotate(
        take_count=Count("authorships", filter=Q(authorships__take__status=Status.PUBLISHED))
    )
    return render(request, "archive/expert_list.html", {"experts": experts})


def expert_detail(request: HttpRequest, slug: str) -> HttpResponse:
    expert = get_object_or_404(Expert.objects.prefetch_related("affiliations"), slug=slug)
    takes = Take.objects.published().filter(authorships__expert=expert).with_related().newest_first()
    quotes = Quote.objects.filter(speaker=expert, take__status=Status.PUBLISHED).select_related("take")
    return render(request, "archive/expert_detail.html", {"expert": expert, "takes": takes, "quotes": quotes})


def question_list(request: HttpRequest) -> HttpResponse:
    questions = Question.objects.prefetch_related("stances")
    return render(request, "archive/question_list.html", {"questions": questions})


def question_detail(request: HttpRequest, slug: str) -> HttpResponse:
    stances = Stance.objects.annotate(
        take_count=Count("positions", filter=Q(positions__take__status=Status.PUBLISHED))
    ).order_by("position")
    question = get_object_or_404(Question.objects.prefetch_related(Prefetch("stances", queryset=stances)), slug=slug)
    return render(request, "archive/question_detail.html", {"question": question})


def publication_list(request: HttpRequest) -> HttpResponse:
    publications = Publication.objects.annotate(take_count=Count("takes", filter=Q(takes__status=Status.PUBLISHED)))
    return render(request, "archive/publication_list.html", {"publications": publications})


def publication_detail(request: HttpRequest, slug: str) -> HttpResponse:
    publication = get_object_or_404(Publication, slug=slug)
    takes = publication.takes.published().with_related().newest_first()
    return render(request, "archive/listing.html", {"object": publication, "takes": takes})


def collection_detail(request: HttpRequest, slug: str) -> HttpResponse:
    collection = get_object_or_404(Collection.objects.select_related("publication"), slug=slug)
    takes = collection.takes.published().with_related().newest_first()
    return render(request, "archive/listing.html", {"object": collection, "takes": takes})


def theme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    theme = get_object_or_404(Theme, slug=slug)
    takes = theme.takes.published().with_related().newest_first()
    return render(request, "archive/listing.html", {"object": theme, "takes": takes})
