"""Charter settings: one file, every deployment difference comes from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The development key only works with DEBUG on; production must set SECRET_KEY.
SECRET_KEY = env_str("SECRET_KEY") or (
    "dev-only-insecure-key-charter" if DEBUG or env_bool("CHARTER_TESTING") else ""
)
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")

# The audit trail's MAC key, kept apart from SECRET_KEY so that rotating one never touches the
# other; the database never holds it, so rewriting history needs more than database access
# (docs/security.md). Retired keys stay listed so that the events they signed still verify.
AUDIT_HMAC_DEV_KEY = "charter-dev-and-test-audit-key-not-a-secret"
AUDIT_HMAC_KEY = env_str("AUDIT_HMAC_KEY") or (
    AUDIT_HMAC_DEV_KEY if DEBUG or env_bool("CHARTER_TESTING") else ""
)
if not AUDIT_HMAC_KEY:
    raise RuntimeError("AUDIT_HMAC_KEY must be set when DEBUG is off")
AUDIT_HMAC_PREVIOUS_KEYS = env_list("AUDIT_HMAC_PREVIOUS_KEYS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "audit",
    "guidelines",
    "approvals",
    "publishing",
    "sso",
    "search",
    "postcheck",
    "integrations",
]

MIDDLEWARE = [
    "config.middleware.ResponseHeadersMiddleware",
    # Every error under /api/ as problem+json (RFC 9457), whichever layer produced it.
    "integrations.middleware.ProblemDetailsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.PageMethodsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "accounts.middleware.ActiveOrganizationMiddleware",
    "accounts.middleware_idle.IdleSessionMiddleware",
    "accounts.twofactor.middleware.TwoFactorMiddleware",
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
            "builtins": ["accounts.templatetags.dates", "config.template_urls"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.charter",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'charter.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
# Behind PgBouncer in transaction pooling mode a named (server-side) cursor may not outlive its
# transaction on one server connection: DB_DISABLE_SERVER_SIDE_CURSORS=1 makes Django fetch
# .iterator() results client-side instead (docs/deployment.md).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DB_DISABLE_SERVER_SIDE_CURSORS")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Wait for a busy writer instead of failing at once (runserver + background work).
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's password check, refused where the institution allows single sign-on only.
    "sso.backends.PolicyModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if env_bool("CHARTER_FAST_HASHER"):
    # Tests create thousands of people; argon2 is deliberately slow.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
# Lock a username from one address; shared ward PCs must not lock out a whole ward.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# Count failures per address as stored (trimmed, lower-case), not as typed: otherwise every
# case variant of an address would get its own five guesses.
AXES_USERNAME_CALLABLE = "accounts.emails.lockout_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# One notion of "the client's address" for lockout, audit trail and acknowledgements.
AXES_CLIENT_IP_CALLABLE = "audit.services.client_ip"
# Failed sign-ins are counted in the database, which every app server shares: five wrong
# passwords lock the account whichever servers the load balancer sent them to.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# How many proxies (load balancers) in front of Charter append to X-Forwarded-For. With 0 the
# header is ignored, since a client could write anything in it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
# One UPDATE per save instead of BEGIN, UPDATE, COMMIT (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
# The age counts from the last activity: an idle timeout. IdleSessionMiddleware records
# activity (and so saves the session) at most once a minute, not on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

TESTING = env_bool("CHARTER_TESTING")
SECURE = not DEBUG and not TESTING and not env_bool("CHARTER_INSECURE_COOKIES")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features Charter never uses, switched off for every page (and anything it embeds).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
        "magnetometer", "microphone", "midi", "payment",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
)  # fmt: skip
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# No inline script or style anywhere: everything comes from static files.
CSP_DEFAULT_SRC = ("'self'",)
CSP_SCRIPT_SRC = ("'self'",)
CSP_STYLE_SRC = ("'self'",)
CSP_IMG_SRC = ("'self'", "data:")
CSP_FRAME_ANCESTORS = ("'none'",)
CSP_FORM_ACTION = ("'self'",)
CSP_BASE_URI = ("'none'",)
CSP_OBJECT_SRC = ("'none'",)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not env_bool("CHARTER_TESTING")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# E-mail: console in development, locmem in tests, SMTP from EMAIL_URL in production
# (smtp://user:password@host:587?tls=1).
EMAIL_URL = env_str("EMAIL_URL", "console://")
if EMAIL_URL.startswith("console"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif EMAIL_URL.startswith("locmem"):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    from urllib.parse import parse_qs, unquote, urlsplit

    _mail = urlsplit(EMAIL_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or 25
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = parse_qs(_mail.query).get("tls", ["0"])[0] in {"1", "true"}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Charter <charter@localhost>")
# A mail server that stops answering must not hold a sending worker (and its outbox lease)
# for ever: each SMTP call gives up after this many seconds and the message is retried.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# How long an outbox sender holds the messages it took: a sender killed mid-batch leaves
# them to the next run once this has passed. It stops taking from a batch after half of it,
# so a slow server never lets another sender take a message it may still send.
CHARTER_OUTBOX_LEASE_SECONDS = env_int("CHARTER_OUTBOX_LEASE_SECONDS", 300)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Where every page's footer sends people for help, and the accessibility statement to report
# a barrier.
SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", "support@localhost")

# Background work: inline unless a broker is configured, so a fresh checkout needs nothing.
CELERY_TASK_ALWAYS_EAGER = not env_str("CELERY_BROKER_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker died (killed, or its machine lost) goes back to the queue once it has been
# unacknowledged this long (Redis broker); every task is idempotent, so one that merely ran
# longer than this and is delivered twice does no harm.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_SECONDS", 3600)}

# Shared counters (API, SCIM and "is this account official?" rate limits) live in Redis when
# REDIS_URL is set, so every worker process on every app server counts the same calls;
# otherwise in each process's memory (one server only: see docs/deployment.md). A Redis that
# stops answering costs a request at most REDIS_TIMEOUT_SECONDS per cache call, not a hang.
REDIS_TIMEOUT_SECONDS = env_int("REDIS_TIMEOUT_SECONDS", 2)
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL"),
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
        if env_str("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

CHARTER_DEMO_PASSWORD = "charter-demo"
# Public "is this account official?" checks allowed per client address per minute.
CHARTER_OFFICIAL_CHECK_LIMIT = env_int("CHARTER_OFFICIAL_CHECK_LIMIT", 30)
# Requests a directory's token may make per minute (SCIM); more get 429 with Retry-After.
CHARTER_SCIM_RATE_PER_MINUTE = env_int("CHARTER_SCIM_RATE_PER_MINUTE", 1200)
# A full HR roster may deactivate at most this share of active staff in one run unless an
# admin confirms (a truncated export must not empty the institution).
CHARTER_ROSTER_MAX_LEAVING_SHARE = float(os.environ.get("CHARTER_ROSTER_MAX_LEAVING_SHARE", "0.10"))
# API calls one token may make per minute (more get 429 with Retry-After).
CHARTER_API_RATE_PER_MINUTE = env_int("CHARTER_API_RATE_PER_MINUTE", 600)
# Acknowledgements newer than this are held back from the API until they settle, so a poller
# never skips a record whose transaction was still committing.
CHARTER_API_SETTLE_SECONDS = env_int("CHARTER_API_SETTLE_SECONDS", 0 if TESTING else 5)
# Webhook and chat addresses on private or loopback networks (and plain http) are refused
# unless this is on; tests turn it on to reach their receiver on 127.0.0.1.
CHARTER_WEBHOOKS_ALLOW_PRIVATE = env_bool("CHARTER_WEBHOOKS_ALLOW_PRIVATE", TESTING)
# Sign-in providers on this machine's loopback (plain http allowed there): the demo provider
# and the test providers run on 127.0.0.1. Honoured only with DEBUG or in tests, never in
# production, whatever the environment says.
CHARTER_SSO_ALLOW_LOOPBACK = env_bool("CHARTER_SSO_ALLOW_LOOPBACK", DEBUG or TESTING)
CHARTER_WEBHOOK_TIMEOUT_SECONDS = env_int("CHARTER_WEBHOOK_TIMEOUT_SECONDS", 10)
CHARTER_IMPORT_MAX_BYTES = env_int("CHARTER_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# Files up to this many rows are applied during the upload; larger ones by a background job.
CHARTER_IMPORT_INLINE_ROWS = env_int("CHARTER_IMPORT_INLINE_ROWS", 500)
DATA_UPLOAD_MAX_MEMORY_SIZE = CHARTER_IMPORT_MAX_BYTES + 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
