"""Settings for the consent portal, read from environment variables (12-factor).

Every variable has a safe development default; production sets at least SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL, CELERY_BROKER_URL and the EMAIL_* variables, with DEBUG off.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean, not {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # DEBUG only.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # nosec B105
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "consent_portal.apps.PortalAdminConfig",  # django.contrib.admin (consent_portal/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "django_celery_beat",
    "accounts",
    "consents",
    "benchmarks",  # `manage.py generate_board`: the generated board the benchmarks run on
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "consent_portal.middleware.RejectNullCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "consent_portal.middleware.PrivacyHeadersMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.AbsoluteSessionLimitMiddleware",
    "consents.middleware.MfaRequiredMiddleware",
    "accounts.middleware.KnownDeviceMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "consent_portal.urls"
WSGI_APPLICATION = "consent_portal.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
    {
        # Only for hot loops (the (G)MR report's tables): see consent_portal/jinja2.py.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "consent_portal.jinja2.environment",
            "autoescape": True,
            "trim_blocks": True,
            "lstrip_blocks": True,
        },
    },
]

# DATABASE_URL unset: the embedded default, a SQLite file. Set: PostgreSQL in production.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: the portal's queries are short, and PostgreSQL judges by its
        # cost estimate. The library's "may go on" (45 ms) was compiled for 1.7 s.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# Accounts: login by an emailed one-time code; only addresses the school registered exist.
ACCOUNT_LOGIN_METHODS = {"email"}
# Sign-up is closed (accounts/adapter.py); "password1" keeps the password field for staff.
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 5
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
# Confirm who you are again before changing how you log in: a password, a second factor or an
# email address (allauth asks whenever the last login or confirmation is over 5 minutes old).
# Each account confirms the way it logs in: staff with their password or second factor,
# parents and students with a fresh code sent to their verified address, which is exactly
# what their login proves. Code-only accounts never change their address here
# (accounts/views.py): the school registered it.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_METHODS = ("password", "code", "mfa")
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_FORMS = {"request_login_code": "accounts.forms.RequestLoginCodeForm"}
# Eight digits, shown as 1234-5678; the dash is optional when typing it in.
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 8, "dashed": True}
# Rate limits that slow an attacker down without locking a real parent out (docs/security.md):
# there is no account lock-out at all, every limit is a short sliding window, and the
# per-address cap does not apply to a browser that logged in with that address before.
ACCOUNT_RATE_LIMITS = {
    "request_login_code": "20/m/ip",
    "request_login_code_address_ip": "5/10m/key",
    "request_login_code_address": "10/h/key",
    "login_failed": "10/m/ip,5/5m/key",
}
# Behind a reverse proxy: how many proxies append to X-Forwarded-For (rate limits count the
# client's address, not the proxy's).
ALLAUTH_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
KNOWN_DEVICE_COOKIE_DAYS = envint("KNOWN_DEVICE_COOKIE_DAYS", 365)
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

SESSION_COOKIE_AGE = envint("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = envint("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Rate limits live in the cache: set CACHE_URL (redis://...) when more than one process serves.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, not {CACHE_URL!r}")

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "nl")
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
if DEBUG:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded evidence (scanned forms) lives outside any public URL.
MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))


def library_s3_options() -> dict:
    """django-storages' S3Storage options for the library's bucket (LIBRARY_S3_*): private
    objects, never overwritten, optionally encrypted at rest by the provider."""
    bucket = os.environ.get("LIBRARY_S3_BUCKET", "")
    if not bucket:
        raise ImproperlyConfigured("LIBRARY_STORAGE=s3 needs LIBRARY_S3_BUCKET")
    encryption = os.environ.get("LIBRARY_S3_ENCRYPTION", "")
    if encryption not in ("", "AES256", "aws:kms"):
        raise ImproperlyConfigured(
            f"LIBRARY_S3_ENCRYPTION must be AES256 or aws:kms, not {encryption!r}"
        )
    addressing = os.environ.get("LIBRARY_S3_ADDRESSING_STYLE", "")
    if addressing not in ("", "path", "virtual"):
        raise ImproperlyConfigured(
            f"LIBRARY_S3_ADDRESSING_STYLE must be path or virtual, not {addressing!r}"
        )
    at_rest = {"ServerSideEncryption": encryption} if encryption else {}
    if encryption == "aws:kms" and os.environ.get("LIBRARY_S3_KMS_KEY_ID"):
        at_rest["SSEKMSKeyId"] = os.environ["LIBRARY_S3_KMS_KEY_ID"]
    return {
        "bucket_name": bucket,
        # Empty: Amazon S3 itself; set for MinIO, Scaleway, OVHcloud and other S3 stores.
        "endpoint_url": os.environ.get("LIBRARY_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("LIBRARY_S3_REGION") or None,
        # Empty: boto3 finds credentials itself (AWS_* variables, an instance role).
        "access_key": os.environ.get("LIBRARY_S3_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("LIBRARY_S3_SECRET_ACCESS_KEY") or None,
        "addressing_style": addressing or None,
        "signature_version": "s3v4",
        "default_acl": "private",
        "object_parameters": at_rest,
        # A name already taken gets a new one; a stored photo is never replaced.
        "file_overwrite": False,
        # The views stream the files and LibraryStorage.url() raises; should anything still
        # ask the backend for a URL, it is signed and short-lived, never public.
        "querystring_auth": True,
        "querystring_expire": 60,
        "custom_domain": None,
    }


# The photo library (issue 23): private files per school, served only by the library's views
# (role, school, verdict, access log). LIBRARY_STORAGE is "filesystem" (the default: the
# private filesystem under PRIVATE_MEDIA_ROOT/library), "s3" (an S3-compatible bucket through
# django-storages, configured by LIBRARY_S3_*; docs/library.md) or a storage backend's path.
LIBRARY_STORAGE = os.environ.get("LIBRARY_STORAGE", "") or "filesystem"
if LIBRARY_STORAGE in ("filesystem", "django.core.files.storage.FileSystemStorage"):
    # No location: it follows MEDIA_ROOT (the private root), also when a test changes it.
    STORAGES["library"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"base_url": "/no-public-url/"},
    }
elif LIBRARY_STORAGE in ("s3", "storages.backends.s3.S3Storage"):
    STORAGES["library"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": library_s3_options(),
    }
else:
    STORAGES["library"] = {"BACKEND": LIBRARY_STORAGE}
LIBRARY_MAX_BYTES = envint("LIBRARY_MAX_BYTES", 25 * 1024 * 1024)
# Larger images are refused (a decompression bomb costs memory, not upload size).
LIBRARY_MAX_PIXELS = envint("LIBRARY_MAX_PIXELS", 60_000_000)
LIBRARY_THUMBNAIL_PIXELS = envint("LIBRARY_THUMBNAIL_PIXELS", 480)
# Short videos (MP4/MOV with H.264 or HEVC, WebM): checked with ffprobe and remuxed by ffmpeg
# without metadata (consents/library/videos.py). Without the two programs videos are refused.
LIBRARY_MAX_VIDEO_BYTES = envint("LIBRARY_MAX_VIDEO_BYTES", 200 * 1024 * 1024)
LIBRARY_MAX_VIDEO_SECONDS = envint("LIBRARY_MAX_VIDEO_SECONDS", 5 * 60)
LIBRARY_FFMPEG = os.environ.get("LIBRARY_FFMPEG", "ffmpeg")
LIBRARY_FFPROBE = os.environ.get("LIBRARY_FFPROBE", "ffprobe")
# Administrators' uploads and exports (issue 6).
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 20 * 1024 * 1024)
# What an import file may unpack to and hold, checked before and while it is read, so that a
# small zip bomb cannot keep a web worker busy. Sized for the largest board we design for
# (50,000 students, 90,000 guardians, 6,000 staff): its students sheet unpacks to 43 MB, and a
# OneRoster users.csv lists 146,000 people.
IMPORT_MAX_UNPACKED_BYTES = envint("IMPORT_MAX_UNPACKED_BYTES", 100 * 1024 * 1024)
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 200_000)
SCAN_MAX_BYTES = envint("SCAN_MAX_BYTES", 10 * 1024 * 1024)
# Exports with more rows than this are produced in the background by a Celery task.
EXPORT_SYNC_MAX_ROWS = envint("EXPORT_SYNC_MAX_ROWS", 5000)
# Finished background exports are deleted after this many hours.
EXPORT_KEEP_HOURS = envint("EXPORT_KEEP_HOURS", 48)
# The (G)MR report recounts the running school year at most this often.
REPORT_CACHE_SECONDS = envint("REPORT_CACHE_SECONDS", 15 * 60)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Toestemming <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis in production; without CELERY_BROKER_URL a serverless filesystem broker.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
REDIS_VISIBILITY_TIMEOUT = envint("CELERY_VISIBILITY_TIMEOUT", 3600)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("out", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Retries are scheduled well inside the visibility timeout so none is redelivered early.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": REDIS_VISIBILITY_TIMEOUT}
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Issue 6: erase people after the retention period.
    "retention": {"task": "consents.tasks.retention_run", "schedule": crontab(hour=3, minute=15)},
    # Issue 7: count the running year for the (G)MR report again before the counts expire
    # (every two thirds of REPORT_CACHE_SECONDS), so that no reader waits for the counting
    # (seconds for a whole board).
    "report-snapshots": {
        "task": "consents.tasks.report_snapshots_refresh",
        "schedule": REPORT_CACHE_SECONDS * 2 / 3,
    },
    # Issue 7: keep the stored verdicts of the register and the report up to date.
    "verdicts-refresh": {"task": "consents.tasks.verdicts_refresh", "schedule": 60.0},
}

# Campaign emails go through an outbox (consents/campaigns/planning.py). A failed send is
# retried after OUTBOX_RETRY_SECONDS, doubling each time up to OUTBOX_RETRY_MAX_SECONDS, at
# most OUTBOX_MAX_ATTEMPTS attempts; then the message is marked failed with the error.
OUTBOX_MAX_ATTEMPTS = envint("OUTBOX_MAX_ATTEMPTS", 5)
OUTBOX_RETRY_SECONDS = envint("OUTBOX_RETRY_SECONDS", 60)
OUTBOX_RETRY_MAX_SECONDS = envint("OUTBOX_RETRY_MAX_SECONDS", 1800)
# The sweeper publishes rows never handed to the broker after OUTBOX_SWEEP_AFTER_SECONDS, rows
# the broker lost after OUTBOX_REDELIVER_AFTER_SECONDS, and takes back rows whose worker died
# while sending after OUTBOX_SENDING_LEASE_SECONDS (well above EMAIL_TIMEOUT).
OUTBOX_SWEEP_AFTER_SECONDS = envint("OUTBOX_SWEEP_AFTER_SECONDS", 120)
OUTBOX_REDELIVER_AFTER_SECONDS = envint("OUTBOX_REDELIVER_AFTER_SECONDS", 2 * 3600)
OUTBOX_SENDING_LEASE_SECONDS = envint("OUTBOX_SENDING_LEASE_SECONDS", 900)
# People per chunk when a campaign step is planned: bounds the planner's memory.
CAMPAIGN_CHUNK_SIZE = envint("CAMPAIGN_CHUNK_SIZE", 500)
if OUTBOX_RETRY_MAX_SECONDS >= REDIS_VISIBILITY_TIMEOUT:
    # Redis holds a task with a countdown unacknowledged; past the visibility timeout it would
    # hand the same task to a second worker.
    raise ImproperlyConfigured(
        "OUTBOX_RETRY_MAX_SECONDS must be shorter than CELERY_VISIBILITY_TIMEOUT"
    )

# Production hardening (DEBUG off): `manage.py check --deploy` reports nothing.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy without 'unsafe-inline': scripts and styles come from files only.
# Violations are reported to CSP_REPORT_PATH (consent_portal/csp_reports.py): by report-to
# where the browser supports it (the Reporting-Endpoints header names the endpoint, in
# consent_portal/middleware.py), otherwise by report-uri.
CSP_REPORT_PATH = "/csp-report/"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        "report-to": "csp-endpoint",
        "report-uri": [CSP_REPORT_PATH],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Email addresses are masked in everything written (consent_portal/log_filters.py).
    "filters": {
        "redact": {"()": "consent_portal.log_filters.RedactEmailAddresses"},
        "database_outage": {"()": "consent_portal.errors.DatabaseOutageWithoutTraceback"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # A database outage is one line per request (consent_portal/errors.py).
        "django.request": {"filters": ["database_outage"]},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
