"""TrustApp settings: one module, every deploy-specific value read from the environment.

The README documents each variable. Development defaults are safe: DEBUG is off unless asked for,
and production refuses to start without a real secret key.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not envbool("DJANGO_ALLOW_INSECURE_KEY"):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (production), or set DJANGO_DEBUG=1 for development."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

# Absolute links in emails are built from this, never from the request's Host header.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", SITE_URL)

INSTALLED_APPS = [
    "trustapp.accounts",
    "couples",
    "steps",
    "trustapp.apps.TrustAppAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "django_tasks_db",
]

MIDDLEWARE = [
    "trustapp.observability.HealthCheckMiddleware",
    "trustapp.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "trustapp.middleware.NoStoreForSignedInMiddleware",
    "trustapp.middleware.HtmxLoginRedirectMiddleware",
]

ROOT_URLCONF = "trustapp.urls"
WSGI_APPLICATION = "trustapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "trustapp.context_processors.safety",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent connections buy nothing on SQLite and keep the file locked between requests.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Added to what DATABASE_URL's query string set (sslmode and the like), never replacing it.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    if envbool("DATABASE_SERVER_SIDE_BINDING", True):
        # Parameters bound on the server, and a statement prepared once a connection has run it
        # this many times: PostgreSQL then skips parsing and planning the same dozen queries on
        # every page (measured: 1.5-3 ms less per page, docs/benchmarks.md). PgBouncer in
        # transaction mode needs max_prepared_statements (1.21+), or DATABASE_PREPARE_THRESHOLD=0.
        options["server_side_binding"] = True
        if prepare_threshold := envint("DATABASE_PREPARE_THRESHOLD", 5):
            options["prepare_threshold"] = prepare_threshold
    if envbool("DATABASE_POOL"):
        # psycopg's connection pool, per process: size it so that workers x threads x
        # processes stays under PostgreSQL's max_connections (or put PgBouncer in front).
        # Pooling replaces persistent connections.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        options["pool"] = {
            "min_size": envint("DATABASE_POOL_MIN", 2),
            "max_size": envint("DATABASE_POOL_MAX", 8),
            "timeout": envint("DATABASE_POOL_TIMEOUT", 10),
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Ours first: it signs people in as allauth's does and loads them with fewer queries. The other
# two stay listed so sessions signed in through them before stay valid.
AUTHENTICATION_BACKENDS = [
    "trustapp.accounts.backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login, and it must be verified before the couple space opens.
ACCOUNT_ADAPTER = "trustapp.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "trustapp.accounts.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "TrustApp: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_REAUTHENTICATION_REQUIRED = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "TrustApp"
# Not on every request: it would cost a write per page view for a "last seen" time.
USERSESSIONS_TRACK_ACTIVITY = False

# One cache shared by every worker (allauth's rate limits count in it; a per-process cache would
# let each worker count alone). The database is already shared, so it needs nothing new.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "trustapp_cache",
    },
    # Every request reads its session. Kept in their own shared table, so that culling one never
    # drops the other's entries (a culled rate-limit count would let more attempts through); a
    # session culled or not yet cached is read from the sessions table, so nothing is lost.
    "sessions": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "trustapp_session_cache",
        # Each entry expires with its session; this bounds the table (and the count that every
        # new entry makes) well above the sessions that are signed in at once.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
    # Rendered pieces of pages that are costly to draw (the trust chart), in each process's
    # memory. A piece's key names exactly the data it shows, so a change of data is a new key and
    # nothing is ever invalidated: a server that has not drawn a piece yet just draws it. Only
    # what both partners of a couple see goes in here, never private writing.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "trustapp-fragments",
        # Bounded: a long trust history's chart is tens of kilobytes, and each reveal makes a
        # new one while the old one waits to expire.
        "TIMEOUT": 10 * 60,
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development and tests serve static files straight from the source folders; production serves
# the collected, compressed files with hashed names and long cache headers.
STATIC_FROM_SOURCE = DEBUG or envbool("DJANGO_STATIC_FROM_SOURCE")
WHITENOISE_USE_FINDERS = STATIC_FROM_SOURCE
WHITENOISE_AUTOREFRESH = STATIC_FROM_SOURCE
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if STATIC_FROM_SOURCE
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
# English only for now: turning translation off saves real time on every date and number shown.
USE_I18N = False
USE_TZ = True

# Email: Django 6.1 MAILERS. Without EMAIL_HOST, messages are printed to the console so that a
# developer running `make run` can click the verification and invitation links.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "TrustApp <hello@trustapp.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": envint("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": envbool("EMAIL_USE_TLS", True),
                "timeout": envint("EMAIL_TIMEOUT", 10),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "trustapp.mail.ReadableConsoleBackend"}}

# Background work. Emails go through a task enqueued after commit; the database backend with its
# `db_worker` process runs them in production, the immediate backend runs them in-process.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# Security headers. HTTPS-only settings switch on with DJANGO_SECURE (on by default when not DEBUG).
SECURE = envbool("DJANGO_SECURE", not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and envbool("DJANGO_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365) if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# Read from the shared cache above, written to both: the session, checked and decoded from the
# sessions table, cost every request, polls included, about a quarter of a poll's CPU
# (docs/benchmarks.md). Signing out, or ending a session from the sessions page, removes both.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
X_FRAME_OPTIONS = "DENY"

# No inline script anywhere: htmx is configured through a <meta> tag and needs no eval.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

COUPLE_INVITATION_DAYS = 7
INVITATIONS_PER_HOUR = envint("INVITATIONS_PER_HOUR", 5)
EMAIL_ATTEMPTS = 5

# Web Push (notifications on the devices people turn them on for): the VAPID key pair that signs
# each push (`make dev-keys` writes one for development; generate one per deployment). Without
# the keys, the preferences page says notifications are not available here.
WEBPUSH_VAPID_PUBLIC_KEY = os.environ.get("WEBPUSH_VAPID_PUBLIC_KEY", "")
WEBPUSH_VAPID_PRIVATE_KEY = os.environ.get("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_VAPID_SUBJECT = os.environ.get("WEBPUSH_VAPID_SUBJECT", "mailto:hello@trustapp.local")
# The push services browsers use (a leading dot: any host under it). The server posts to the
# endpoint a browser hands over, so only these are accepted, and only over HTTPS.
WEBPUSH_SERVICE_HOSTS = (
    "fcm.googleapis.com",
    ".push.services.mozilla.com",
    ".push.apple.com",
    ".notify.windows.com",
)
WEBPUSH_ALLOW_HTTP = False

# Where "Leave quickly" goes: an ordinary, neutral site.
LEAVE_QUICKLY_URL = os.environ.get("LEAVE_QUICKLY_URL", "https://www.bbc.com/weather")

# Keys for private reflections, newest first (see trustapp/crypto.py). Separate from SECRET_KEY so
# that rotating one never touches the other. `make run` generates a development key.
FIELD_ENCRYPTION_KEYS = envlist("FIELD_ENCRYPTION_KEYS")

# Logs: one JSON object per line in production (LOG_FORMAT=json, the default without DEBUG), plain
# lines in development; every line carries the request id. Nothing private is ever logged.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "trustapp.observability.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own default config also prints `django` records when DEBUG is on; one
        # handler is enough.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # Security events: who and when, never what anyone wrote.
        "trustapp.security": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Errors to Sentry when SENTRY_DSN is set; never personal data (send_default_pii stays off).
if os.environ.get("SENTRY_DSN"):
    import sentry_sdk

    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        send_default_pii=False,
        # Never request bodies or the variables of a failing frame: either can hold a
        # reflection, a draft or a safety answer.
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
    )
