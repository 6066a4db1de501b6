"""Assay settings, read from the environment.

DJANGO_DEBUG        "1" for development; off unless set.
DJANGO_SECRET_KEY   required in production; else var/secret-key (scripts/serve makes it),
                    else with DEBUG a development key.
DJANGO_SECRET_KEY_FILE  where the checkout keeps its key (var/secret-key).
DJANGO_ALLOWED_HOSTS  comma-separated; defaults to localhost only.
DJANGO_HTTPS        "1" behind TLS: redirect, secure cookies, HSTS.
DJANGO_CSRF_TRUSTED_ORIGINS  comma-separated origins, e.g. https://assay.example.org
DATABASE_URL        postgres://user@host:5432/name; unset = SQLite file under var/.
DATABASE_POOLER     "transaction" when DATABASE_URL is a PgBouncer in transaction mode: no
                    server-side cursors, no prepared statements (docs/scaling.md).
DJANGO_LOG_LEVEL    INFO by default.
DJANGO_CACHE_URL    redis://127.0.0.1:6379/1 to share sign-in and API throttling counts between
                    processes; unset = each process counts alone (its own memory).
TASKS_URL           redis://127.0.0.1:6379/0 runs jobs on RQ (``manage.py rqworker default``);
                    unset = in the database (``manage.py db_worker``, started by scripts/serve).
DATABASE_REPLICA_URL  a read replica of DATABASE_URL: exports, analytics and agreement read
                    there (annotations/replica.py); unset = everything on DATABASE_URL.
ASSAY_JOBS_DIR      where jobs keep uploads and exports (var/jobs by default).
ASSAY_JOB_STALE_SECONDS  a running job whose worker was silent this long is failed (120).
DJANGO_SESSION_HOURS  a session lasts this long after sign-in (12 by default).
ASSAY_SIGNIN_FAILURES  failed sign-ins, per account and per address, before a lock-out (5).
ASSAY_SIGNIN_LOCK_MINUTES  how long a lock-out lasts (15).
ASSAY_API_RATE_USER / ASSAY_API_RATE_ANON  the API's throttle rates (e.g. 3000/min, 60/min).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

# The key: DJANGO_SECRET_KEY; else the checkout's own, which scripts/serve generates once into
# var/secret-key (so `manage.py shell`, `export` ... work as the README writes them, with the
# served app's key); else, with DEBUG, a development key. Never a default key in production:
# `manage.py check --deploy` refuses any but DJANGO_SECRET_KEY (annotations/checks.py).
SECRET_KEY_FILE = Path(os.environ.get("DJANGO_SECRET_KEY_FILE") or VAR_DIR / "secret-key")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
SECRET_KEY_FROM = "DJANGO_SECRET_KEY"  # where it came from, for the deploy check
if not SECRET_KEY and SECRET_KEY_FILE.is_file():
    SECRET_KEY, SECRET_KEY_FROM = SECRET_KEY_FILE.read_text().strip(), str(SECRET_KEY_FILE)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(scripts/serve keeps one in var/secret-key; set DJANGO_DEBUG=1 for development)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0123456789"
    SECRET_KEY_FROM = "the development key"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "annotations",
]

MIDDLEWARE = [
    "annotations.middleware.RequestLogMiddleware",  # first: it times all the rest
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "annotations.middleware.ContentSecurityPolicyMiddleware",  # django-csp's
    "django_htmx.middleware.HtmxMiddleware",
    "annotations.middleware.HtmxSignInRedirectMiddleware",
    "annotations.middleware.MethodNotAllowedPageMiddleware",
    "annotations.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'assay.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if os.environ.get("DATABASE_POOLER") == "transaction":
    # A pooled server connection is lent for one transaction: nothing may outlive it.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
if os.environ.get("DATABASE_REPLICA_URL"):
    # Exports, analytics and agreement read from a replica (annotations/replica.py); the
    # tests point it at the test database (MIRROR).
    DATABASES["replica"] = {
        **dj_database_url.parse(
            os.environ["DATABASE_REPLICA_URL"],
            conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
            conn_health_checks=True,
        ),
        "TEST": {"MIRROR": "default"},
    }
    for key in ("DISABLE_SERVER_SIDE_CURSORS", "OPTIONS"):
        if key in DATABASES["default"]:
            DATABASES["replica"][key] = DATABASES["default"][key]
    DATABASE_ROUTERS = ["annotations.replica.ReplicaRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for the lock instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
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

# Large articles and bulk span posts arrive as JSON bodies.
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Behind TLS (DJANGO_HTTPS=1): everything secure. Without it the app still serves plain HTTP
# on localhost, as the quick start does with DEBUG off.
HTTPS = env_bool("DJANGO_HTTPS")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotations.api.authentication.TokenAuthentication",  # first: 401, not 403
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["annotations.api.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "annotations.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": [
        "annotations.api.renderers.FastJSONRenderer",
        "annotations.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "annotations.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "annotations.api.exceptions.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Assay API",
    "DESCRIPTION": "Annotate think-tank assessments: projects, labels, articles, actors, spans.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Read-only fields (id, annotator, version...) stay out of the request bodies.
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProjectRoleEnum": "annotations.models.Role",
        "ActorRoleEnum": "annotations.models.ActorRole",
        "ActorKindEnum": "annotations.models.ActorKind",
        "LabelKindEnum": "annotations.models.LabelKind",
        "StatusEnum": "annotations.models.SpanStatus",  # the span's, named as before jobs
        "JobStatusEnum": "annotations.models.JobStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "annotations.api.schema.postprocess_required_fields",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Sign-in, sessions and throttling ---------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out sign-in stops here
    "django.contrib.auth.backends.ModelBackend",
]
# Failures are counted per account and, separately, per address: either reaching the limit
# locks out for a while (a success resets them).
AXES_FAILURE_LIMIT = int(os.environ.get("ASSAY_SIGNIN_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("ASSAY_SIGNIN_LOCK_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "annotations.signin.lockout_response"
AXES_IPWARE_PROXY_COUNT = 1 if HTTPS else None  # behind TLS, one proxy in front

SESSION_COOKIE_AGE = int(float(os.environ.get("DJANGO_SESSION_HOURS", "12")) * 3600)
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

CACHE_URL = os.environ.get("DJANGO_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "rest_framework.throttling.AnonRateThrottle",
    "rest_framework.throttling.UserRateThrottle",
]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": os.environ.get("ASSAY_API_RATE_ANON", "60/min"),
    "user": os.environ.get("ASSAY_API_RATE_USER", "3000/min"),
}

LOGGING["formatters"]["json"] = {"()": "annotations.logs.JsonLogFormatter"}
LOGGING["handlers"]["requests"] = {"class": "logging.StreamHandler", "formatter": "json"}
LOGGING["loggers"]["axes.apps"] = {"level": "WARNING"}  # its start-up banner on every command
LOGGING["loggers"]["assay.requests"] = {
    "handlers": ["requests"],
    "level": os.environ.get("ASSAY_REQUEST_LOG_LEVEL", "INFO"),
    "propagate": False,
}

# --- Content Security Policy (django-csp 4) ----------------------------------------------------
# Everything from this origin, nothing inline: no inline script, style element or style
# attribute (label colours come from /projects/<slug>/labels.css), no eval, no framing.
CONTENT_SECURITY_POLICY = {
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
    }
}

# --- Jobs (Django's Tasks API, the django-tasks backport) --------------------------------------
TASKS_URL = os.environ.get("TASKS_URL", "")
if TASKS_URL:
    INSTALLED_APPS.append("django_rq")
    RQ_QUEUES = {"default": {"URL": TASKS_URL, "DEFAULT_TIMEOUT": 6 * 3600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
JOBS_DIR = Path(os.environ.get("ASSAY_JOBS_DIR", VAR_DIR / "jobs"))
# A running job writes a heartbeat every 2 s; one silent this long has lost its worker.
JOBS_STALE_SECONDS = int(os.environ.get("ASSAY_JOB_STALE_SECONDS", "120"))
# Suggestions (annotations/suggestions/): how many articles' suggestions a process keeps
# (0: computed at every request), and the largest answer a project's suggestion server may send.
SUGGESTIONS_CACHE_SIZE = int(os.environ.get("ASSAY_SUGGESTIONS_CACHE_SIZE", "32"))
# From this many actors a registry change is matched in the background: the requests that come
# while the new automaton is built use the previous one.
SUGGESTIONS_BACKGROUND_BUILD_FROM = 2000
# Each server process (config/wsgi.py) builds the registry's matcher in a thread as it starts,
# so that its first suggestions request does not wait for the build (ASSAY_SUGGESTIONS_WARM=0:
# on the first request instead).
SUGGESTIONS_WARM_AT_START = os.environ.get("ASSAY_SUGGESTIONS_WARM", "1") != "0"
SUGGESTION_BACKEND_MAX_BYTES = 2 * 1024 * 1024
# The search page's hits of each kind (articles, spans) shown a page at a time.
SEARCH_PER_PAGE = 20
