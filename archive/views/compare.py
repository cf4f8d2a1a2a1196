"""Experts side by side (/compare/) and the agreement matrix (/agreement/)."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from archive import comparison
from archive.filters.querystrings import canonical_query
from archive.views.base import page


@require_safe
def compare(request: HttpRequest) -> HttpResponse:
    experts, notices = comparison.resolve(request.GET.getlist("experts"))
    names = ", ".join(expert.name for expert in experts)
    return page(
        request,
        "archive/compare.html",
        f"Compare: {names}" if experts else "Compare experts",
        f"{names} side by side on each question about the Hanoi summit: their stances, when, how sure, in their "
        "own words, and what they said of each other."
        if experts
        else "Set up to six experts side by side on each question about the Hanoi summit.",
        experts=experts,
        rows=comparison.compare_rows(experts) if experts else [],
        responses=comparison.responses_between(experts),
        most=comparison.MAX_COMPARED,
        notices=notices,
        canonical_query=canonical_query([("experts", expert.slug) for expert in experts]),
    )


def matrix_size(value: str | None) -> tuple[int, str]:
    """The reader's ``n`` between 2 and ``MATRIX_MAX``, or the default with a notice."""
    if value is None or value.strip() == "":
        return comparison.MATRIX_DEFAULT, ""
    try:
        n = int(value)
    except ValueError:
        return (
            comparison.MATRIX_DEFAULT,
            f"“{value[:20]}” is not a number of experts: showing {comparison.MATRIX_DEFAULT}.",
        )
    if not 2 <= n <= comparison.MATRIX_MAX:
        kept = min(max(n, 2), comparison.MATRIX_MAX)
        return kept, f"The matrix shows from 2 to {comparison.MATRIX_MAX} experts: showing {kept}."
    return n, ""


@require_safe
def agreement(request: HttpRequest) -> HttpResponse:
    n, notice = matrix_size(request.GET.get("n"))
    result = comparison.matrix(n, reverse("compare"))
    return page(
        request,
        "archive/agreement.html",
        "Who agrees with whom",
        f"How often the {n} experts with the most positions hold the same stance on the questions about the "
        "Hanoi summit they both answered, and who explicitly agrees with or disputes whom.",
        n=n,
        most=comparison.MATRIX_MAX,
        matrix=result,
        notices=[notice],
        canonical_query=canonical_query([("n", str(n))] if n != comparison.MATRIX_DEFAULT else []),
    )
