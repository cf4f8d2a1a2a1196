"""A check constraint shared by the models' ``Meta``: a choice column holds one of its choices."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


def choice_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    """A database check that ``field`` holds one of ``choices``."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)
