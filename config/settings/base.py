"""Settings shared by every environment. Everything that differs between machines comes from the
environment through the one ``env`` below; ``.env.example`` lists every variable."""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# --- core -----------------------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY", default="insecure-local-only-key-change-me-0123456789abcdefghijklmnop")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
ADMIN_URL = env("ADMIN_URL", default="admin/")

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
    # the project's apps, bottom of the stack first
    "windows",
    "notices",
    "hukou",
    "evaluations",
    "compliance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "windows.middleware.SessionMiddleware",  # Django's; background polls do not renew it
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "windows.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "windows.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
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
                "windows.context_processors.staff",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
# Unset DATABASE_URL: the quick-start SQLite file. CI and production: postgres://...
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# The busiest reads are prepared once per connection (windows/db.py); off behind a transaction-mode pooler.
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker, rate limits -------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "windows.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- auth and sessions ----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A session ends after 30 minutes without a request (the cookie's age is renewed by every
# request) and, whatever the activity, 8 hours after sign-in (windows.middleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_LIFETIME = 8 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# django-axes: lock a username for 30 minutes after 5 failed sign-ins. The cool-off is set
# explicitly because without it a lock never expires.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# The lock lasts 30 minutes from the fifth failure; tries during the lock do not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# Locking by IP address too would lock a whole station out (its counters share one address);
# requests per address are limited by django-ratelimit on the login view instead.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Reverse proxies in front of the portal (nginx: 1). Their X-Forwarded-For gives the client's
# address for rate limits, lockouts and the security log; with 0 it is ignored.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "windows.http.client_ip"

# django-ratelimit: counters live in the default cache (Redis in production).
RATELIMIT_IP_META_KEY = "windows.http.client_ip"
RATELIMIT_VIEW = "windows.views.rate_limited"
RATELIMIT_LOGIN = env("RATELIMIT_LOGIN", default="30/m")
# Public pages and endpoints (the service guide, the self-check, the public API), per client address.
RATELIMIT_PUBLIC = env("RATELIMIT_PUBLIC", default="120/m")
# Delivery receipts pushed by the SMS providers, per client address (notices.receipts).
RATELIMIT_RECEIPTS = env("RATELIMIT_RECEIPTS", default="600/m")
# The citizens' status lookup: lookups per client address (page and API together), and failed
# lookups per case number before that number is locked for an hour (hukou.services.status).
RATELIMIT_STATUS_LOOKUP = "10/m"
STATUS_LOOKUP_FAILURES_PER_HOUR = 5

# --- citizens' personal data -------------------------------------------------------------------
# ID numbers are stored encrypted (Fernet; the first key encrypts, all of them decrypt, so a new key
# goes first and old ones stay until re-encrypted) with an HMAC for exact search. Outside production
# both are derived from SECRET_KEY; production sets its own (see production.py).
ID_NUMBER_KEYS = env.list("ID_NUMBER_KEYS", default=[])
ID_NUMBER_HASH_KEY = env("ID_NUMBER_HASH_KEY", default="")
if not ID_NUMBER_KEYS:
    ID_NUMBER_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(f"id-number:{SECRET_KEY}".encode()).digest()).decode()]
if not ID_NUMBER_HASH_KEY:
    ID_NUMBER_HASH_KEY = f"id-number-hash:{SECRET_KEY}"

# --- i18n and time --------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "windows.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "户籍窗口 portal API",
    "DESCRIPTION": "Cases, the service catalog and the organisation of police-station household-registration windows.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema documents the API; it holds no data, so it is opened on purpose.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "hukou.models.CaseStatus",
        "CaseChannelEnum": "hukou.models.Channel",
        "ServiceCategoryEnum": "hukou.models.Category",
        "LevelEnum": "evaluations.models.Level",
        "RatingChannelEnum": "evaluations.models.RatingChannel",
        "RectificationStatusEnum": "evaluations.models.RectificationStatus",
        "AppealStatusEnum": "evaluations.models.AppealStatus",
        "AppealSourceEnum": "evaluations.models.AppealSource",
        "AppealCategoryEnum": "evaluations.models.AppealCategory",
        "LeaderRoleEnum": "compliance.models.LeaderRole",
        "DayPartEnum": "compliance.models.DayPart",
        "AwardKindEnum": "compliance.models.AwardKind",
        "ReportRowKindEnum": "compliance.models.ReportRowKind",
        "UnitKindEnum": "windows.models.UnitKind",
    },
    # Swagger UI's files are served from our own static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery ---------------------------------------------------------------------------------
