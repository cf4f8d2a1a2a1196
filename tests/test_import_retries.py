"""Two imports touching the same takes in opposite orders deadlock; the one the database aborts is
rolled back, planned again and retried a bounded number of times (issue 21)."""

import io
import json
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, connections

from archive import models
from archive.transfer import Progress, importer
from archive.transfer.document import ImportFailed
from archive.transfer.reader import read_document


class Deadlock(Exception):
    sqlstate = "40P01"


def deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = Deadlock()
    return error


def takes_document(slugs, title: str) -> dict:
    return {"takes": [{"slug": slug, "title": f"{title} {slug}", "summary": f"{title} {slug}"} for slug in slugs]}


@pytest.fixture
def no_pause(monkeypatch):
    monkeypatch.setattr(importer.time, "sleep", lambda seconds: None)


@pytest.mark.django_db
def test_a_deadlocked_import_is_tried_again_and_written_once(monkeypatch, no_pause):
    real_write, failures, said = importer.Importer.write, [], []

    def write(self):
        if len(failures) < 2:
            real_write(self)  # rows written, then the database aborts the transaction
            failures.append(1)
            raise deadlock()
        real_write(self)

    monkeypatch.setattr(importer.Importer, "write", write)
    summary = importer.import_document(read_document(takes_document(["a", "b"], "T")), progress=Progress(said.append))
    assert summary.tallies["takes"].created == 2
    assert models.Take.objects.count() == 2
    assert said.count("the import met a deadlock with another write; nothing was kept, trying again (2 of 4)") == 1
    assert any("(3 of 4)" in line for line in said)


@pytest.mark.django_db
def test_an_import_that_keeps_deadlocking_is_refused_after_the_last_attempt(monkeypatch, no_pause):
    attempts = []

    def write(self):
        attempts.append(1)
        raise deadlock()

    monkeypatch.setattr(importer.Importer, "write", write)
    with pytest.raises(ImportFailed) as refused:
        importer.import_document(read_document(takes_document(["a"], "T")))
    assert len(attempts) == importer.ATTEMPTS
    assert "met a deadlock with another write 4 times, so nothing was written" in refused.value.errors[0]
    assert not models.Take.objects.exists()


@pytest.mark.django_db
def test_other_database_errors_are_not_retried(monkeypatch, no_pause):
    attempts = []

    def write(self):
        attempts.append(1)
        raise OperationalError("disk full")

    monkeypatch.setattr(importer.Importer, "write", write)
    with pytest.raises(ImportFailed) as refused:
        importer.import_document(read_document(takes_document(["a"], "T")))
    assert attempts == [1]
    assert "the database refused the import, so nothing was written: disk full" in refused.value.errors[0]


@pytest.mark.django_db(transaction=True)
def test_two_real_imports_in_opposite_orders_both_succeed(tmp_path, monkeypatch):
    """PostgreSQL, two threads (two connections): each import updates its first take, waits until the
    other has too, then updates the other's: a real deadlock, which PostgreSQL breaks by aborting one."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: two imports cannot deadlock there")
    slugs = ["first", "second"]
    initial = tmp_path / "initial.json"
    initial.write_text(json.dumps(takes_document(slugs, "Initial")), encoding="utf-8")
    call_command("import_takes", str(initial), stdout=io.StringIO(), stderr=io.StringIO())

    barrier = threading.Barrier(2, timeout=30)
    real_update = importer.Importer.update_changed_takes
    met: set[str] = set()

    def update_one_at_a_time(self, changed):
        for n, plan in enumerate(changed):
            real_update(self, [plan])
            name = threading.current_thread().name
            if n == 0 and name not in met:  # only on the first attempt of each import
                met.add(name)
                barrier.wait()

    monkeypatch.setattr(importer.Importer, "update_changed_takes", update_one_at_a_time)
    outcomes, reports = {}, {}

    def run(name: str, order: list[str]) -> None:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(takes_document(order, name)), encoding="utf-8")
        err = io.StringIO()
        try:
            call_command("import_takes", str(path), stdout=io.StringIO(), stderr=err)
            outcomes[name] = "imported"
        except CommandError as exc:
            outcomes[name] = str(exc)
        finally:
            reports[name] = err.getvalue()
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=("forwards", slugs), name="forwards"),
        threading.Thread(target=run, args=("backwards", slugs[::-1]), name="backwards"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes == {"forwards": "imported", "backwards": "imported"}, (outcomes, reports)
    retried = [name for name, report in reports.items() if "deadlock with another write" in report]
    assert len(retried) == 1, reports
    # the retried import planned again against the other's writes and wrote all of its own
    titles = set(models.Take.objects.values_list("title", flat=True))
    assert titles == {f"{retried[0]} {slug}" for slug in slugs}
