"""The "Editors" group: may add and change archive content, may not delete it or manage users."""

from django.contrib.auth.models import Group, Permission

EDITORS_GROUP = "Editors"
EDITABLE_MODELS = [
    "publication",
    "expert",
    "affiliation",
    "collection",
    "theme",
    "take",
    "takeauthor",
    "quote",
    "question",
    "stance",
    "position",
    "response",
]


def ensure_editors_group() -> Group:
    """Create or repair the Editors group so it holds exactly the add/change/view permissions."""
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    codenames = [f"{action}_{model}" for model in EDITABLE_MODELS for action in ("add", "change", "view")]
    permissions = Permission.objects.filter(content_type__app_label="archive", codename__in=codenames)
    group.permissions.set(permissions)
    return group
