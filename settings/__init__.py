"""Django settings, configured from the environment (see docs/configuration.md).

Production is the default: a process started with nothing set refuses every insecure
default and names the variable to set. A development checkout gets its development
settings (``DJANGO_DEBUG=true``) from the ``.env`` that ``make install`` writes; variables
set in the environment win over that file.
"""

from __future__ import annotations

from pathlib import Path

import django_stubs_ext
import environ

from settings import environment

# Lets the admin classes be written ModelAdmin[Model] for the type checker.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environment.read_env_file(env, BASE_DIR)

DEBUG: bool = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = environment.secret_key(env, debug=DEBUG)
ALLOWED_HOSTS = environment.allowed_hosts(env, debug=DEBUG)
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Where the SQLite database, media and counters live; made by the runtime app when a
# process starts (settings only say where things are).
DATA_DIR = environment.data_dir(env, BASE_DIR)

INSTALLED_APPS = [
    # First: it makes the directories the others write to (runtime/apps.py).
    "runtime",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Before django_q: its qcluster command adds the workers' metrics port to django-q2's.
    "webhooks",
    "django_q",
    "rest_framework",
    "drf_standardized_errors",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "testimonials",
    # The testimonials' event types, declared to webhooks (docs/architecture.md).
    "testimonial_events",
    "http_api",
]

