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


#: The PostgreSQL pass also gets a SQLite database, alias ``sqlite_twin``, for the differential search
#: test (tests/test_search_differential.py): the same corpus in both, the same queries, the results
#: compared. Configured for the test run only; pytest-django creates it (in memory) only when a
#: collected test asks for it, so other runs pay nothing.
TWIN = "sqlite_twin"


def _add_sqlite_twin() -> None:
    from django.db import connections

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql" or TWIN in settings.DATABASES:
        return
    settings.DATABASES[TWIN] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": Path(settings.BASE_DIR) / "differential-twin.sqlite3",  # never opened: tests use TEST NAME
        "TEST": {"NAME": None},  # an in-memory database
    }
    connections.__dict__.pop("settings", None)  # read DATABASES again, with the twin and its defaults


_add_sqlite_twin()
