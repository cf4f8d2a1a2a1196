import pytest
from django.core.management import call_command


@pytest.fixture
def seed_collection(db):
    """The shipped seed collection, loaded the way `make run` loads it."""
    call_command("load_fixtures", verbosity=0)