MIDDLEWARE = [
    # First, so load balancers probing by IP pass neither the host check nor the SSL
    # redirect, and a dead database gives 503 instead of an error page. The same for
    # Prometheus, which scrapes by IP too (its token guards /metrics).
    "runtime.health.HealthCheckMiddleware",
    "webhooks.metrics.middleware.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "settings.urls"
WSGI_APPLICATION = "settings.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": environment.database(env, DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# An absolute URL (a CDN, the public site) makes the media URLs in webhook payloads
# absolute too.
MEDIA_URL: str = env.str("MEDIA_URL", default="media/")
MEDIA_ROOT = DATA_DIR / "media"
# The manifest keeps each file under its hashed name only: the image carries one copy.
WHITENOISE_KEEP_ONLY_HASHED_FILES = not DEBUG
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

# Production hardening; each can be relaxed from the environment when a proxy in front
# already does the job.
SECURE_SSL_REDIRECT: bool = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS: int = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS: bool = env.bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    # Only safe behind a proxy that overwrites X-Forwarded-Proto on every request.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# "None" lets a portal framed by another site (PORTAL_FRAME_ANCESTORS) keep its session
# and CSRF cookies; Django's "Lax" otherwise.
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = env.str(
    "DJANGO_SESSION_COOKIE_SAMESITE", default="Lax"
)
X_FRAME_OPTIONS = "DENY"

# Testimonials domain (see testimonials/conf.py for the defaults).
TESTIMONIALS_CONTENT_MIN_LENGTH: int = env.int("TESTIMONIALS_CONTENT_MIN_LENGTH", default=10)
TESTIMONIALS_CONTENT_MAX_LENGTH: int = env.int("TESTIMONIALS_CONTENT_MAX_LENGTH", default=5000)
TESTIMONIALS_MEDIA_MAX_BYTES: int = env.int(
    "TESTIMONIALS_MEDIA_MAX_BYTES", default=20 * 1024 * 1024
)

# Webhooks (see webhooks/conf.py for what each means).
WEBHOOKS_ENCRYPTION_KEYS = environment.encryption_keys(env)
# Each of these is set only when its variable is given: the defaults are written once, in
# webhooks/conf.py (DEFAULTS), and docs/configuration.md is tested against them.
globals().update(environment.given(env, environment.WEBHOOKS_VARIABLES))

CACHES = {"default": environment.cache(env, DATA_DIR, DATABASES["default"])}

# Observability (docs/operations.md). METRICS_TOKEN (above, with the webhooks' variables)
# guards /metrics and the workers' port; without it they are open in development only.
METRICS_DIR = environment.metrics_dir(env, DATA_DIR, BASE_DIR)
# A qcluster's worker processes count into files under METRICS_DIR: manage.py prepares
# them (webhooks.metrics.directories), gunicorn.conf.py does the same for the web workers.

# The HTTP API (docs/api.md, api/ and each app's api/ package).
TESTIMONIALS_PUBLIC_SUBMISSION: bool = env.bool("TESTIMONIALS_PUBLIC_SUBMISSION", default=False)
TESTIMONIALS_PUBLIC_RATE: str = env.str("TESTIMONIALS_PUBLIC_RATE", default="10/hour")
API_KEY_RATE: str = env.str("API_KEY_RATE", default="1200/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["http_api.authentication.BearerKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["http_api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["http_api.throttling.KeyRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "http_api.pagination.CursorPage",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "http_api.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        # JSON only; the media upload says multipart for itself.
        "http_api.parsers.BoundedJSONParser",
    ],
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    # DRF's test client sends what the API takes (its default is multipart).
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Client addresses for the public submission throttle: X-Forwarded-For is only
    # believed for as many proxies as the operator says stand in front (0: none).
    "NUM_PROXIES": env.int("API_TRUSTED_PROXIES", default=0),
}
# Errors as RFC 9457 problem details (http_api/problems.py).
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "http_api.problems.ProblemHandler",
    "EXCEPTION_FORMATTER_CLASS": "http_api.problems.ProblemFormatter",
    "NESTED_FIELD_SEPARATOR": "\x1f",
    # The answers each operation documents (405 and 406 can come from any of them).
    "ALLOWED_ERROR_STATUS_CODES": ["400", "401", "403", "404", "429", "500"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Testimonials & webhooks API",
    "DESCRIPTION": "Submit and moderate testimonials, manage webhook endpoints, read the "
    "delivery log and replay deliveries. Authenticate with `Authorization: Bearer <key>`.\n\n"
    "Each operation needs one scope. An answer carries only what the key may read: a write "
    "by a key without the read scope of what it changed answers with the object's id, "
    "slug and status (or, for an endpoint, its id and state and any secret the operation "
    "made); endpoint URLs are masked without `webhooks:write`; event payloads and delivery "
    "bodies are null without `testimonials:read`; anonymous authors show only to "
    "`testimonials:moderate`; custom header values never.",
    "VERSION": "1.0.0",
    "LICENSE": {"name": "MIT", "identifier": "MIT"},
    # Relative to where the document is read from: the service serves it itself.
    "SERVERS": [{"url": "/", "description": "This service"}],
    "OAS_VERSION": "3.1.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["http_api.permissions.KeyOrStaff"],
    "SERVE_AUTHENTICATION": [
        "http_api.authentication.BearerKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TestimonialStatusEnum": "testimonials.choices.TestimonialStatus",
        "DeliveryStatusEnum": "webhooks.models.DeliveryStatus",
        "EventTypeEnum": "webhooks.event_types.registry.choices",
        "ReplayStatusEnum": "webhooks.api.selections.REPLAY_STATUSES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "webhooks.api.schema.add_webhooks",
    ],
}

Q_CLUSTER = environment.q_cluster(
    env,
    workers=env.int("Q_WORKERS", default=2),
    task_timeout=env.int("Q_TASK_TIMEOUT", default=60),
)

LOG_FORMAT = environment.log_format(env)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # One JSON object per line; the ids a line is about (delivery_id, endpoint_id,
        # event_id) come as fields of their own.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d %(threadName)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    # Portal link tokens are credentials in a URL path: never written to a log line.
    "filters": {"portal_tokens": {"()": "webhooks.portal.redaction.TokenFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["portal_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # django-q2 logs each task at INFO; Q_LOG_LEVEL=WARNING quietens a busy worker.
        "django-q": {"level": env.str("Q_LOG_LEVEL", default="INFO")},
        # At INFO, httpx logs every request with its full URL, and a Slack, Discord or
        # Teams webhook URL is a credential: only problems, unless asked for.
        "httpx": {"level": env.str("HTTPX_LOG_LEVEL", default="WARNING")},
        "httpcore": {"level": env.str("HTTPX_LOG_LEVEL", default="WARNING")},
    },
}