# With REDIS_URL the broker is Redis. Without it (the quick start), kombu's filesystem transport
# carries the messages through folders under var/, so the same worker and beat run the same jobs.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A broker that does not answer fails the publish within seconds (the outbox row waits for the
    # sweeper) instead of holding up the request that caused the message.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60, "socket_connect_timeout": 3, "socket_timeout": 5}
else:
    _queue_dir = VAR_DIR / "celery" / "queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),  # remote control (inspect, purge), not ./control
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "check-deadlines": {
        "task": "hukou.tasks.check_deadlines",
        "schedule": crontab(minute="*/15"),
    },
    "sweep-sms": {
        "task": "notices.tasks.sweep_sms",
        "schedule": crontab(),  # every minute
    },
    "invite-ratings": {
        "task": "evaluations.tasks.invite_ratings",
        "schedule": crontab(),  # every minute
    },
    "check-evaluation-deadlines": {
        "task": "evaluations.tasks.check_deadlines",
        "schedule": crontab(minute="*/15"),
    },
    "build-call-lists": {
        "task": "evaluations.tasks.build_call_lists",
        "schedule": crontab(minute=30, hour=6, day_of_month=1),
    },
    "build-monthly-reports": {
        "task": "compliance.tasks.build_monthly_reports",
        "schedule": crontab(minute=10, hour=1, day_of_month="1-3"),
    },
    "build-appeal-register": {
        "task": "compliance.tasks.build_appeal_register",
        "schedule": crontab(minute=0, hour=7),
    },
    "refresh-rollups": {
        "task": "compliance.tasks.refresh_rollups",
        "schedule": crontab(minute="*/5"),
    },
    "clear-expired-sessions": {
        "task": "windows.tasks.clear_expired_sessions",
        "schedule": crontab(minute=17, hour=3),
    },
}

# --- SMS (notices) --------------------------------------------------------------------------
# database: stored and shown on the development outbox page, nothing leaves the machine (quick start).
# aliyun / tencent: the providers' official SDKs; http: a JSON webhook of the city's own gateway.
SMS_BACKEND = env("SMS_BACKEND", default="database")
SMS_ALIYUN_ACCESS_KEY_ID = env("SMS_ALIYUN_ACCESS_KEY_ID", default="")
SMS_ALIYUN_ACCESS_KEY_SECRET = env("SMS_ALIYUN_ACCESS_KEY_SECRET", default="")
SMS_ALIYUN_SIGN_NAME = env("SMS_ALIYUN_SIGN_NAME", default="")
SMS_ALIYUN_ENDPOINT = env("SMS_ALIYUN_ENDPOINT", default="dysmsapi.aliyuncs.com")
SMS_TENCENT_SECRET_ID = env("SMS_TENCENT_SECRET_ID", default="")
SMS_TENCENT_SECRET_KEY = env("SMS_TENCENT_SECRET_KEY", default="")
SMS_TENCENT_SDK_APP_ID = env("SMS_TENCENT_SDK_APP_ID", default="")
SMS_TENCENT_SIGN_NAME = env("SMS_TENCENT_SIGN_NAME", default="")
SMS_TENCENT_REGION = env("SMS_TENCENT_REGION", default="ap-guangzhou")
SMS_TENCENT_ENDPOINT = env("SMS_TENCENT_ENDPOINT", default="sms.tencentcloudapi.com")
SMS_HTTP_URL = env("SMS_HTTP_URL", default="")
SMS_HTTP_TOKEN = env("SMS_HTTP_TOKEN", default="")
# Seconds a provider call may take before it counts as a timeout (a transient error).
SMS_TIMEOUT = env.float("SMS_TIMEOUT", default=10)
# Delivery receipts: the shared token in the receipt URL (Aliyun, Tencent) and the HMAC key of the
# webhook gateway's signature header.
SMS_RECEIPT_TOKEN = env("SMS_RECEIPT_TOKEN", default="")
SMS_HTTP_RECEIPT_SECRET = env("SMS_HTTP_RECEIPT_SECRET", default="")
# Per phone: at most 1 a minute, 5 an hour, 10 a calendar day; more wait (never dropped).
SMS_PHONE_LIMITS = {
    "minute": env.int("SMS_LIMIT_PER_MINUTE", default=1),
    "hour": env.int("SMS_LIMIT_PER_HOUR", default=5),
    "day": env.int("SMS_LIMIT_PER_DAY", default=10),
}
# Non-urgent messages are not sent from 21:00 to 08:00 (local time); they wait until 08:00. Equal hours:
# no quiet hours.
SMS_QUIET_HOURS = (env.int("SMS_QUIET_START", default=21), env.int("SMS_QUIET_END", default=8))
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=6)
SMS_RETRY_BASE_SECONDS = env.int("SMS_RETRY_BASE_SECONDS", default=30)
SMS_RETRY_MAX_SECONDS = env.int("SMS_RETRY_MAX_SECONDS", default=3600)
SMS_THROTTLED_RETRY_SECONDS = env.int("SMS_THROTTLED_RETRY_SECONDS", default=60)
# A message in "sending" this long was left by a crash; the sweeper recovers it.
SMS_SENDING_TIMEOUT = env.int("SMS_SENDING_TIMEOUT", default=300)
# A due message handed to the queue this long ago and still waiting was lost on the way; handed again.
SMS_REQUEUE_AFTER = env.int("SMS_REQUEUE_AFTER", default=300)
SMS_SWEEP_BATCH = env.int("SMS_SWEEP_BATCH", default=20000)

