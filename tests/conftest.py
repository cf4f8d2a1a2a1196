from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from archive import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing kept (archive/cache.py): pages and figures are built afresh."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def seed_documents(db):
    """Only the two source documents, modelled completely (fixtures/seed.json)."""
    call_command("loaddata", str(Path(settings.BASE_DIR) / "fixtures" / "seed.json"), verbosity=0)


@pytest.fixture
def seed_collection(db):
    """Everything shipped in fixtures/ (seed documents and starter collection), loaded as `make run` does."""
    call_command("load_fixtures", verbosity=0)
