"""DrillOps settings: one module, driven by the environment, safe when DEBUG is off."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-" + "x" * 40

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "drillops.core",
    "drillops.departments",
    "drillops.scenarios",
    "drillops.timelines",
    "drillops.reports",
    "drillops.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "drillops.core.middleware.ContentSecurityPolicyMiddleware",
    # Last, as axes asks: it turns a refused login (flagged on the request) into the refusal page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "drillops.urls"
WSGI_APPLICATION = "drillops.wsgi.application"
ASGI_APPLICATION = "drillops.asgi.application"

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
                "drillops.timelines.context_processors.stopped_drills",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://root@127.0.0.1:5432/drillops"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DATABASES["default"].setdefault("TEST", {})
DATABASES["default"]["TEST"]["NAME"] = os.environ.get("TEST_DATABASE_NAME") or None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def celery_broker_url(redis_url: str) -> str:
    """redis-py speaks unix:// for a socket; kombu wants redis+socket:// for the same socket."""
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "drillops"),
    }
}

CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "drillops")
CELERY_TIMEZONE = "UTC"
# An outbox row handed to Celery this long ago, not done and not held by a worker, is taken as
# lost and sent again.
OUTBOX_SWEEP_AFTER_SECONDS = float(os.environ.get("OUTBOX_SWEEP_AFTER_SECONDS", "20"))
# A worker's claim on one outbox row: longer than the slowest channel (webhook and SMTP timeouts);
# a worker killed mid-row gives the row back when it runs out.
OUTBOX_LEASE_SECONDS = float(os.environ.get("OUTBOX_LEASE_SECONDS", "60"))
# Failed attempts wait base * 2^(n-1) seconds (with jitter, at most the cap); after the last
# attempt a row is `failed` and waits for a person (admin: retry or dismiss).
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "10"))
OUTBOX_RETRY_BASE_SECONDS = float(os.environ.get("OUTBOX_RETRY_BASE_SECONDS", "2"))
OUTBOX_RETRY_MAX_SECONDS = float(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", "300"))
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Re-send outbox work whose Celery task was lost (broker restarted empty, worker killed).
    "sweep-outbox": {
        "task": "drillops.timelines.tasks.sweep_outbox",
        "schedule": float(os.environ.get("OUTBOX_SWEEP_EVERY_SECONDS", "10")),
    },
    # The owner department hears of an improvement item this many days before it is due (once).
    "remind-improvement-items": {
        "task": "drillops.reports.tasks.remind_due_improvements",
        "schedule": float(os.environ.get("IMPROVEMENT_REMINDER_EVERY_SECONDS", "3600")),
    },
    # Questionnaires of ended drills whose sending was lost (the broker was down when it ended).
    "sweep-questionnaires": {
        "task": "drillops.reports.tasks.sweep_questionnaires",
        "schedule": float(os.environ.get("QUESTIONNAIRE_SWEEP_EVERY_SECONDS", "600")),
    },
    # Proposed findings and item verifications of ended drills whose tasks were lost.
    "sweep-improvement-loop": {
        "task": "drillops.reports.tasks.sweep_improvement_loop",
        "schedule": float(os.environ.get("IMPROVEMENT_LOOP_SWEEP_EVERY_SECONDS", "600")),
    },
}
IMPROVEMENT_REMINDER_DAYS = int(os.environ.get("IMPROVEMENT_REMINDER_DAYS", "3"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Every login goes through axes first: it refuses a locked (username, address) pair and a
# throttled address before a password is even checked (drillops.departments.login_guard).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# A (username, address) pair is locked after 10 failures; the lock (and the count) ends 15
# minutes after the last counted failure, or when an administrator lifts it in the admin.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A success forgets the pair's failures; refusals during a lock do not prolong it.
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "drillops.departments.login_guard.LoginGuardHandler"
AXES_LOCKOUT_CALLABLE = "drillops.departments.login_guard.refusal_response"
AXES_CLIENT_IP_CALLABLE = "drillops.departments.login_guard.client_address"
# Successful logins are not logged row by row: the failures are what administrators act on.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# An address is throttled (429 with Retry-After) after this many failed logins, whatever the
# usernames, within a sliding window; counted in Redis (see login_guard for why).
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "100"))
LOGIN_ADDRESS_WINDOW_SECONDS = int(os.environ.get("LOGIN_ADDRESS_WINDOW_SECONDS", "3600"))
# Reverse proxies in front of the app that append to X-Forwarded-For; 0 trusts REMOTE_ADDR only.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# A new account's one-time set-password link is valid this long.
PASSWORD_RESET_TIMEOUT = 72 * 60 * 60

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / ".data" / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".data" / "media"))
MEDIA_URL = "/media/"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "drillops@localhost")
# Below the outbox lease, so that a hung SMTP server never outlives a worker's claim.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# The site's address as people reach it (https://drills.example.com), for links in e-mails;
# without it e-mails carry the path only.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

