"""Settings for cbcoord, read from the environment (see README.md, "Configuration")."""

from __future__ import annotations

import datetime
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from cbcoord.core.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent
VAR_DIR = Path(env_str("CBCOORD_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)

_DEVELOPMENT_SECRET = "insecure-development-key-only-used-when-DEBUG-is-on"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY")
# Without DEBUG and without SECRET_KEY, management commands (migrate, makemigrations…) still
# run on a throwaway key, but the WSGI application refuses to start and `check --deploy`
# reports it (cbcoord.core.checks): a server must never sign sessions with a key it forgets.
SECRET_KEY_IS_EPHEMERAL = False
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = _DEVELOPMENT_SECRET
    else:
        import secrets

        SECRET_KEY = secrets.token_urlsafe(50)
        SECRET_KEY_IS_EPHEMERAL = True

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "cbcoord.accounts.admin_config.CbcoordAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "simple_history",
    "ninja",
    "axes",
    # cbcoord's own apps, from the ground floor up (see README, "Layout"): an app imports only
    # from the apps listed before it, and load_reference runs their loaders in this order.
    "cbcoord.iati",
    "cbcoord.core",
    "cbcoord.accounts",
    "cbcoord.exports",
    "cbcoord.registry",
    "cbcoord.frameworks",
    "cbcoord.activities",
    "cbcoord.imports",
    "cbcoord.needs",
    "cbcoord.coordination",
    "cbcoord.meetings",
    "cbcoord.dashboard",
    "cbcoord.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cbcoord.core.middleware.HtmxLoginRedirectMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Counts failed logins and refuses locked-out ones before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login throttling (django-axes): after CBCOORD_LOGIN_FAILURE_LIMIT wrong passwords for one
# username, or from one address, logins stop for CBCOORD_LOGIN_LOCKOUT_MINUTES; the
# secretariat can lift a lockout at /accounts/lockouts/. A successful login clears the count.
AXES_FAILURE_LIMIT = env_int("CBCOORD_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("CBCOORD_LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Content-Security-Policy (django-csp): the pages load only their own scripts, styles and
# images; nothing inline runs; no other site may frame them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

if not DEBUG:
    # Serves the collected static files in production; runserver serves them while DEBUG is on.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "cbcoord.urls"
WSGI_APPLICATION = "cbcoord.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cbcoord.accounts.context_processors.site",
            ],
        },
    }
]

if not env_str("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cbcoord.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", default=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the coordination analyses' queries carry a correlated NOT EXISTS (a
    # co-financed project counted once) that the planner costs far above jit_above_cost, and
    # compiling them took 200-400 ms of a 450 ms query that runs in 40 ms without (EXPLAIN
    # ANALYZE at 100,000 activities). cbcoord's queries are short; JIT only adds to them.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while an import writes; the timeout rides out short locks.
    # 16 KiB pages (set before WAL, so it takes on a new database and is a no-op on an existing
    # one) hold an activity's JSON (about 5 KB) without overflow pages: an import writes a third
    # less. Page size cannot change once a database is in WAL mode.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": (
            "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Argon2id first, as Django's documentation advises (memory-hard), with OWASP's parameters
# (``accounts/hashers.py``): 20 ms of a core per sign-in where Django's defaults take 200 ms and
# PBKDF2's million rounds 420 ms, which 50 users signing in at once on 2 cores feel
# (``make loadtest``). Older hashes still check, and are rehashed with these at sign-in.
PASSWORD_HASHERS = [
    "cbcoord.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

MEDIA_ROOT = VAR_DIR / "media"

# Uploads: IATI files can be large, so they stream to a temporary file; the limit is ours.
CBCOORD_MAX_UPLOAD_BYTES = env_int("CBCOORD_MAX_UPLOAD_BYTES", default=200 * 1024 * 1024)
CBCOORD_URL_IMPORT_MAX_BYTES = env_int("CBCOORD_URL_IMPORT_MAX_BYTES", default=200 * 1024 * 1024)
CBCOORD_URL_IMPORT_TIMEOUT = env_int("CBCOORD_URL_IMPORT_TIMEOUT", default=60)
# The whole download, however slowly the server sends (seconds), and downloads at once per
# server process (the others wait their turn).
CBCOORD_URL_IMPORT_DEADLINE = env_int("CBCOORD_URL_IMPORT_DEADLINE", default=900)
CBCOORD_URL_IMPORT_CONCURRENCY = env_int("CBCOORD_URL_IMPORT_CONCURRENCY", default=2)
# Reader processes for an IATI file of 8 MB or more (0: read in the importing process).
CBCOORD_IMPORT_READERS = env_int("CBCOORD_IMPORT_READERS", default=2)
# Uploads and URL imports from the web pages and the API import in a background thread; the
# request returns at once and the report page follows the run (a large file takes longer than
# a WSGI server's request timeout). A run with no progress for this many minutes is shown as
# interrupted (its process ended); importing the file again completes it.
CBCOORD_IMPORT_IN_BACKGROUND = env_bool("CBCOORD_IMPORT_IN_BACKGROUND", default=True)
CBCOORD_IMPORT_STALLED_MINUTES = env_int("CBCOORD_IMPORT_STALLED_MINUTES", default=10)
# URL imports refuse hosts on loopback and private networks (no server-side request forgery).
CBCOORD_URL_IMPORT_ALLOW_PRIVATE = env_bool("CBCOORD_URL_IMPORT_ALLOW_PRIVATE", default=False)
# The largest spreadsheet of needs accepted by the intake page.
CBCOORD_NEEDS_INTAKE_MAX_BYTES = env_int("CBCOORD_NEEDS_INTAKE_MAX_BYTES", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cbcoord <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's address, for links in e-mails sent from the command line (reminders).
CBCOORD_SITE_URL = env_str("CBCOORD_SITE_URL", "http://127.0.0.1:8000")

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Off only for a plain-http test on loopback (the load test): a browser would then send
    # the session over any http connection.
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
# Trust X-Forwarded-Proto only when told a TLS proxy sits in front and sets it on every request
# (overwriting whatever the client sent). Trusted by default, any client reaching the server
# directly could claim https: request.is_secure() would lie, SECURE_SSL_REDIRECT would let
# plain http through, and the CSRF check would take the https rules for it.
CBCOORD_BEHIND_TLS_PROXY = env_bool("CBCOORD_BEHIND_TLS_PROXY", default=False)
if CBCOORD_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint logs every layout step at INFO (the meeting brief).
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 500
