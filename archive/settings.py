"""Settings for the Hanoi Summit archive.

Everything that differs between a laptop and production comes from the environment, read
through the small typed helpers below. Each has a safe local default; a malformed value stops
start-up with a message that names the variable.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use 1/0, true/false, yes/no or on/off.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-local-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # its sitemap.xml templates (archive/opendata/sitemaps.py)
    "django_filters",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "archive",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # CORS for the read API (/api/ only): outside the page cache, so kept responses get it too.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # ETag from each page's content, and 304 Not Modified for a matching If-None-Match.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Public pages cached whole, keyed by the data version (archive/cache.py): inside the
    # middleware above, which add their headers to kept pages too.
    "archive.cache.PageCacheMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "archive.urls"
WSGI_APPLICATION = "archive.wsgi.application"

# Two engines. The public pages (templates/jinja2/) are Jinja2 templates, rendered by Django's Jinja2
# backend with autoescape on (archive/jinja2.py; it renders the cards at about half Django's cost,
# docs/architecture.md). The admin, its take screen's tools and the lockout page stay on Django
# templates (templates/admin/). A name is looked up in that order: Jinja2 first.
TEMPLATES = [
    {
        "BACKEND": "archive.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "archive.jinja2.environment",
            "autoescape": True,
            "keep_trailing_newline": True,  # as Django's engine does: partials end their lines
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]


def _database_config() -> dict:
    url = env_str("DATABASE_URL").strip()
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    try:
        # Persistent connections by default: opening one per request was most of a cached page's cost
        # under load (docs/performance.md); the health check replaces one that a database restart
        # closed before a request uses it, instead of failing that request.
        config = dj_database_url.parse(
            url, conn_max_age=env_int("CONN_MAX_AGE", 600), conn_health_checks=env_bool("CONN_HEALTH_CHECKS", True)
        )
    except Exception as exc:  # dj-database-url raises several types for bad URLs
        raise ImproperlyConfigured(f"DATABASE_URL could not be parsed: {exc}") from None
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        raise ImproperlyConfigured(
            f"DATABASE_URL names an unsupported database ({engine or 'unknown'}): use postgres:// or sqlite://."
        )
    if engine == "django.db.backends.postgresql":
        # The planner's default cost of a random read (4.0) is meant for spinning disks: with it,
        # PostgreSQL scans all 200,000 positions rather than probe an index 1,000 times (100 ms
        # against 5 ms, docs/performance.md). 1.1 is the usual value for SSDs and cached data.
        cost = env_str("PG_RANDOM_PAGE_COST", "1.1").strip()
        try:
            float(cost)
        except ValueError:
            raise ImproperlyConfigured(f"PG_RANDOM_PAGE_COST={cost!r} is not a number.") from None
        if cost:
            options = config.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} -c random_page_cost={cost}".strip()
        _pool(config)
    return config


def _pool(config: dict) -> None:
    """``DATABASE_POOL_SIZE=N`` (PostgreSQL): Django's own pool (psycopg_pool), at most N connections
    per process, instead of one persistent connection per process (``CONN_MAX_AGE``, the default:
    0 = no pool). Chosen by measurement: docs/scaling.md. The statement timeout and the planner
    settings still apply to every connection the pool hands out (archive/limits.py sets the timeout
    on each check-out; ``random_page_cost`` is a connection option)."""
    size = env_int("DATABASE_POOL_SIZE", 0)
    if size < 0:
        raise ImproperlyConfigured(f"DATABASE_POOL_SIZE={size} must be 0 (no pool) or more.")
    if size:
        config["CONN_MAX_AGE"] = 0  # Django's pool keeps the connections itself
        min_size = min(size, env_int("DATABASE_POOL_MIN_SIZE", 1))
        timeout = env_int("DATABASE_POOL_TIMEOUT", 10)
        config.setdefault("OPTIONS", {})["pool"] = {"min_size": min_size, "max_size": size, "timeout": timeout}


DATABASES = {"default": _database_config()}


def _replica_configs(primary: dict) -> dict[str, dict]:
    """``DATABASE_REPLICA_URLS``: PostgreSQL streaming replicas of ``DATABASE_URL`` that public pages
    read from (archive/db/routing.py), as databases ``replica1``, ``replica2``, … Same options as
    the primary (persistent connections, planner settings), a short connect timeout (a replica that
    is away is noticed fast and skipped), and one REPEATABLE READ snapshot per request."""
    urls = env_list("DATABASE_REPLICA_URLS", [])
    if not urls:
        return {}
    if primary["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs a PostgreSQL DATABASE_URL (replicas are PostgreSQL's).")
    replicas = {}
    for number, url in enumerate(urls, start=1):
        try:
            config = dj_database_url.parse(url, conn_max_age=primary["CONN_MAX_AGE"])
        except Exception as exc:
            raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS item {number} could not be parsed: {exc}") from None
        if config.get("ENGINE") != "django.db.backends.postgresql" or not config.get("NAME"):
            raise ImproperlyConfigured(
                f"DATABASE_REPLICA_URLS item {number} ({url.split('@')[-1]!r}) is not a postgres:// URL "
                "with a database name."
            )
        import psycopg

        options = {**primary.get("OPTIONS", {}), **config.get("OPTIONS", {})}
        options.setdefault("connect_timeout", env_int("REPLICA_CONNECT_TIMEOUT", 2))
        options["isolation_level"] = psycopg.IsolationLevel.REPEATABLE_READ
        config.update(OPTIONS=options, CONN_HEALTH_CHECKS=True, TEST={"MIRROR": "default"})
        if "pool" in options:
            options["pool"] = {**options["pool"]}  # one pool per database
        replicas[f"replica{number}"] = config
    return replicas


DATABASES.update(_replica_configs(DATABASES["default"]))
# A replica that fails is left alone for this long (per process) before it is tried again.
REPLICA_DOWN_SECONDS = env_int("REPLICA_DOWN_SECONDS", 15)
# After a reader's write (any POST), their pages read from the primary for this long.
REPLICA_READ_YOUR_WRITES_SECONDS = env_int("REPLICA_READ_YOUR_WRITES_SECONDS", 10)
REPLICA_SKIP_PATHS = ["/admin/"]
if len(DATABASES) > 1:
    DATABASE_ROUTERS = ["archive.db.routing.ReplicaRouter"]
    MIDDLEWARE.insert(0, "archive.db.routing.ReplicaMiddleware")
# PostgreSQL statement_timeout for the web process only (archive/limits.py; 0 turns it off).
WEB_STATEMENT_TIMEOUT_MS = env_int("WEB_STATEMENT_TIMEOUT_MS", 5000)
# SQLite: the web process reads the database file through a memory map of this many MB (archive/db/session.py; 0: off).
SQLITE_MMAP_MB = env_int("SQLITE_MMAP_MB", 1024)
# How long ranking a search may take before the newest matches are shown instead (docs/search.md).
SEARCH_RANK_BUDGET_MS = env_int("SEARCH_RANK_BUDGET_MS", 500)
# How many searches may rank and highlight at once on this machine (archive/search/gate.py; 0: no
# limit), and how long a search waits for a turn before it is answered unranked (newest first).
SEARCH_CONCURRENCY = env_int("SEARCH_CONCURRENCY", max(1, len(os.sched_getaffinity(0)) // 2))
SEARCH_QUEUE_WAIT_MS = env_int("SEARCH_QUEUE_WAIT_MS", 2000)
SEARCH_SLOT_DIR = env_str("SEARCH_SLOT_DIR")  # default: a directory of the system's temporary one
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# An index's included columns (Index(include=...)) are PostgreSQL's; SQLite ignores them, and needs
# none: each of its indexes already holds the row's id, the only column included (models.Take).
SILENCED_SYSTEM_CHECKS = ["models.W040"]
# --------------------------------------------------------------------------- the cache
# One cache, Django's (archive/cache.py): whole public pages and shared figures, every key carrying
# the data version, so a write anywhere is seen on the next request. Without REDIS_URL each process
# keeps its own in local memory (nothing to install); with it (redis://host:6379/0) every worker
# and every app server share one Redis. Short socket timeouts: a Redis that goes away costs a
# request a fraction of a second and the page is served uncached, never an error.
REDIS_URL = env_str("REDIS_URL").strip()
CACHE_SECONDS = env_int("CACHE_SECONDS", 24 * 3600)  # an old version's entries are never read again
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "hanoi"),
            "TIMEOUT": CACHE_SECONDS,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "archive",
            "TIMEOUT": CACHE_SECONDS,
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 5000)},
        }
    }
# PAGE_CACHE=0 turns the whole-page cache off (every request builds its page).
PAGE_CACHE = env_bool("PAGE_CACHE", True)
PAGE_CACHE_SKIP = ["/admin/"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in throttling (django-axes, archive/lockout.py): AXES_FAILURE_LIMIT failed sign-ins for one
# username from one address lock that name out from that address, AXES_USERNAME_FAILURE_LIMIT for one
# username from any addresses lock it out everywhere, for AXES_COOLOFF_MINUTES; archive/lockout.py
# renders the page that says so. The address is REMOTE_ADDR unless CLIENT_IP_HEADER names the header
# a trusted reverse proxy sets (README, "Serving in production").
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "archive.lockout.SignInAttempts"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_USERNAME_FAILURE_LIMIT = env_int("AXES_USERNAME_FAILURE_LIMIT", 20)
if AXES_FAILURE_LIMIT < 1:
    raise ImproperlyConfigured(f"AXES_FAILURE_LIMIT={AXES_FAILURE_LIMIT} must be 1 or more.")
if AXES_USERNAME_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        f"AXES_USERNAME_FAILURE_LIMIT={AXES_USERNAME_FAILURE_LIMIT} must be at least AXES_FAILURE_LIMIT "
        f"({AXES_FAILURE_LIMIT}): it counts one name's failures from every address."
    )
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# Counted per (username, address) and per username; SignInAttempts gives each its own limit.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "archive.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "archive.lockout.client_address"


def _client_ip_settings() -> tuple[str, int, list]:
    """CLIENT_IP_HEADER (a header name such as X-Forwarded-For, or empty for REMOTE_ADDR),
    CLIENT_IP_PROXY_COUNT (the trusted proxies that append to it) and CLIENT_IP_TRUSTED_PROXIES
    (addresses or networks the header is believed from; empty: any peer, so the site must be
    reachable only through the proxy)."""
    import ipaddress
    import re

    header = env_str("CLIENT_IP_HEADER").strip()
    if header and not re.fullmatch(r"[A-Za-z0-9-]+", header):
        raise ImproperlyConfigured(f"CLIENT_IP_HEADER={header!r} is not a header name (letters, digits, hyphens).")
    meta_key = "HTTP_" + header.upper().replace("-", "_") if header else ""
    count = env_int("CLIENT_IP_PROXY_COUNT", 1)
    if count < 1:
        raise ImproperlyConfigured(f"CLIENT_IP_PROXY_COUNT={count} must be 1 or more.")
    networks = []
    for item in env_list("CLIENT_IP_TRUSTED_PROXIES", []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"CLIENT_IP_TRUSTED_PROXIES: {item!r} is not an IP address or network (e.g. 10.0.0.0/8)."
            ) from None
    return meta_key, count, networks


CLIENT_IP_META_KEY, CLIENT_IP_PROXY_COUNT, CLIENT_IP_TRUSTED_PROXIES = _client_ip_settings()

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --------------------------------------------------------------------------- security
# Safe everywhere: no framing, no sniffing, a strict Content Security Policy (scripts only from
# this site or with the per-request nonce; never 'unsafe-inline' scripts).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],  # the admin sets style attributes; scripts stay strict
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Production (DEBUG=0): HTTPS only. Behind a proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER=1
# so Django trusts its X-Forwarded-Proto header.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --------------------------------------------------------------------------- the read API
# /api/v1/ (archive/api/, docs/open-data.md "API"): anonymous, GET only, JSON (?format=api for the
# browsable pages). API_THROTTLE_RATE requests per client address ("120/minute"; empty: no limit).
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "120/minute").strip()
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "archive.api.policy.FormatByURL",
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["archive.api.policy.ApiThrottle"],
    "DEFAULT_FILTER_BACKENDS": ["archive.api.filters.ReadingFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "archive.api.policy.Pages",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Hanoi Summit archive API",
    "DESCRIPTION": "Read-only JSON of the archive's published takes, quotes, experts, outlets, questions and "
    "stances, with the same filters as the pages. See docs/open-data.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}
# Cross-origin reads of the API from any site (GET/HEAD, no credentials); nothing else is shared.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False

# --------------------------------------------------------------------------- mail (alerts)
# EMAIL_URL names the mail server in one variable: smtp://user:password@host:587 (STARTTLS with
# smtp+tls://, TLS from the start with smtps://), or console:// to print mail. Without it, the usual
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, EMAIL_USE_SSL; with
# neither, mail is printed to the console (`make run`), or, with DEBUG off, goes to SMTP on
# localhost:25 (Django's default). Django 6.1's MAILERS["default"] is built from them. SITE_URL is
# the address links in mail point to when no request gives it (`send_alerts`).
_EMAIL_SCHEMES = {"smtp": (False, False), "smtp+tls": (True, False), "smtps": (False, True)}


def _mailer() -> dict:
    """Django's MAILERS["default"] from EMAIL_URL, or from the EMAIL_HOST family, or the console."""
    from urllib.parse import unquote, urlsplit

    console = {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    url = env_str("EMAIL_URL").strip()
    host = env_str("EMAIL_HOST").strip()
    timeout = env_int("EMAIL_TIMEOUT", 10)
    if not url and not host and DEBUG:
        return console
    if not url:  # the EMAIL_HOST family; with DEBUG off and nothing set, Django's default: SMTP on localhost:25
        options = {
            "host": host or "localhost",
            "port": env_int("EMAIL_PORT", 25),
            "username": env_str("EMAIL_HOST_USER"),
            "password": env_str("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "use_ssl": env_bool("EMAIL_USE_SSL", False),
        }
        return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {**options, "timeout": timeout}}
    parts = urlsplit(url)
    if parts.scheme == "console":
        return console
    if parts.scheme not in _EMAIL_SCHEMES or not parts.hostname:
        raise ImproperlyConfigured(
            "EMAIL_URL must look like smtp://user:password@host:port (or smtp+tls://, smtps://, console://)."
        )
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587 if parts.scheme == "smtp+tls" else 25)
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has a port that is not a number.") from None
    use_tls, use_ssl = _EMAIL_SCHEMES[parts.scheme]
    options = {
        "host": parts.hostname,
        "port": port,
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_tls": use_tls,
        "use_ssl": use_ssl,
    }
    return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {**options, "timeout": timeout}}


MAILERS = {"default": _mailer()}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Hanoi Summit archive <alerts@localhost>")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Sign-ups (each sends a confirmation mail): per client address, and per email address.
ALERT_SIGNUP_RATE_ADDRESS = env_str("ALERT_SIGNUP_RATE_ADDRESS", "20/hour")
ALERT_SIGNUP_RATE_EMAIL = env_str("ALERT_SIGNUP_RATE_EMAIL", "3/hour")
ALERT_CONFIRM_DAYS = env_int("ALERT_CONFIRM_DAYS", 7)