# Security: production-safe unless DEBUG is on.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "drillops.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drillops.core.exceptions.api_exception_handler",
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DrillOps API",
    "DESCRIPTION": "Emergency drills end to end. Every inject is marked EXERCISE / 演练.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation's 400/401/403/404/409 answers, documented in one place (core.api.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drillops.core.api.schema.document_error_responses",
    ],
    # A member's role appears in several components (a user, a new user with their link).
    "ENUM_NAME_OVERRIDES": {
        "MemberRoleEnum": "drillops.departments.models.Role",
        "FindingKindEnum": "drillops.reports.models.FindingKind",
        "ProposalStateEnum": "drillops.reports.models.ProposalState",
        "DrillStateEnum": "drillops.timelines.models.DrillState",
        "ImprovementStatusEnum": "drillops.reports.models.ImprovementStatus",
    },
}

# The dispatcher: how long it sleeps at most between looks at the clock, and its lease.
DISPATCHER_MAX_SLEEP_SECONDS = float(os.environ.get("DISPATCHER_MAX_SLEEP_SECONDS", "1.0"))
DISPATCHER_BATCH_SIZE = int(os.environ.get("DISPATCHER_BATCH_SIZE", "500"))
DISPATCHER_LEASE_SECONDS = float(os.environ.get("DISPATCHER_LEASE_SECONDS", "10"))

EXERCISE_MARK = "EXERCISE / 演练"
# A report export of a timeline longer than this is built by a Celery task (202 while it runs);
# a finished export of the live draft is served again for this long.
REPORT_EXPORT_ASYNC_ENTRIES = int(os.environ.get("REPORT_EXPORT_ASYNC_ENTRIES", "2000"))
REPORT_EXPORT_FRESH_SECONDS = int(os.environ.get("REPORT_EXPORT_FRESH_SECONDS", "300"))

# Live updates (timelines.live): server-sent events held by the ASGI server, one Redis
# subscription per web process. Per process: how many open pages it holds at most (more get a
# 503 and poll), how long changes are gathered into one push, the heartbeat that keeps proxies
# from closing a quiet stream, and after how long a page reconnects (its scope is recomputed).
LIVE_MAX_CONNECTIONS = int(os.environ.get("LIVE_MAX_CONNECTIONS", "2000"))
LIVE_COALESCE_SECONDS = float(os.environ.get("LIVE_COALESCE_SECONDS", "0.05"))
LIVE_HEARTBEAT_SECONDS = float(os.environ.get("LIVE_HEARTBEAT_SECONDS", "15"))
LIVE_MAX_AGE_SECONDS = float(os.environ.get("LIVE_MAX_AGE_SECONDS", "900"))
# Threads that run the WSGI views under the ASGI server (as gunicorn's gthread did).
WEB_THREADS = int(os.environ.get("GUNICORN_THREADS", "8"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # axes says INFO for every login; its warnings (failures, locks) are what an operator needs.
    "loggers": {"axes": {"level": "WARNING"}},
}
