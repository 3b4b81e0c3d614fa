"""Django settings, read from ``KOMPAS_*`` environment variables declared in ``core.config``."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from gebiedskompas.core import config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = config.data_dir()
DEBUG = bool(config.get("KOMPAS_DEBUG"))


def _secret_key() -> str:
    configured = str(config.get("KOMPAS_SECRET_KEY"))
    if configured:
        return configured
    # First run without a configured key: keep a random one in the data folder, so sessions
    # survive a restart and no key is ever shipped in the code.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = list(config.get("KOMPAS_ALLOWED_HOSTS"))  # type: ignore[call-overload]
if DEBUG:
    ALLOWED_HOSTS += ["testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rest_framework",
    "mozilla_django_oidc",
    "gebiedskompas.areas",
    "gebiedskompas.indicators",
    # After indicators: the audit trail registers the indicator catalogue by name.
    "gebiedskompas.accounts",
    "gebiedskompas.analysis",
    "gebiedskompas.cycle",
    "gebiedskompas.signals",
    "gebiedskompas.participation",
    "gebiedskompas.reports",
    "gebiedskompas.web",
    # Background tasks (Django's task framework, backported) stored in the database; the ops app
    # runs them (`kompas worker`), checks the installation and keeps backups.
    "django_tasks",
    "django_tasks_db",
    "gebiedskompas.ops",
    # Before drf_spectacular: its documentation template is replaced by one without inline code.
    "gebiedskompas.api",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "gebiedskompas.web.middleware.DutchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "gebiedskompas.accounts.middleware.RequireSecondFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "gebiedskompas.web.middleware.SecurityHeadersMiddleware",
    # Last, as django-axes asks: it turns a lock-out into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

# Content Security Policy (django-csp): every asset comes from this site itself (see DESIGN.md),
# no inline script or style, and maps draw the app's own GeoJSON on a plain background (no tile
# service), so images are this site's own or data: URIs (Leaflet's markers). The admin keeps
# Django's own pages, which carry inline script, and is left out.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = "gebiedskompas.urls"
WSGI_APPLICATION = "gebiedskompas.wsgi.application"

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
                "django.template.context_processors.i18n",
                "gebiedskompas.web.context_processors.navigation",
            ]
        },
    }
]

_url = str(config.get("KOMPAS_DATABASE_URL"))
if _url:
    DATABASES = {"default": dj_database_url.parse(_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "kompas.sqlite3"),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                # WAL lets the web server read while an import writes; a larger page cache keeps
                # bulk imports from thrashing the observation indexes.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA cache_size=-131072; PRAGMA foreign_keys=ON"
                ),
            },
            # Each server thread keeps its connection: opening one and running the PRAGMAs
            # above costs about as much as serving a small page.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("TEST", {})
    if config.get("KOMPAS_DATABASE_POOL"):
        # A psycopg 3 pool per process (Django 5.1+); persistent connections must be off then.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 10}
# Read replicas: reads go to one of them, writes (and reads inside a transaction) to default.
# See ops/routers.py and docs/deployment.md.
for _number, _replica in enumerate(config.get("KOMPAS_DATABASE_REPLICA_URLS"), start=1):  # type: ignore[call-overload]
    DATABASES[f"replica{_number}"] = dj_database_url.parse(_replica, conn_max_age=60)
    # In tests a replica is the same database as default (Django's test mirror).
    DATABASES[f"replica{_number}"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["gebiedskompas.ops.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/inloggen/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Sign-in: django-axes counts failures per user name and address (the login form passes the
# request); OpenID Connect is added when configured (see accounts/oidc.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(config.get("KOMPAS_LOGIN_FAILURE_LIMIT"))  # type: ignore[call-overload]
AXES_COOLOFF_TIME = timedelta(minutes=int(config.get("KOMPAS_LOGIN_LOCKOUT_MINUTES")))  # type: ignore[call-overload]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
FORM_RATE = str(config.get("KOMPAS_FORM_RATE"))
REPORTER_RETENTION_DAYS = int(config.get("KOMPAS_REPORTER_RETENTION_DAYS"))  # type: ignore[call-overload]  # declared int
SIGNAL_PHOTO_RETENTION_DAYS = int(config.get("KOMPAS_SIGNAL_PHOTO_RETENTION_DAYS"))  # type: ignore[call-overload]  # declared int
VOTING_CODE_RETENTION_DAYS = int(config.get("KOMPAS_VOTING_CODE_RETENTION_DAYS"))  # type: ignore[call-overload]  # declared int
RESIDENT_CONTACT_RETENTION_DAYS = int(config.get("KOMPAS_RESIDENT_CONTACT_RETENTION_DAYS"))  # type: ignore[call-overload]  # declared int
SIGNAL_NEARBY_METRES = int(config.get("KOMPAS_SIGNAL_NEARBY_METRES"))  # type: ignore[call-overload]  # declared int
SIGNAL_NEARBY_DAYS = int(config.get("KOMPAS_SIGNAL_NEARBY_DAYS"))  # type: ignore[call-overload]  # declared int
SIGNAL_SUGGEST_THRESHOLD = float(config.get("KOMPAS_SIGNAL_SUGGEST_THRESHOLD"))  # type: ignore[arg-type]  # declared float

OIDC_RP_CLIENT_ID = str(config.get("KOMPAS_OIDC_CLIENT_ID"))
OIDC_RP_CLIENT_SECRET = str(config.get("KOMPAS_OIDC_CLIENT_SECRET"))
OIDC_OP_AUTHORIZATION_ENDPOINT = str(config.get("KOMPAS_OIDC_AUTHORIZATION_ENDPOINT"))
OIDC_OP_TOKEN_ENDPOINT = str(config.get("KOMPAS_OIDC_TOKEN_ENDPOINT"))
OIDC_OP_USER_ENDPOINT = str(config.get("KOMPAS_OIDC_USERINFO_ENDPOINT"))
OIDC_OP_JWKS_ENDPOINT = str(config.get("KOMPAS_OIDC_JWKS_ENDPOINT"))
OIDC_RP_SIGN_ALGO = str(config.get("KOMPAS_OIDC_SIGN_ALGO"))
OIDC_RP_SCOPES = str(config.get("KOMPAS_OIDC_SCOPES"))
OIDC_ROLE_CLAIM = str(config.get("KOMPAS_OIDC_ROLE_CLAIM"))
OIDC_ROLE_MAP = str(config.get("KOMPAS_OIDC_ROLE_MAP"))
OIDC_TIMEOUT = 10
LOGIN_REDIRECT_URL_FAILURE = "/inloggen/"
if OIDC_RP_CLIENT_ID and OIDC_OP_AUTHORIZATION_ENDPOINT:
    AUTHENTICATION_BACKENDS.append("gebiedskompas.accounts.oidc.KompasOIDCBackend")

# The REST API (api/): Dutch API Design Rules, problem+json errors, paging, throttling.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "gebiedskompas.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "gebiedskompas.api.pagination.PagePagination",
    "DEFAULT_THROTTLE_CLASSES": [
        "gebiedskompas.api.throttling.AnonThrottle",
        "gebiedskompas.api.throttling.UserThrottle",
    ],
    "EXCEPTION_HANDLER": "gebiedskompas.api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_RATES = {
    "anon": str(config.get("KOMPAS_API_ANON_RATE")),
    "user": str(config.get("KOMPAS_API_USER_RATE")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Gebiedskompas API",
    "DESCRIPTION": (
        "Gebieden, indicatoren, waarnemingen, gebiedsanalyses en de gebiedscyclus "
        "(gebiedsagenda's, gebiedsplannen, acties, activiteiten, koppelkansen, knelpunten). "
        "Volgt de API Design Rules "
        "(Logius): Nederlandse meervoudige resourcenamen, fouten als application/problem+json, "
        "paginering met page en pageSize, de header API-Version."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "LICENSE": {"name": "EUPL-1.2"},
    "ENUM_NAME_OVERRIDES": {
        "GebiedsagendaStatusEnum": "gebiedskompas.api.cycle_serializers.AGENDA_STATUSES",
        "ActieStatusEnum": "gebiedskompas.api.cycle_serializers.ACTION_STATUSES",
        "KoppelkansStatusEnum": "gebiedskompas.api.cycle_serializers.COUPLING_STATUSES",
        "KoppelkansBesluitEnum": "gebiedskompas.api.cycle_serializers.COUPLING_DECISIONS",
        "KnelpuntStatusEnum": "gebiedskompas.api.cycle_serializers.BARRIER_STATUSES",
    },
}

LANGUAGE_CODE = str(config.get("KOMPAS_LANGUAGE"))
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise serves from the package (finders) and from here after a collectstatic.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "uploads"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve static files straight from the installed package: no collectstatic step for a first run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Largest accepted upload per kind; every upload is checked by name, size and content
# (gebiedskompas.core.uploads).
MAX_PHOTO_BYTES = int(config.get("KOMPAS_MAX_PHOTO_MB")) * 1024 * 1024  # type: ignore[call-overload]  # declared int
MAX_TABLE_BYTES = int(config.get("KOMPAS_MAX_TABLE_MB")) * 1024 * 1024  # type: ignore[call-overload]  # declared int
MAX_METADATA_BYTES = int(config.get("KOMPAS_MAX_METADATA_MB")) * 1024 * 1024  # type: ignore[call-overload]  # declared int

# Background tasks: django-tasks with its database backend; `kompas worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
KOMPAS_SCHEDULE = str(config.get("KOMPAS_SCHEDULE"))
KOMPAS_WORKER_HEARTBEAT_SECONDS = int(config.get("KOMPAS_WORKER_HEARTBEAT_SECONDS"))  # type: ignore[call-overload]
KOMPAS_WORKER_STALE_SECONDS = int(config.get("KOMPAS_WORKER_STALE_SECONDS"))  # type: ignore[call-overload]
KOMPAS_TASK_MAX_ATTEMPTS = int(config.get("KOMPAS_TASK_MAX_ATTEMPTS"))  # type: ignore[call-overload]
KOMPAS_METRICS_TOKEN = str(config.get("KOMPAS_METRICS_TOKEN"))
KOMPAS_MIN_FREE_DISK_MB = int(config.get("KOMPAS_MIN_FREE_DISK_MB"))  # type: ignore[call-overload]

# Mail: SMTP when a host is configured, else written to the log.
EMAIL_HOST = str(config.get("KOMPAS_EMAIL_HOST"))
EMAIL_PORT = int(config.get("KOMPAS_EMAIL_PORT"))  # type: ignore[call-overload]
EMAIL_HOST_USER = str(config.get("KOMPAS_EMAIL_USER"))
EMAIL_HOST_PASSWORD = str(config.get("KOMPAS_EMAIL_PASSWORD"))
EMAIL_USE_TLS = bool(config.get("KOMPAS_EMAIL_USE_TLS"))
DEFAULT_FROM_EMAIL = SERVER_EMAIL = str(config.get("KOMPAS_EMAIL_FROM"))
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

# A sign-in lasts a working day at most and ends when the browser closes.
SESSION_COOKIE_AGE = int(config.get("KOMPAS_SESSION_HOURS")) * 3600  # type: ignore[call-overload]
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

SECURE = bool(config.get("KOMPAS_SECURE"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

KOMPAS_PAGE_CACHE_SECONDS = int(config.get("KOMPAS_PAGE_CACHE_SECONDS"))  # type: ignore[call-overload]
# One process's memory (waitress serves with threads in one process); entries are keyed by the
# data version, so several processes each with their own cache never serve stale figures.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # Rendered pages (web.caching): on disk in the data folder, so every server process and
    # the worker that warms it after an import share one copy, and a restart keeps it.
    "pages": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "pages"),
        "OPTIONS": {"MAX_ENTRIES": int(config.get("KOMPAS_PAGE_CACHE_ENTRIES"))},  # type: ignore[call-overload]
    },
}
KOMPAS_PUBLIC_MIN_POPULATION = int(config.get("KOMPAS_PUBLIC_MIN_POPULATION"))  # type: ignore[call-overload]
KOMPAS_DOCUMENT_MAX_MB = int(config.get("KOMPAS_DOCUMENT_MAX_MB"))  # type: ignore[call-overload]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # Worker, schedule, purges and backups say what they did.
    "loggers": {"gebiedskompas.ops": {"level": "INFO"}, "django_tasks_db": {"level": "INFO"}},
}
