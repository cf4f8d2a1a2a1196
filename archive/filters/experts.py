"""The expert list's filters (/experts/): a question and its stances, an outlet and a theme they
wrote under, an organization and an initial; and the chips that remove each."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, QuerySet
from django.http import QueryDict

from archive.filters.base import SLUG_RE, Lookup, ReadingForm, ResolvingFilterSet, SlugsFilter, quoted
from archive.filters.querystrings import without
from archive.models import Expert, ExpertStance, Publication, Question, Stance, Take, Theme


class ExpertFilterForm(ReadingForm):
    lookups = {
        "publication": Lookup(Publication.objects.all(), "outlet"),
        "theme": Lookup(Theme.objects.all(), "theme"),
        "question": Lookup(Question.objects.all(), "question"),
    }

    def clean_letter(self) -> str:
        letter = (self.cleaned_data.get("letter") or "").strip().upper()
        if letter and len(letter) != 1:
            self.notices.append(f"“{letter[:20]}” is not a letter; the A–Z filter was ignored.")
            return ""
        return letter

    def clean_organization(self) -> str:
        return " ".join((self.cleaned_data.get("organization") or "").split())[:200]

    def clean(self) -> dict:
        data = super().clean()
        slugs = data.get("stance") or []
        questions = data.get("question") or []
        if slugs and not questions:
            self.notices.append("Choose a question to see who holds one of its stances; the stance was ignored.")
            data["stance"] = []
        elif slugs:
            found = list(Stance.objects.filter(question=questions[0], slug__in=[s for s in slugs if SLUG_RE.match(s)]))
            if not found:
                label = questions[0].short_label or questions[0].text
                self.notices.append(f"“{label}” has no stance {quoted(slugs)}; showing all its stances.")
            data["stance"] = found
        return data


class ExpertFilter(ResolvingFilterSet):
    """Experts by what they wrote: stance on a question, outlet, theme; and by affiliation and initial."""

    question = SlugsFilter(many=False, label="Question")
    stance = SlugsFilter(many=False, label="Stance")
    publication = SlugsFilter(many=False, label="Outlet")
    theme = SlugsFilter(many=False, label="Theme")
    organization = django_filters.CharFilter(method="filter_organization", label="Organization")
    letter = django_filters.CharFilter(method="filter_letter", label="Initial")

    TAKE_LEVEL = ("question", "stance", "publication", "theme")

    class Meta:
        model = Expert
        fields: list[str] = []
        form = ExpertFilterForm

    def filter_organization(self, queryset, name, value):
        return queryset.affiliated_with(value)

    def filter_letter(self, queryset, name, value):
        return queryset.by_initial(value)

    def takes(self, exclude=()) -> QuerySet:
        """Published takes meeting the take-level filters: one take must satisfy them all together."""
        data = self.data_cleaned if self.is_bound else {}
        takes = Take.objects.published()
        if data.get("publication") and "publication" not in exclude:
            takes = takes.in_publications([data["publication"][0].pk])
        if data.get("theme") and "theme" not in exclude:
            takes = takes.with_themes([data["theme"][0].pk])
        if data.get("question") and "question" not in exclude:
            stances = data.get("stance") if "stance" not in exclude else None
            takes = takes.taking_stance(data["question"][0].pk, [s.pk for s in stances] if stances else None)
        return takes

    def menu_bases(self) -> dict[str, QuerySet]:
        """The takes each menu counts over: every take filter but the menu's own (a stance goes
        with its question). A menu whose value is chosen shows no counts, and gets none."""
        data = self.data_cleaned if self.is_bound else {}
        own = {"question": ("question", "stance"), "stance": ("question", "stance")}
        return {
            name: self.takes(exclude=own.get(name, (name,)))
            for name in ("question", "stance", "publication", "theme")
            if not data.get(name)
        }

    def authors(self) -> QuerySet | None:
        """The experts the expert-level filters (organization, initial) leave, ``None`` without them."""
        data = self.data_cleaned if self.is_bound else {}
        if not (data.get("organization") or data.get("letter")):
            return None
        experts = Expert.objects.all()
        for name in ("organization", "letter"):
            if data.get(name):
                experts = self.filters[name].filter(experts, data[name])
        return experts.values("pk")

    @property
    def filters_takes(self) -> bool:
        data = self.data_cleaned if self.is_bound else {}
        return any(data.get(name) for name in self.TAKE_LEVEL)

    @property
    def by_summary(self) -> bool:
        """Whether who holds what is read from the summary table (archive/db/stances.py): a question,
        perhaps stances, and no outlet or theme that one take must meet together with the stance."""
        data = self.data_cleaned if self.is_bound else {}
        return bool(data.get("question")) and not (data.get("publication") or data.get("theme"))

    def holding(self) -> QuerySet:
        """Summary rows of the chosen question (and stances): experts holding them in published takes."""
        data = self.data_cleaned
        stances = [stance.pk for stance in data.get("stance") or []]
        return ExpertStance.objects.on(data["question"][0].pk, stances)

    def filtered(self, exclude=(), every: bool = False) -> QuerySet:
        """The experts the filters leave. ``every``: all of them will be read (the A–Z counts).

        Holders of a question are found from the summary table. A page of them, listed by name,
        probes its (expert, question, stance) index per expert (EXISTS): SQLite walks the experts
        by name and stops at the 50th holder (0.1 ms for the busiest question), where the list of
        every holder (IN) made it read and sort all 8,930 to show 50 (9–13 ms); a stance only a
        few hold makes the walk go through most of the 10,000 experts, the same bound. When all
        the holders of chosen stances are counted their list is read once, which costs what the
        holders are (1.3 ms for a stance 1,123 hold) where probing every expert costs 4–8 ms
        whatever they are. A whole question's holders, all counted, are probed per expert too:
        its rows repeat each holder once per stance held (16,400 rows for the busiest question's
        8,930), a list made distinct before it is used, where the probes walk the experts'
        initial index in order, one probe each (SQLite 7.2 → 4.0 ms of CPU). PostgreSQL plans
        both forms alike (docs/performance.md, "Experts by stance, cold" and "Expert lists,
        cold: what the page reads")."""
        queryset = self.queryset.all()
        data = self.data_cleaned if self.is_bound else {}
        if self.by_summary and "question" not in exclude and "stance" not in exclude:
            holders = self.holding()
            if every and data.get("stance"):
                queryset = Expert.objects.filter(pk__in=holders.values("expert_id"))
            else:
                queryset = Expert.objects.filter(Exists(holders.filter(expert=OuterRef("pk"))))
        elif any(data.get(name) and name not in exclude for name in self.TAKE_LEVEL):
            # Writing a published take makes an expert public: the three EXISTS tests of
            # ``public()`` add nothing here, and cost ~10,000 index probes per query at scale.
            queryset = Expert.objects.wrote_takes(self.takes(exclude))
        for name in ("organization", "letter"):
            if data.get(name) and name not in exclude:
                queryset = self.filters[name].filter(queryset, data[name])
        return queryset

    def active(self, params: QueryDict) -> list[tuple[str, str]]:
        data = self.data_cleaned if self.is_bound else {}
        chips = []
        if data.get("question"):
            question = data["question"][0]
            label = question.short_label or question.text
            for stance in data.get("stance") or []:
                chips.append((f"{label}: {stance.label}", without(params, "stance")))
            chips.append((f"Question: {label}", without(params, "question", "stance")))
        if data.get("publication"):
            chips.append((f"Wrote in {data['publication'][0]}", without(params, "publication")))
        if data.get("theme"):
            chips.append((f"Theme: {data['theme'][0]}", without(params, "theme")))
        if data.get("organization"):
            chips.append((f"Organization: {data['organization']}", without(params, "organization")))
        if data.get("letter"):
            chips.append((f"Names under {data['letter']}", without(params, "letter")))
        return chips
