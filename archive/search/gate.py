"""At most ``SEARCH_CONCURRENCY`` searches rank and highlight at once on a machine, so searches
cannot take every core from the other pages (issue 21: eight hostile searches at once slowed a
cached ``/about/`` from 40 ms to 0.4–0.8 s).

A search view runs inside ``search_slot()``: it takes one of ``SEARCH_CONCURRENCY`` slots, waiting
at most ``SEARCH_QUEUE_WAIT_MS`` for one to be freed. The slots are lock files (``fcntl.flock``) in
a directory named after the database, so every gunicorn worker and thread on the machine (and every
app server on it) shares them, and a process that dies frees its slot with its files. A search that
gets no slot in time is still answered, cheaply: ``degraded()`` is true while it runs, and ranking
(``results.rank``) and the engine's highlighting (``results.attach_snippets``) are skipped, as when
they run past ``SEARCH_RANK_BUDGET_MS``: the newest matches come first, with the notice. Pages
served from the page cache never reach the view, so they never wait (docs/performance.md, "Hostile,
second round").
"""

from __future__ import annotations

import contextvars
import fcntl
import functools
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

#: How often a waiting search looks for a free slot, in seconds.
POLL_SECONDS = 0.01

_degraded: contextvars.ContextVar[bool] = contextvars.ContextVar("search_degraded", default=False)


def degraded() -> bool:
    """True inside a search that found no free slot in time: skip ranking and the engine's
    highlighting."""
    return _degraded.get()


def slot_directory() -> str:
    """Where the slots' lock files are: ``SEARCH_SLOT_DIR``, else a directory of the system's
    temporary directory named after the database (an in-memory SQLite database, the tests', is
    its process's own)."""
    if settings.SEARCH_SLOT_DIR:
        return str(settings.SEARCH_SLOT_DIR)
    config = connection.settings_dict
    name = str(config.get("NAME") or "")
    owner = f"pid{os.getpid()}" if "memory" in name else ""
    digest = hashlib.sha256(repr((config.get("HOST"), config.get("PORT"), name, owner)).encode()).hexdigest()
    return os.path.join(tempfile.gettempdir(), f"archive-search-slots-{digest[:16]}")


def _try_slots(directory: str, slots: int) -> int | None:
    """An open descriptor holding one free slot's lock, or ``None`` when every slot is held."""
    for number in range(slots):
        fd = os.open(os.path.join(directory, f"slot{number}"), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        return fd
    return None


def acquire(wait_ms: int | None = None) -> int | None:
    """Take a slot, waiting at most ``wait_ms`` (``SEARCH_QUEUE_WAIT_MS``): its descriptor, for
    ``release``, or ``None`` when none was freed in time."""
    slots = int(settings.SEARCH_CONCURRENCY)
    wait_ms = int(settings.SEARCH_QUEUE_WAIT_MS if wait_ms is None else wait_ms)
    directory = slot_directory()
    os.makedirs(directory, mode=0o700, exist_ok=True)
    deadline = time.monotonic() + wait_ms / 1000
    while True:
        fd = _try_slots(directory, slots)
        if fd is not None or time.monotonic() >= deadline:
            return fd
        time.sleep(POLL_SECONDS)


def release(fd: int) -> None:
    os.close(fd)  # closing the descriptor drops its lock


@contextmanager
def search_slot() -> Iterator[bool]:
    """Run the block holding a search slot; when none is freed within ``SEARCH_QUEUE_WAIT_MS``, run
    it degraded (``degraded()`` true). Yields whether it holds a slot. ``SEARCH_CONCURRENCY=0``:
    no limit."""
    if int(settings.SEARCH_CONCURRENCY) <= 0:
        yield True
        return
    fd = acquire()
    token = _degraded.set(fd is None)
    try:
        yield fd is not None
    finally:
        _degraded.reset(token)
        if fd is not None:
            release(fd)


def limited[V: Callable](view: V) -> V:
    """A search view: run inside ``search_slot()`` when the request carries words (``?q=``)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.GET.get("q", "").strip():
            return view(request, *args, **kwargs)
        with search_slot():
            return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]
