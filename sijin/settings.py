"""Sijin settings. Everything comes from the environment, read once here.

With nothing set, the SQLite database, uploads and a generated secret key live under ``var/``.
"""

import contextlib
import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SIJIN_VAR_DIR", BASE_DIR.parent / "var")).resolve()


# var/ holds case data (the SQLite file, uploads, exports, the secret key): this system user's only. A directory
# or file that cannot be made is left to `sijin check` and `sijin serve`, which say so with advice.
def _private_dir(path: Path) -> Path:
    """Create ``path`` with mode 0700 if it is missing."""
    if not path.is_dir():
        try:
            path.mkdir(mode=0o700, parents=True)
            path.chmod(0o700)  # mkdir's mode passes through the umask
        except OSError:
            pass
    return path


def _private_file(path: str) -> str:
    """Create the SQLite file 0600 before SQLite does (it follows the umask, usually 0644); its -wal and -shm
    files take the database file's mode."""
    if not os.path.exists(path):
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


_private_dir(VAR_DIR)


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def _env_bool(name: str, default: bool = False) -> bool:
    """A yes/no variable; unset or empty → ``default``. A typo stops the start-up instead of meaning “off”."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"环境变量 {name}={os.environ[name]!r} 无法识别:开启请写 {'/'.join(TRUE_WORDS)},"
        f"关闭请写 {'/'.join(FALSE_WORDS)}(不区分大小写;不设或留空为{'开启' if default else '关闭'})。"
    )


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    """A whole-number variable (a port, a worker count); unset or empty → ``default``."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ImproperlyConfigured(
            f"环境变量 {name}={os.environ[name]!r} 应为不小于 {minimum} 的整数(不设或留空为 {default})。"
        )
    return number


def _secret_key() -> str:
    if value := os.environ.get("SIJIN_SECRET_KEY"):
        return value
    if path := os.environ.get("SIJIN_SECRET_KEY_FILE"):
        return Path(path).read_text().strip()
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        try:
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise ImproperlyConfigured(
                f"无法写入密钥文件 {key_file}:{exc.strerror}。建议:确认数据目录 SIJIN_VAR_DIR 存在且可写,"
                "或用 SIJIN_SECRET_KEY_FILE 指定密钥文件。"
            ) from exc
        with os.fdopen(descriptor, "w") as key:
            key.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("SIJIN_DEBUG")
