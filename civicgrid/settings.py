"""CivicGrid settings, read from the environment.

Every variable read here is listed in `.env.example`. Helpers fail loudly on values they cannot
parse, so a typo in production stops the start instead of silently running with a default.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import django.conf.locale
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("CIVICGRID_VAR_DIR", PROJECT_DIR / "var"))


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Demo mode is what `civicgrid demo` runs: only there (and with DEBUG) may SECRET_KEY be empty,
# and a random one is then kept in the data folder.
DEMO_MODE = envbool("CIVICGRID_DEMO", False)
DEBUG = envbool("DEBUG", False)
# The history `seed_demo` builds: the last DEMO_HISTORY_DAYS days at DEMO_HISTORY_PERCENT of the
# history's full volume (the seed's stories are always in it). 60 % (about 365 needs) keeps
# `make demo` on a fresh clone under a minute (docs/demo.md). Tests build a short, thin one.
DEMO_HISTORY_DAYS = envint("DEMO_HISTORY_DAYS", 365)
DEMO_HISTORY_PERCENT = envint("DEMO_HISTORY_PERCENT", 60)


def demo_secret_key(var_dir: Path) -> str:
    """The demo's secret key: random, made once per data folder (var/demo-secret-key, mode
    0600), so that a demo's sessions and tracking links cannot be forged from published code.
    Written to a temporary file and linked into place: of two processes starting at once, one
    key wins and both read it whole."""
    path = var_dir / "demo-secret-key"
    if not path.exists():
        import contextlib
        import secrets
        import tempfile

        var_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=var_dir, prefix=".demo-secret-key.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(50) + "\n")
            # Another process linked its key first: read that one.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if DEMO_MODE or DEBUG:
        SECRET_KEY = demo_secret_key(VAR_DIR)
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment (see .env.example), "
            "or run `civicgrid demo` for the demo."
        )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "civicgrid.core.views.csrf_failure"  # in the visitor's language

# --- HTTPS and browser security (docs/deploy.md) -----------------------------------------
# Production is served over HTTPS: secure cookies, redirects from http, HSTS. HTTPS=false is
# the one switch that serves plain http (benchmarks and tests on 127.0.0.1); demo and DEBUG
# are plain http by default.
HTTPS = envbool("HTTPS", not (DEBUG or DEMO_MODE))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS
# A load balancer's health check may come over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading puts the domain into browsers' built-in HTTPS-only list, which is slow to undo:
# the site's owner decides it (then the deploy check no longer needs W021 silenced).
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    # Django's admin, for superusers only (network/adminsite.py).
    "civicgrid.network.adminconfig.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    # ninja serves the API docs page's Swagger UI from its own static files (no CDN).
    "ninja",
    "civicgrid.core",
    "civicgrid.network",
    "civicgrid.needs",
    "civicgrid.volunteers",
    "civicgrid.committees",
    "civicgrid.services",
    "civicgrid.care",
    "civicgrid.representatives",
    "civicgrid.liaison",
    "civicgrid.mailbox",
    "civicgrid.reviews",
    "civicgrid.butler",
    "civicgrid.insights",
    "civicgrid.open311",
    "civicgrid.demo",
    "civicgrid.api",
    "civicgrid.privacy",
    "civicgrid.outreach",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages (and, where nothing was collected and precompressed, as in the demo, static files)
    # go out compressed for a phone on a weak signal. Django's gzip pads each response with
    # random bytes against BREACH; whitenoise's precompressed files pass through as they are.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After a write, the client's reads go to the primary for a while (core/dbrouter.py).
    "civicgrid.core.dbrouter.ReadYourWrites",
    "civicgrid.core.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A link naming its language (?lang=mn-mong: a text message's link) opens in it.
    "civicgrid.core.middleware.LanguageFromLink",
    # A NUL in the address is a 400 (PostgreSQL cannot compare one), after the language is set.
    "civicgrid.core.middleware.RefuseNulCharacters",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "civicgrid.urls"
WSGI_APPLICATION = "civicgrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicgrid.core.context_processors.unread_notifications",
                "civicgrid.core.elder.elder_mode",
            ],
        },
    },
]

# Django's form renderer with <select> written in Python (core/formrender.py, issue 13).
FORM_RENDERER = "civicgrid.core.formrender.Renderer"

# --- Database -------------------------------------------------------------------------------
# One code path for both: SQLite is the embedded default, PostgreSQL is production.
DATABASE_URL = envstr("DATABASE_URL")
if not DATABASE_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'civicgrid.sqlite3'}"
# PostgreSQL: the statements built once (core/statements.py: key lookups on every request)
# are prepared on each connection, so they are planned once per connection instead of on every
# request (planning cost more than running them, issue 13); nothing else is. Behind a
# transaction-mode PgBouncer older than 1.21, which cannot keep them, set
# DB_PREPARED_STATEMENTS=false.
# psycopg then prepares only what asks (prepare=True); Django's default threshold (None)
# refuses even that, and is what the switch sets back.
POSTGRES_PREPARED: dict[str, Any] = (
    {"prepare_threshold": 2**31 - 1} if envbool("DB_PREPARED_STATEMENTS", True) else {}
)
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("CONN_MAX_AGE", 60)),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of failing
        # with "database is locked" half-way through a transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # case_sensitive_like lets SQLite answer `path LIKE 'x/%'` (subtree queries) from the
        # index on Node.path, as PostgreSQL does with its varchar_pattern_ops index.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA case_sensitive_like=ON;"
        ),
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The JIT compiles plans for queries that then run in milliseconds; measured on the
    # dashboard's rollup sums it doubled their time (bench/README.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    DATABASES["default"]["OPTIONS"].update(POSTGRES_PREPARED)
# A read replica of PostgreSQL (streaming replication). Only views wrapped in
# `core.dbrouter.replica_reads` (dashboards, reports, ledgers, the public page, Open311's
# lists, the tracking page) read from it; every write, and every other read, goes to the
# primary, and so do all the reads of a client that wrote in the last REPLICA_PIN_SECONDS.
# Each process checks the replica at most every REPLICA_CHECK_SECONDS: down, or more than
# REPLICA_MAX_LAG_SECONDS behind, it is left aside until it recovers (docs/deploy.md).
DATABASE_REPLICA_URL = envstr("DATABASE_REPLICA_URL")
REPLICA_PIN_SECONDS = envint("REPLICA_PIN_SECONDS", 10)
REPLICA_MAX_LAG_SECONDS = envint("REPLICA_MAX_LAG_SECONDS", 30)
REPLICA_CHECK_SECONDS = envint("REPLICA_CHECK_SECONDS", 5)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=envint("CONN_MAX_AGE", 60)
    )
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    replica_options = DATABASES["replica"].setdefault("OPTIONS", {})
    replica_options["options"] = "-c jit=off"
    replica_options.update(POSTGRES_PREPARED)
    # A replica that does not answer costs a request (or the health check) 2 seconds, not
    # the system's TCP timeout; ?connect_timeout= in the URL overrides it.
    replica_options.setdefault("connect_timeout", 2)
    # Tests run against the primary's test database through this alias.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["civicgrid.core.dbrouter.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -------------------------------------------------------------------------------
# Shared by every process (rate limits, cached figures): the database by default, a table the
# core migrations create; production may point CACHE_URL at Redis (redis://host:6379/0).
CACHE_URL = envstr("CACHE_URL")
if CACHE_URL.startswith("redis"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "civicgrid_cache",
        }
    }
# How many proxies (nginx, a load balancer) stand in front of the app: client addresses for
# rate limits are read from X-Forwarded-For that many hops back. 0: use REMOTE_ADDR.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
# Behind a proxy that terminates TLS, the proxy says in X-Forwarded-Proto whether the client
# used https. Trusted only when there is a proxy: without one a client could send it itself.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None

# --- People and login -----------------------------------------------------------------------
AUTH_USER_MODEL = "network.Person"
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "console:login"
# The model backend with failed-login throttling (core/loginthrottle.py, docs/deploy.md),
# for the console and the admin login alike. A number that failed this many times from one
# address within LOGIN_LOCK_SECONDS is refused there for that long; after
# LOGIN_BACKOFF_FREE_FAILURES failures from anywhere, a number waits 1, 2, 4… seconds, at most
# LOGIN_BACKOFF_MAX_SECONDS, between attempts (a back-off, not a lock); an address that failed
# on this many different numbers within LOGIN_FAILURE_WINDOW seconds is refused for that long.
AUTHENTICATION_BACKENDS = ["civicgrid.core.loginthrottle.ThrottledModelBackend"]
LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = envint("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", 5)
LOGIN_LOCK_SECONDS = envint("LOGIN_LOCK_SECONDS", 5 * 60)
LOGIN_BACKOFF_FREE_FAILURES = envint("LOGIN_BACKOFF_FREE_FAILURES", 5)
LOGIN_BACKOFF_MAX_SECONDS = envint("LOGIN_BACKOFF_MAX_SECONDS", 5 * 60)
LOGIN_FAILED_ACCOUNTS_PER_ADDRESS = envint("LOGIN_FAILED_ACCOUNTS_PER_ADDRESS", 20)
LOGIN_FAILURE_WINDOW = envint("LOGIN_FAILURE_WINDOW", 15 * 60)
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = envstr("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [
    ("zh-hans", _("Simplified Chinese")),
    ("mn-mong", _("Traditional Mongolian")),
    ("en", _("English")),
]
# Traditional (vertical) Mongolian, the region's second official language. Django knows only
# `mn`, Mongolia's Cyrillic, so the language is described here as `sr-latn` is in Django; its
# catalogue is locale/mn_Mong. Accept-Language `mn-Mong`, `mn-Mong-CN`, `mn-CN` and `mn` all
# reach it (Django tries the generic `mn`, then any supported `mn-…`).
django.conf.locale.LANG_INFO["mn-mong"] = {
    "bidi": False,
    "code": "mn-mong",
    "name": "Traditional Mongolian",
    "name_local": "ᠮᠣᠩᠭᠣᠯ",  # Mongγol
}
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["civicgrid.formats"]  # mn_Mong's dates (Django has only Cyrillic mn)
TIME_ZONE = envstr("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT: Path | None = Path(envstr("STATIC_ROOT", str(PROJECT_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development serves straight from the source folders; production and the demo collect them
# (core/staticstorage.py: hashed names cached for a year, gzip and brotli copies).
WHITENOISE_USE_FINDERS = DEBUG
if WHITENOISE_USE_FINDERS and STATIC_ROOT is not None and not STATIC_ROOT.exists():
    STATIC_ROOT = None  # nothing collected: don't make whitenoise look there
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
STATIC_BROTLI_QUALITY = envint("STATIC_BROTLI_QUALITY", 9 if DEMO_MODE else 11)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "civicgrid.core.staticstorage.StaticStorage"
        )
    },
}
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

# --- CivicGrid ------------------------------------------------------------------------------
# Map background: empty means a plain background with no tiles (no network needed).
MAP_TILE_URL = envstr("MAP_TILE_URL")
MAP_TILE_ATTRIBUTION = envstr("MAP_TILE_ATTRIBUTION")
# How long (seconds) a process trusts its in-memory grid index before checking the database
# for polygon changes. Other processes may change polygons: this bounds how stale it can be.
GRID_INDEX_TTL = envint("GRID_INDEX_TTL", 30)
# How long (seconds) a process trusts its cached categories, deadlines, calendar and upper
# network levels with their dispatchers (civicgrid/core/localcache.py) before reading them again.
LOCAL_CACHE_TTL = envint("LOCAL_CACHE_TTL", 10)

# --- Needs --------------------------------------------------------------------------------
# Working hours for deadlines counted in working time (days off are CalendarDay rows).
WORKING_HOURS = envstr("WORKING_HOURS", "09:00-12:00,13:30-17:30")
# How long before a response deadline the handler is reminded (催办), in minutes.
NEED_REMIND_BEFORE_MINUTES = envint("NEED_REMIND_BEFORE_MINUTES", 60)
# How long past a deadline an overdue need escalates to the parent node, in minutes.
NEED_ESCALATE_AFTER_MINUTES = envint("NEED_ESCALATE_AFTER_MINUTES", 24 * 60)
# Days a resolved need waits for the resident's rating before it closes as "not rated".
NEED_RATING_DAYS = envint("NEED_RATING_DAYS", 7)
# Duplicate candidates: same grid and category within this many days.
NEED_DUPLICATE_DAYS = envint("NEED_DUPLICATE_DAYS", 3)
# How alike two descriptions must be (0–100, difflib's ratio in per cent) for one to be
# offered as a duplicate of the other.
NEED_DUPLICATE_SIMILARITY = envint("NEED_DUPLICATE_SIMILARITY_PERCENT", 35) / 100

# --- Personal information (docs/privacy.md) ------------------------------------------------
# Days after a need closes before the worker removes its personal data; 0 keeps it forever.
NEED_RETENTION_DAYS = envint("NEED_RETENTION_DAYS", 3 * 365)
# People who left the care register are forgotten this many days later (0: kept).
CARE_RETENTION_DAYS = envint("CARE_RETENTION_DAYS", 3 * 365)
# Names of who raised a matter at a representatives' reception, and the messages residents
# left for representatives (their name and phone), are forgotten this many days later.
REPRESENTATIVES_RETENTION_DAYS = envint("REPRESENTATIVES_RETENTION_DAYS", 3 * 365)
LIAISON_RETENTION_DAYS = envint("LIAISON_RETENTION_DAYS", 3 * 365)
# Proposers' names and phones in the livelihood mailbox; enterprise contacts of key projects.
MAILBOX_RETENTION_DAYS = envint("MAILBOX_RETENTION_DAYS", 2 * 365)
BUTLER_RETENTION_DAYS = envint("BUTLER_RETENTION_DAYS", 3 * 365)
# Seconds between the worker's retention runs.
RETENTION_INTERVAL_SECONDS = envint("RETENTION_INTERVAL_SECONDS", 24 * 3600)
# Key of the keyed hashes that stand in for identifiers (core/hashing.py); SECRET_KEY if
# empty. Changing it makes every stored hash unmatchable.
PRIVACY_HMAC_KEY = envstr("PRIVACY_HMAC_KEY") or SECRET_KEY
# Photos: at most this many per need, each at most this many megabytes before re-encoding.
NEED_MAX_PHOTOS = 4
NEED_PHOTO_MAX_MB = envint("NEED_PHOTO_MAX_MB", 10)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- REST API -------------------------------------------------------------------------------
# Requests per minute from one address for the endpoints open without a token (raising a need,
# categories, locating a point); callers with a token or a session are not limited here.
API_ANON_CREATES_PER_MINUTE = envint("API_ANON_CREATES_PER_MINUTE", 20)
API_ANON_READS_PER_MINUTE = envint("API_ANON_READS_PER_MINUTE", 120)
# Needs one token (or one person's session) may create per minute through POST /needs.
API_TOKEN_CREATES_PER_MINUTE = envint("API_TOKEN_CREATES_PER_MINUTE", 60)

# --- Resident pages (no account) ------------------------------------------------------------
# Counted per client address (TRUSTED_PROXY_COUNT says which hop) like the API and Open311;
# over the limit the resident gets a page in their language and Retry-After. Raising a need
# (POST /raise/...): generous enough for an office or a village behind one address.
RESIDENT_RAISE_LIMIT = envint("RESIDENT_RAISE_LIMIT", 20)
RESIDENT_RAISE_WINDOW = envint("RESIDENT_RAISE_WINDOW", 600)
# Asking for a code to find one's needs by phone, and typing codes (POST /track/phone/), each
# counted on its own; codes per number are limited too (core/phonecode.py).
RESIDENT_CODE_LIMIT = envint("RESIDENT_CODE_LIMIT", 10)
RESIDENT_CODE_WINDOW = envint("RESIDENT_CODE_WINDOW", 3600)
# Rating and withdrawing on the tracking page (POST /track/...).
RESIDENT_TRACK_LIMIT = envint("RESIDENT_TRACK_LIMIT", 30)
RESIDENT_TRACK_WINDOW = envint("RESIDENT_TRACK_WINDOW", 600)
# Rating without the tracking link, by the last four digits of the phone: tries per need and
# per address in each window. 5 an hour per need lets a guesser try at most 840 of the 10,000
# numbers in the NEED_RATING_DAYS a need can be rated; each try is in the need's timeline.
RESIDENT_LAST4_PER_NEED = envint("RESIDENT_LAST4_PER_NEED", 5)
RESIDENT_LAST4_PER_ADDRESS = envint("RESIDENT_LAST4_PER_ADDRESS", 10)
RESIDENT_LAST4_WINDOW = envint("RESIDENT_LAST4_WINDOW", 3600)

# --- Background work and notifications --------------------------------------------------
# `civicgrid worker` runs queued tasks from the database; a Redis-backed queue can replace it.
TASKS = {"default": {"BACKEND": envstr("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# Seconds between deadline sweeps (the worker enqueues them; several workers share one).
SWEEP_INTERVAL_SECONDS = envint("SWEEP_INTERVAL_SECONDS", 60)
# Needs per transaction in the sweep: one commit per batch; a crash redoes at most one batch.
SWEEP_BATCH = envint("SWEEP_BATCH", 50)
# What a newly raised need sets off (the "new need" message to its dispatchers and its count in
# the rollups): "worker" leaves it to `civicgrid worker`, which does it for every need raised
# since its last poll in one transaction, about a second later; "inline" does it in the
# request that raised the need. docs/workflow.md, "After intake".
INTAKE_FOLLOW_UP = envstr("INTAKE_FOLLOW_UP", "worker")
# The code of the node where reports no grid holds wait for someone to place them (Open311,
# the resident page and the REST API without a place): empty for the top of the network, the
# first by path when a database holds several trees. docs/workflow.md, "The unplaced queue".
UNPLACED_AT = envstr("UNPLACED_AT", "")
if INTAKE_FOLLOW_UP not in ("worker", "inline"):
    raise ImproperlyConfigured(
        f"INTAKE_FOLLOW_UP must be 'worker' or 'inline', not {INTAKE_FOLLOW_UP!r}."
    )
# People who serve: the day of the month from which the worker checks each team's previous
# month against its rule (activities are recorded a day or two late), and how often it looks.
VOLUNTEER_TEAM_CHECK_DAY = envint("VOLUNTEER_TEAM_CHECK_DAY", 3)
VOLUNTEER_TEAM_CHECK_SECONDS = envint("VOLUNTEER_TEAM_CHECK_SECONDS", 3600)
# How often the worker reminds the staff of wishes nobody claimed near their date, and marks
# activities that ended as held.
VOLUNTEER_WISH_REMINDER_SECONDS = envint("VOLUNTEER_WISH_REMINDER_SECONDS", 3600)
VOLUNTEER_HOLD_SECONDS = envint("VOLUNTEER_HOLD_SECONDS", 600)
# Joint committees: how often the worker reminds and marks overdue the work tasks, and creates
# the meetings of each schedule (each as far ahead as the schedule says).
COMMITTEE_TASK_SWEEP_SECONDS = envint("COMMITTEE_TASK_SWEEP_SECONDS", 300)
COMMITTEE_SCHEDULE_SECONDS = envint("COMMITTEE_SCHEDULE_SECONDS", 3600)
# Services close to home: how often the worker texts residents whose appointment is within a
# day (each once).
SERVICE_REMINDER_SECONDS = envint("SERVICE_REMINDER_SECONDS", 600)
# Care: how often the worker reminds visitors of care visits past their due date (each due
# date once), and forgets people who left the care register past the retention period.
CARE_VISIT_REMINDER_SECONDS = envint("CARE_VISIT_REMINDER_SECONDS", 3600)
# Messages to representatives: answered within this many working days (reminded a working
# day before, overdue after), and closed this many days after the answer if the resident
# says nothing.
LIAISON_ANSWER_WORKING_DAYS = envint("LIAISON_ANSWER_WORKING_DAYS", 5)
LIAISON_CLOSE_AFTER_DAYS = envint("LIAISON_CLOSE_AFTER_DAYS", 7)
# Backends that receive notifications besides the in-app inbox, as dotted class paths.
NOTIFICATION_BACKENDS = envlist("NOTIFICATION_BACKENDS", "civicgrid.core.notifications.LogBackend")

# --- Messages to residents (docs/outreach.md) ----------------------------------------------
# The site's address as residents reach it, for links sent outside a request (the keyed
# tracking link in a text message), without a trailing slash.
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")
# Backends that carry messages to residents, as dotted class paths: each message goes through
# the first that can reach the resident (civicgrid/outreach/backends/).
OUTREACH_BACKENDS = envlist("OUTREACH_BACKENDS", "civicgrid.outreach.backends.log.LogBackend")
# At most this many messages to one number in any hour and any day; more wait for room.
OUTREACH_PER_NUMBER_PER_HOUR = envint("OUTREACH_PER_NUMBER_PER_HOUR", 5)
OUTREACH_PER_NUMBER_PER_DAY = envint("OUTREACH_PER_NUMBER_PER_DAY", 20)
# Attempts per message before it is given up; the n-th retry waits
# OUTREACH_RETRY_BASE_SECONDS × 2^(n−1), ±10 %.
OUTREACH_MAX_ATTEMPTS = envint("OUTREACH_MAX_ATTEMPTS", 6)
OUTREACH_RETRY_BASE_SECONDS = envint("OUTREACH_RETRY_BASE_SECONDS", 60)
# Seconds between the worker's looks for messages whose time has come again.
OUTREACH_POLL_SECONDS = envint("OUTREACH_POLL_SECONDS", 30)
# A message still being sent after this many seconds was interrupted (a worker killed): it is
# marked failed, never sent twice.
OUTREACH_SENDING_TIMEOUT_SECONDS = envint("OUTREACH_SENDING_TIMEOUT_SECONDS", 600)
# Tencent Cloud SMS (civicgrid.outreach.backends.tencent.TencentSmsBackend): the account's API
# key, the SMS application, and where its API is; templates are data (ProviderTemplate).
TENCENT_SMS_SECRET_ID = envstr("TENCENT_SMS_SECRET_ID")
TENCENT_SMS_SECRET_KEY = envstr("TENCENT_SMS_SECRET_KEY")
TENCENT_SMS_SDK_APP_ID = envstr("TENCENT_SMS_SDK_APP_ID")
TENCENT_SMS_REGION = envstr("TENCENT_SMS_REGION", "ap-guangzhou")
TENCENT_SMS_ENDPOINT = envstr("TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com")
TENCENT_SMS_TIMEOUT = envint("TENCENT_SMS_TIMEOUT", 5)
# WeChat subscription messages of an Official Account
# (civicgrid.outreach.backends.wechat.WeChatSubscribeBackend).
WECHAT_APP_ID = envstr("WECHAT_APP_ID")
WECHAT_APP_SECRET = envstr("WECHAT_APP_SECRET")
WECHAT_API_BASE = envstr("WECHAT_API_BASE", "https://api.weixin.qq.com/")
WECHAT_LINK_PAGE = envstr("WECHAT_LINK_PAGE", "{link}")
WECHAT_TIMEOUT = envint("WECHAT_TIMEOUT", 5)
# The Django cache holding the access token and the JS-SDK ticket, shared by every process.
WECHAT_TOKEN_CACHE = envstr("WECHAT_TOKEN_CACHE", "default")
# The web login (网页授权, snsapi_base) that tells which openid a resident in WeChat has, and
# how many days their browser remembers it (a signed, HttpOnly cookie).
WECHAT_OAUTH_BASE = envstr("WECHAT_OAUTH_BASE", "https://open.weixin.qq.com/connect/")
WECHAT_OPENID_DAYS = envint("WECHAT_OPENID_DAYS", 30)

# --- Open311 GeoReport v2 (docs/open311.md) ----------------------------------------------
# Where the API is mounted, relative to the site root, with a trailing slash.
OPEN311_PREFIX = envstr("OPEN311_PREFIX", "open311/v2/").strip("/") + "/"
# This server is one jurisdiction: requests naming another jurisdiction_id get a 404.
OPEN311_JURISDICTION = envstr("OPEN311_JURISDICTION", "civicgrid.demo")
# What Service Discovery tells client developers.
OPEN311_CONTACT = envstr("OPEN311_CONTACT", "The CivicGrid administrators of this site.")
OPEN311_KEY_SERVICE = envstr(
    "OPEN311_KEY_SERVICE",
    "Ask the administrators of this site: they issue one API key per application in the admin.",
)
# POST requests allowed per client address within each window of OPEN311_POST_WINDOW seconds.
OPEN311_POST_LIMIT = envint("OPEN311_POST_LIMIT", 30)
OPEN311_POST_WINDOW = envint("OPEN311_POST_WINDOW", 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # The task queue logs every poll and every task's start and end at INFO; our tasks log
    # what they did themselves.
    "loggers": {
        "django_tasks": {"level": envstr("TASKS_LOG_LEVEL", "WARNING")},
        "django_tasks_db": {"level": envstr("TASKS_LOG_LEVEL", "WARNING")},
    },
}
