from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.fixture
def seed_documents(db):
    """Only the two source documents, modelled completely (fixtures/seed.json)."""
    call_command("loaddata", str(Path(settings.BASE_DIR) / "fixtures" / "seed.json"), verbosity=0)


@pytest.fixture
def seed_collection(db):
    """Everything shipped in fixtures/ (seed documents and starter collection), loaded as `make run` does."""
    call_command("load_fixtures", verbosity=0)