ALLOWED_HOSTS = [h for h in os.environ.get("SIJIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("SIJIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "sijin.core",
    "sijin.accounts",
    "sijin.directory",
    "sijin.campaigns",
    "sijin.fieldwork",
    "sijin.problems",
    "sijin.tallies",
    "sijin.reports",
    "sijin.open311",
    "sijin.desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sijin.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sijin.core.middleware.SessionLimitsMiddleware",
    "sijin.accounts.middleware.AccountGuardMiddleware",
    "sijin.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into the login page
]

ROOT_URLCONF = "sijin.urls"
WSGI_APPLICATION = "sijin.wsgi.application"

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
                "sijin.desk.context.menu",
            ],
        },
    }
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # No JIT compiling: the pages' statements take milliseconds, and compiling one that PostgreSQL guesses
        # costly (a sum over a city's outcomes) adds 15-70 ms to it. A URL's own ?options=… wins.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _private_file(os.environ.get("SIJIN_SQLITE_PATH", str(VAR_DIR / "sijin.sqlite3"))),
            "OPTIONS": {
                # WAL lets readers go on while one process writes; IMMEDIATE avoids lock upgrades.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Identity (等保 level 3): see README, "Security". Permissions in the admin site come from role grants.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "sijin.accounts.backends.RoleBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "first_name", "last_name", "email")},
    },
    {"NAME": "sijin.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "sijin.accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
]
SIJIN_PASSWORD_MAX_AGE_DAYS = _env_int("SIJIN_PASSWORD_MAX_AGE_DAYS", 0)  # 0: passwords do not expire
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Sessions end after SIJIN_SESSION_IDLE_MINUTES without a request, and SIJIN_SESSION_MAX_HOURS after the login
# whatever happens (sijin.core.middleware.SessionLimitsMiddleware); the cookie dies with the browser.
SIJIN_SESSION_IDLE_MINUTES = _env_int("SIJIN_SESSION_IDLE_MINUTES", 30, minimum=1)
SIJIN_SESSION_MAX_HOURS = _env_int("SIJIN_SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = SIJIN_SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login lockout (django-axes): SIJIN_LOGIN_FAILURE_LIMIT failures, each within SIJIN_LOGIN_LOCKOUT_MINUTES of the
# last, lock the username and throttle the client address for that long; the security admin can unlock.
AXES_FAILURE_LIMIT = _env_int("SIJIN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("SIJIN_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "sijin.accounts.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "sijin.accounts.auth.client_address"
AXES_DISABLE_ACCESS_LOG = True  # logins are in the audit log
AXES_ENABLE_ADMIN = False  # unlocking is the security admin's action on the user page (audited)
AXES_VERBOSE = False
# Behind nginx the client's address is the last of X-Forwarded-For that the SIJIN_PROXY_COUNT proxies added.
SIJIN_PROXY_COUNT = _env_int("SIJIN_PROXY_COUNT", 0)

# Second factor (django-otp, TOTP): offered to the three administrators and the office; required of them when
# SIJIN_REQUIRE_2FA is on.
SIJIN_REQUIRE_2FA = _env_bool("SIJIN_REQUIRE_2FA")
OTP_TOTP_ISSUER = "四进"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
_private_dir(STATIC_ROOT)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploads live outside the web root and are served only through views that check scope.
MEDIA_ROOT = _private_dir(Path(os.environ.get("SIJIN_MEDIA_ROOT", VAR_DIR / "media")))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
SIJIN_PHOTO_MAX_PIXELS = _env_int("SIJIN_PHOTO_MAX_PIXELS", 40_000_000, minimum=1)  # more is refused
DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024

TASKS = {"default": {"BACKEND": os.environ.get("SIJIN_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}}
# A background export whose task has not reported for this many seconds is taken for dead (reports.tasks).
SIJIN_TASK_LEASE = _env_int("SIJIN_TASK_LEASE", 120, minimum=10)
# An Excel import of more rows than this runs as a background job, written in batches (reports.imports).
SIJIN_IMPORT_INLINE_ROWS = _env_int("SIJIN_IMPORT_INLINE_ROWS", 2000, minimum=1)

EMAIL_BACKEND = os.environ.get("SIJIN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("SIJIN_EMAIL_HOST", "localhost")
EMAIL_PORT = _env_int("SIJIN_EMAIL_PORT", 25, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("SIJIN_FROM_EMAIL", "sijin@localhost")
# Notifications by mail link to the site at this address (https://sijin.example.gov.cn); unset: bare paths.
SIJIN_SITE_URL = os.environ.get("SIJIN_SITE_URL", "").strip().rstrip("/")


# Web Push (VAPID): the server's key pair. SIJIN_VAPID_PRIVATE_KEY_FILE (a PEM file) with its
# SIJIN_VAPID_PUBLIC_KEY (base64url, as browsers take it); with neither set, a pair is generated into var/ the first
# time one is needed (sijin.core.webpush.vapid_keys), not at start-up.
SIJIN_VAPID_PRIVATE_KEY_FILE = os.environ.get("SIJIN_VAPID_PRIVATE_KEY_FILE", "").strip()
SIJIN_VAPID_PUBLIC_KEY = os.environ.get("SIJIN_VAPID_PUBLIC_KEY", "").strip()
# Who runs the push sender, for the push services to write to: a mailto: or https: address.
SIJIN_VAPID_SUBJECT = os.environ.get("SIJIN_VAPID_SUBJECT", "").strip() or f"mailto:{DEFAULT_FROM_EMAIL}"

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# HTTPS (SIJIN_SECURE_COOKIES=1) is served the way README's "Deployment" shows: nginx terminates TLS and passes
# each request to gunicorn on 127.0.0.1 over plain HTTP, setting `X-Forwarded-Proto $scheme` (and so
# overwriting whatever a client sent). Django trusts that header to tell an HTTPS request, redirects any other
# to HTTPS, sends HSTS and marks its cookies Secure. `manage.py check --deploy` passes with no warning (.ci/run).
HTTPS = _env_bool("SIJIN_SECURE_COOKIES")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = _env_int("SIJIN_HSTS_SECONDS", 365 * 24 * 3600) if HTTPS else 0
# The site's own subdomains too; turn off if the site is served at a domain whose other subdomains have no TLS.
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SIJIN_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading is the choice of whoever owns the registrable domain (and submits it to the browsers' list), not of
# one application on a subdomain: off unless SIJIN_HSTS_PRELOAD=1, and check --deploy's reminder that it is off
# (security.W021) silenced.
SECURE_HSTS_PRELOAD = _env_bool("SIJIN_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_LEVEL = os.environ.get("SIJIN_LOG_LEVEL", "").strip().upper() or "WARNING"
if LOG_LEVEL not in LOG_LEVELS:
    raise ImproperlyConfigured(f"环境变量 SIJIN_LOG_LEVEL 应为 {'/'.join(LOG_LEVELS)} 之一(不设为 WARNING)。")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# ``sijin serve`` (gunicorn): the address to listen on and the number of worker processes.
SIJIN_BIND = os.environ.get("SIJIN_BIND", "127.0.0.1:8000")
SIJIN_WORKERS = _env_int("SIJIN_WORKERS", 2, minimum=1)

# 安全审计: `sijin sweep` deletes audit rows older than this many days (0 keeps them forever; 等保 asks ≥ 180).
SIJIN_AUDIT_RETENTION_DAYS = _env_int("SIJIN_AUDIT_RETENTION_DAYS", 365)
if 0 < SIJIN_AUDIT_RETENTION_DAYS < 180:
    raise ImproperlyConfigured(
        "环境变量 SIJIN_AUDIT_RETENTION_DAYS 应为 0(永久保留)或不小于 180 的天数(不设为 365)。"
    )

SIJIN_APP_NAME = _("四进")

# The JSON API (/api/v1/): requests per personal token per fixed window, "<count>/<second|minute|hour|day>".
_RATE_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def _api_rate(value: str) -> tuple[int, int]:
    count, _sep, unit = value.strip().partition("/")
    if not (count.strip().isdigit() and int(count) > 0 and unit.strip() in _RATE_UNITS):
        raise ImproperlyConfigured(
            f"环境变量 SIJIN_API_RATE={value!r} 应形如 600/minute(单位 second、minute、hour 或 day)。"
        )
    return int(count), _RATE_UNITS[unit.strip()]


SIJIN_API_RATE = _api_rate(os.environ.get("SIJIN_API_RATE", "") or "600/minute")
