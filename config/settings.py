"""Settings, all read from the environment.

With nothing set the app runs on a SQLite file under ``var/`` with an embedded Celery broker
(kombu's filesystem transport), so ``make run`` needs no external service. ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis. With ``DEBUG`` off the secure defaults apply and
``SECRET_KEY`` must come from the environment: the web server (``config/wsgi.py``) and the
Celery app refuse to start without it, and Django refuses anything that signs; commands that
sign nothing (``makemigrations``, ``check``) still run.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    # Only for local development: a key that is never used in production.
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105
# Empty with DEBUG off: Django raises ImproperlyConfigured wherever the key is read, and the
# web server and the Celery worker read it when they start.

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "djmoney",
    "axes",
    "core",
    "entities",
    "ledger",
    "receivables",
    "settlement",
    "banking",
    "collections_app",
]

# The legal entity the platform's tables (audit rows, jobs) name. Given here, as
# AUTH_USER_MODEL is, so that core names no app above it.
LEGAL_ENTITY_MODEL = "entities.LegalEntity"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware (Django's order): the language a page is written
    # in, from the language cookie or the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Once the user is known: a signed-in user's chosen language wins, and the API is English.
    "core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: every password sign-in (the sign-in page, the admin's) is counted, and
# refused while its user name and address are locked out. API tokens are not passwords.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_TIME", "15")))
# A user name is locked from the address that failed (not everywhere, so nobody can lock
# a colleague out from afar); a success resets the count.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.lockout.sign_in_locked_out"
AXES_VERBOSE = False

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "entities.context_processors.legal_entities",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The test suite's SQLite database is in memory with a cache shared by its connections (the
    # live server's, a test's Celery worker's), where a reader locks the tables it reads and a
    # writer meeting that lock fails at once ("database table is locked") instead of waiting.
    # Readers that take no table lock leave writers alone; a file database (``make run``) has
    # no shared cache and ignores this.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA read_uncommitted = 1;"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL keeps the posting and settlement statements (core.db) prepared once they
    # have run this many times on a connection; the ORM's own queries are never prepared.
    # Empty: never (a transaction-pooling PgBouncer older than 1.21 needs that).
    _prepare_threshold = os.environ.get("DB_PREPARE_THRESHOLD", "5")
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        int(_prepare_threshold) if _prepare_threshold.strip() else None
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
# Pages, letters and statements are written in these languages; the API is English only.
LANGUAGES = [("en", "English"), ("fr", "Français"), ("nb", "Norsk bokmål")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English pages keep ISO dates (config/formats/en); French and Norwegian use Django's formats.
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
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
WHITENOISE_USE_FINDERS = DEBUG

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Secure defaults when DEBUG is off; each can be relaxed from the environment (e.g. behind a
# proxy that terminates TLS, SECURE_SSL_REDIRECT=false).
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.permissions.ModelPermissionsOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["core.api.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Requests per user (per address when not signed in), counted in the shared cache.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": os.environ.get("API_THROTTLE_USER", "600/min"),
        "anon": os.environ.get("API_THROTTLE_ANON", "60/min"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Receivables API",
    "DESCRIPTION": "Legal entities, customers, ledgers and settlement for groups of companies.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PostingTypeEnum": "ledger.models.PostingType",
        "FiscalPeriodStatusEnum": "ledger.models.FiscalPeriod.Status",
        "PostedInEnum": "entities.models.LegalEntity.PostedIn",
        "PaymentMethodEnum": "receivables.models.Payment.Method",
        "OpenTransactionKindEnum": "receivables.models.OpenTransaction.Kind",
        "InterestNoteStatusEnum": "receivables.models.InterestNote.Status",
        "DocumentStatusEnum": "receivables.models.DocumentStatus",
        "JobStateEnum": "core.models.Job.State",
        "InterestUnitEnum": "receivables.models.InterestCode.Unit",
        "RecurringFrequencyEnum": "receivables.models.RecurringInvoiceAssignment.Frequency",
    },
}

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under var/.
REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache holds the API's request counts: shared by every process through Redis when there
# is one (CACHE_URL, default REDIS_URL), otherwise per process in memory.
CACHE_URL = os.environ.get("CACHE_URL", REDIS_URL)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
CELERY_BROKER_FOLDER = VAR_DIR / "celery-broker"
# How long Redis keeps a task delivered to a worker that never acknowledged it (a worker killed)
# before delivering it again. Longer than JOB_STALE_AFTER_SECONDS: the reaper recovers a dead
# job's work first; a late redelivery finds the job finished or running and does nothing.
CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_RESULT_BACKEND = None
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# A task is acknowledged when it ends, and given back to the broker when its pool process dies
# (killed by the OOM killer): never lost with its worker. Long tasks: one message at a time.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Default schedules; django-celery-beat copies them into the database, editable in the admin.
CELERY_BEAT_SCHEDULE = {
    "ledger-integrity-check": {
        "task": "ledger.ledger_integrity_check",
        "schedule": crontab(hour=2, minute=0),
    },
    "recurring-invoices": {
        "task": "entities.job_scheduled",
        "schedule": crontab(hour=1, minute=0),
        "args": ("recurring_invoices",),
    },
    "interest-notes": {
        "task": "entities.job_scheduled",
        "schedule": crontab(hour=3, minute=0, day_of_month=1),
        "args": ("interest_notes",),
    },
    "aging-snapshot": {
        "task": "entities.job_scheduled",
        "schedule": crontab(hour=4, minute=0),
        "args": ("aging_snapshot",),
    },
    "direct-debit-mandates-expire": {
        "task": "entities.job_scheduled",
        "schedule": crontab(hour=0, minute=30),
        "args": ("direct_debit_mandates_expire",),
    },
}
# Long jobs (core.jobs). A job that has shown no sign of life (heartbeat) for
# JOB_STALE_AFTER_SECONDS is taken to be dead: the reaper, run by beat every
# JOB_REAPER_INTERVAL_SECONDS, queues it again and a worker completes it without duplicates.
# A running job stamps its heartbeat every JOB_HEARTBEAT_ROWS rows of work, so the stale limit
# must exceed the time a worker takes for that many rows (seconds at most).
JOB_STALE_AFTER_SECONDS = int(os.environ.get("JOB_STALE_AFTER_SECONDS", "900"))
# An XLSX export of more rows than this is written by a job into EXPORTS_DIR, a private folder
# (no URL serves it: only its starter downloads the file, through a view that checks).
EXPORT_XLSX_MAX_ROWS_INLINE = int(os.environ.get("EXPORT_XLSX_MAX_ROWS_INLINE", "5000"))
EXPORTS_DIR = Path(os.environ.get("EXPORTS_DIR", VAR_DIR / "exports"))
JOB_REAPER_INTERVAL_SECONDS = int(os.environ.get("JOB_REAPER_INTERVAL_SECONDS", "60"))
JOB_HEARTBEAT_ROWS = int(os.environ.get("JOB_HEARTBEAT_ROWS", "200"))
# A job whose workers died this many times in a row (taken over again and again, e.g. killed
# for memory each time) is failed instead of queued forever; Retry starts the count again.
JOB_MAX_TAKEOVERS = int(os.environ.get("JOB_MAX_TAKEOVERS", "5"))
# SEPA direct debits: the return of a mandate's collections that cancels the mandate (the
# second by default; 0: returns never cancel a mandate, they only mark it for attention).
DIRECT_DEBIT_RETURNS_CANCEL_MANDATE = int(
    os.environ.get("DIRECT_DEBIT_RETURNS_CANCEL_MANDATE", "2")
)
CELERY_BEAT_SCHEDULE["jobs-reap"] = {
    "task": "entities.jobs_reap",
    "schedule": JOB_REAPER_INTERVAL_SECONDS,  # seconds
    # Reaper runs that waited longer than their interval are dropped: the next one comes.
    "options": {"expire_seconds": JOB_REAPER_INTERVAL_SECONDS},
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "receivables@localhost")

# Card payments: the payment gateway's class (a banking.cards.gateways.CardGateway). The built-in
# test gateway answers its documented test card numbers and never moves money.
CARD_GATEWAY = os.environ.get("CARD_GATEWAY", "banking.cards.gateways.TestGateway")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