# --- logging --------------------------------------------------------------------------------
# "hukou.security" records every sign-in, failed sign-in, lockout and sign-out.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "hukou.security": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}

# --- citizens' documents --------------------------------------------------------------------
# The address citizens reach the portal at, e.g. https://hukou.example.gov.cn: the QR code on a receipt
# or notice opens its status lookup there. Empty: the host of the request that prints the document,
# which is right only when officers and citizens use the same address.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="")

# --- evaluations ---------------------------------------------------------------------------------
# The counter device's prompt closes unanswered after this many seconds (the transaction counts as not
# rated); a device is shown online while it polled within the last EVALUATIONS_DEVICE_ONLINE_SECONDS.
EVALUATIONS_PROMPT_SECONDS = env.int("EVALUATIONS_PROMPT_SECONDS", default=120)
EVALUATIONS_DEVICE_ONLINE_SECONDS = env.int("EVALUATIONS_DEVICE_ONLINE_SECONDS", default=15)
EVALUATIONS_PAIRING_CODE_MINUTES = env.int("EVALUATIONS_PAIRING_CODE_MINUTES", default=10)
# The SMS and online rating link (/rate/<token>/) is valid this many days, and used once.
EVALUATIONS_RATING_TOKEN_DAYS = env.int("EVALUATIONS_RATING_TOKEN_DAYS", default=7)
# Bad reviews (差评整改): verify and contact the citizen within, and rectify within, so many working days.
EVALUATIONS_CONTACT_DAYS = env.int("EVALUATIONS_CONTACT_DAYS", default=1)
EVALUATIONS_RECTIFY_DAYS = env.int("EVALUATIONS_RECTIFY_DAYS", default=5)
# Citizen appeals (群众诉求): answered within so many working days.
EVALUATIONS_APPEAL_DAYS = env.int("EVALUATIONS_APPEAL_DAYS", default=5)
# Public rating, appeal and device endpoints, per client address.
RATELIMIT_RATING = env("RATELIMIT_RATING", default="20/m")
RATELIMIT_APPEALS = env("RATELIMIT_APPEALS", default="5/h")
RATELIMIT_DEVICE = env("RATELIMIT_DEVICE", default="600/m")

# --- compliance ---------------------------------------------------------------------------------
# A window's rating coverage is flagged when it falls this much (a share, 0.2 = 20 points) below its
# previous month's, once it has at least this many completed cases in the month (a hidden device shows so).
COMPLIANCE_COVERAGE_DROP = env.float("COMPLIANCE_COVERAGE_DROP", default=0.2)
COMPLIANCE_COVERAGE_MIN_CASES = env.int("COMPLIANCE_COVERAGE_MIN_CASES", default=10)
# 服务标兵: an officer needs at least this many ratings in the month to be suggested.
COMPLIANCE_AWARD_MIN_RATINGS = env.int("COMPLIANCE_AWARD_MIN_RATINGS", default=5)
