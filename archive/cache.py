"""The one cache: Django's cache framework, keyed by the data version the database keeps.

Everything kept between requests goes through ``django.core.cache.cache`` (settings ``CACHES``:
local memory by default, Django's Redis backend when ``REDIS_URL`` is set, so every worker and
every host share one cache). Every key carries the data version (archive/db/data_version.py),
which the database moves on any write — admin, import, ORM, raw SQL — so nothing kept is ever
served after a write: the next request reads a new version and builds afresh. Old entries are
never read again and age out (local memory culls them, Redis evicts them by its memory policy).

Two uses:

``PageCacheMiddleware``
    Public GET pages cached whole: status, body and the headers the view set, keyed by host,
    path, query string and data version. A hit costs one query (the version) and a cache read.
    Why not Django's ``CacheMiddleware``: its key prefix is fixed when the middleware is built,
    and it stamps ``Expires``/``max-age`` on the response, so a browser or proxy would keep a page
    after a write; here the key changes with the version and the response says ``no-cache`` (the
    browser revalidates with the ETag from ``ConditionalGetMiddleware``).

``kept(name, key, compute, version=...)`` / ``kept_many(...)``
    A figure several pages share (the archive's totals, a question's split), kept through the
    same API.

When the cache is unreachable (Redis stopped), pages are served uncached, never an error: a
failed read is a miss and a failed write is skipped, each logged.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Hashable, Iterable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from archive.db import data_version

log = logging.getLogger(__name__)

#: Headers a view sets that belong to the page itself (the outer middleware add the rest afresh
#: on every response: security headers, CSP, ETag, X-Frame-Options).
KEPT_HEADERS = (
    "Content-Type",
    "Content-Language",
    "Link",
    "Vary",
    "Content-Disposition",
    "Last-Modified",
    "X-Robots-Tag",
)


def _key(*parts: object) -> str:
    """A short cache key: the parts hashed (a query string may be long; memcached-safe)."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:40]
    return f"archive:{digest}"


def _get_many(keys: list[str]) -> dict[str, object]:
    try:
        return cache.get_many(keys)
    except Exception:  # the cache server is away: a miss, the page is built as if cold
        log.warning("cache read failed; serving uncached", exc_info=True)
        return {}


def _set_many(values: dict[str, object]) -> None:
    try:
        cache.set_many(values, timeout=settings.CACHE_SECONDS)
    except Exception:
        log.warning("cache write failed; nothing kept", exc_info=True)


def kept[T](name: str, key: Hashable, compute: Callable[[], T], *, version: int | None) -> T:
    """``compute()``'s result for ``(name, key)`` at data version ``version``, computed once per
    version for every process sharing the cache. ``version=None`` (a PostgreSQL transaction that
    has written) computes afresh and keeps nothing. The value must pickle."""
    if version is None:
        return compute()
    cache_key = _key("kept", name, key, version)
    found = _get_many([cache_key])
    if cache_key in found:
        return found[cache_key]  # type: ignore[return-value]
    value = compute()
    _set_many({cache_key: value})
    return value


def kept_many[K: Hashable, T](
    name: str, keys: Iterable[K], compute: Callable[[list[K]], dict[K, T]], *, version: int | None
) -> dict[K, T]:
    """``kept`` for many keys at once: ``compute(missing)`` builds the values of the keys not kept
    at this version, in one go (one set of queries for a page of rows)."""
    keys = list(keys)
    if version is None:
        return compute(keys)
    cache_keys = {key: _key("kept", name, key, version) for key in keys}
    found_raw = _get_many(list(cache_keys.values()))
    found = {key: found_raw[ck] for key, ck in cache_keys.items() if ck in found_raw}
    missing = [key for key in keys if key not in found]
    if missing:
        computed = compute(missing)
        _set_many({cache_keys[key]: value for key, value in computed.items()})
        found.update(computed)
    return found  # type: ignore[return-value]


def clear() -> None:
    """Forget everything (tests, and the benchmark's cold requests)."""
    try:
        cache.clear()
    except Exception:
        log.warning("cache clear failed", exc_info=True)


# --------------------------------------------------------------------------- whole pages


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or not settings.PAGE_CACHE:
        return False
    if any(request.path_info.startswith(prefix) for prefix in settings.PAGE_CACHE_SKIP):
        return False
    # Editors signed in see the same public pages, but their requests carry a session: they are
    # served fresh, never stored (an anonymous request touches no session and costs no query here).
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def _cacheable_response(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


def page_key(request: HttpRequest, version: int) -> str:
    return _key("page", version, request.scheme, request.get_host(), request.get_full_path_info())


def not_kept[V](view: V) -> V:
    """Mark a view whose page holds no archive data (``/search/help/``): it is never looked up or
    kept, so serving it reads nothing from the database."""
    view.page_cache = False  # type: ignore[attr-defined]
    return view


class PageCacheMiddleware:
    """Serve a public page from the cache when this data version's copy is kept; keep it when not.

    Goes after the authentication middleware (it asks whether an editor is signed in) and inside
    the security, CSP and conditional-GET middleware, which add their headers to every response,
    kept or not. The look-up happens once the URL is resolved (``process_view``): a path that
    matches no page, or a view marked ``not_kept``, costs no query here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        key = getattr(request, "_page_cache_key", None)
        if key is not None:
            if request.method == "GET" and _cacheable_response(response):
                headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
                _set_many({key: (response.status_code, headers, response.content)})
            patch_cache_control(response, no_cache=True)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if getattr(view_func, "page_cache", True) is False or not _cacheable_request(request):
            return None
        version = data_version.for_request(request)
        if version is None:
            return None
        key = page_key(request, version)
        entry = _get_many([key]).get(key)
        if entry is not None:
            return self._rebuild(entry)
        request._page_cache_key = key
        return None

    @staticmethod
    def _rebuild(entry: tuple[int, dict[str, str], bytes]) -> HttpResponse:
        status, headers, content = entry
        response = HttpResponse(content, status=status)
        for name, value in headers.items():
            response[name] = value
        patch_cache_control(response, no_cache=True)
        response["X-Page-Cache"] = "hit"
        return response
