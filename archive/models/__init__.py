"""The archive's data: who said what about the Hanoi summit, where, and where they stand.

A *take* is one piece of commentary (an op-ed, a blog post, an answer in a collection). It has
ordered authors, appears in a *publication*, may belong to a *collection*, holds *quotes* (whose
speaker may be someone other than the author), takes *positions* (one stance per debated
*question*) and *responds* to other experts.

- ``takes``: Take, TakeAuthor, Quote, Position, Theme, their querysets and choices (Status, ...);
- ``outlets``: Publication, Collection;
- ``experts``: Expert, Affiliation;
- ``stances``: Question, Stance, ExpertStance (who holds what), Response;
- ``predictions``: Appearance (a take in another outlet), Prediction (a claim scored against events);
- ``checks``: the choice check every model's ``Meta`` uses;
- ``alerts``: Subscriber, Alert, AlertDelivery (email alerts; never shown anywhere).

``takes`` is at the bottom: the other modules import it (their querysets ask about takes), and it
names their models by string in its relations.
"""

from archive.models.alerts import Alert, AlertDelivery, Subscriber
from archive.models.checks import choice_check
from archive.models.experts import SORT_INITIAL, Affiliation, Expert, ExpertKind, ExpertQuerySet
from archive.models.outlets import Collection, Publication, PublicationKind, PublicationQuerySet
from archive.models.predictions import (
    BRIER_PROBABILITY,
    LEADERBOARD_MINIMUM,
    OUTCOME_VALUE,
    Appearance,
    AppearanceKind,
    Outcome,
    Prediction,
    PredictionQuerySet,
    StatedConfidence,
)
from archive.models.stances import ExpertStance, ExpertStanceQuerySet, Question, Relation, Response, Stance
from archive.models.takes import (
    Confidence,
    DatePrecision,
    OfTakeQuerySet,
    Position,
    PositionQuerySet,
    Quote,
    QuoteQuerySet,
    Status,
    Take,
    TakeAuthor,
    TakeKind,
    TakeQuerySet,
    Theme,
    theme_display_name,
)

__all__ = [
    "BRIER_PROBABILITY",
    "LEADERBOARD_MINIMUM",
    "OUTCOME_VALUE",
    "Appearance",
    "AppearanceKind",
    "Outcome",
    "Prediction",
    "PredictionQuerySet",
    "StatedConfidence",
    "SORT_INITIAL",
    "Affiliation",
    "Alert",
    "AlertDelivery",
    "Collection",
    "Confidence",
    "DatePrecision",
    "Expert",
    "ExpertKind",
    "ExpertQuerySet",
    "ExpertStance",
    "ExpertStanceQuerySet",
    "OfTakeQuerySet",
    "Position",
    "PositionQuerySet",
    "Publication",
    "PublicationKind",
    "PublicationQuerySet",
    "Question",
    "Quote",
    "QuoteQuerySet",
    "Relation",
    "Response",
    "Stance",
    "Subscriber",
    "Status",
    "Take",
    "TakeAuthor",
    "TakeKind",
    "TakeQuerySet",
    "Theme",
    "theme_display_name",
    "choice_check",
]
