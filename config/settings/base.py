"""Settings shared by every environment; everything that differs comes from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])

DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_celery_beat",
    "pgtrigger",
    "axes",
]
# Order matters: an app may import only from apps listed before it (DESIGN.md).
LOCAL_APPS = [
    "core",
    "accounts",
    "notifications",
    "marketplace",
    "inspections",
    "contracts",
    "warranty",
    "complaints",
    "surveys",
    "insights",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Anonymous pages from the cache (core/pagecache.py): below the header and CSRF middleware, so a cached page
    # still gets its security headers and its own CSRF token; above authentication, so a hit costs little.
    "core.pagecache.PageCacheMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout flagged during the request into the lockout page
]
# Signed-in pages read the session from Redis (written through to the database), not from a table per request.
if env("REDIS_URL", default=""):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# One switch for the page cache and the fragment caches (cards). They need a cache shared by every process.
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE_ENABLED", default=bool(env("REDIS_URL", default="")))
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
PAGE_CACHE_PREFIX = env("PAGE_CACHE_PREFIX", default="anxin:")

# Content Security Policy (Django 6 built-in): scripts only from our origin or with the per-request nonce.
# Inline style attributes are allowed (progress bars, chart sizes); inline scripts are not.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_notifications",
                "core.context_processors.page_cache_csrf",
            ],
        },
    },
    {
        # The hot pages and the site frame (core/jinja.py): root jinja2/ and each app's jinja2/ folder.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "config.jinja2.environment", "auto_reload": DEBUG, "autoescape": True},
    },
]

# Database roles (DESIGN.md "Database roles", scripts/db_roles.sql). DATABASE_URL is the role the app runs as:
# on PostgreSQL one that owns nothing and is not a superuser, so it cannot switch off the triggers that keep
# signed contracts and published reports unchanged. DATABASE_OWNER_URL, the same database as the role that
# owns it, is given only to the release step: with it, `manage.py migrate` connects as the owner
# (core/management/commands/migrate.py) and then grants the app role its data rights. Nothing else uses it.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default has a web process and a Celery worker writing to one file: take the write lock
    # at BEGIN (no "database is locked" on a read→write upgrade), wait for it, and let readers use WAL.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DATABASE_OWNER = env.db("DATABASE_OWNER_URL") if env("DATABASE_OWNER_URL", default="") else None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# Login throttling (django-axes): AxesStandaloneBackend first refuses a locked-out username+IP pair; ModelBackend
# does the real check. Code that logs a user in without authenticate() must pass backend=... (two backends).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"  # templates/registration/lockout.html, HTTP 429
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_ip"
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)  # reverse proxies that append X-Forwarded-For
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password1", "password2", "old_password", "new_password1", "new_password2"]
AXES_SENSITIVE_PARAMETERS += ["id_number", "phone", "typed_name"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: English and Simplified Chinese, Asia/Shanghai, CNY.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One DATE_FORMAT / DATETIME_FORMAT per language for every page (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
CURRENCY = "CNY"
RESERVATION_HOURS = env.int("RESERVATION_HOURS", default=48)  # a reservation lapses unless both parties sign in time

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Reject request bodies larger than this before Django reads them (photos are checked again per file).
DATA_UPLOAD_MAX_MEMORY_SIZE = 15 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_IMAGE_UPLOAD_BYTES = env.int("MAX_IMAGE_UPLOAD_BYTES", default=10 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# E-mail: SMTP when configured (EMAIL_URL=smtp://user:pass@host:587/?tls=True); otherwise one log line per
# message (recipients, subject) — see core/mail.py.
if env("EMAIL_URL", default=""):
    EMAIL_CONFIG = env.email_url("EMAIL_URL")
    vars().update(EMAIL_CONFIG)
else:
    EMAIL_BACKEND = "core.mail.OneLineEmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Anxin Auto <noreply@anxin-auto.example>")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A dead Redis must fail fast, never hang a request.
            "OPTIONS": {"socket_connect_timeout": 3, "socket_timeout": 3},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport (no server needed).
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redelivery of a message a lost worker had reserved but not started (clock tasks are acknowledged
        # when they start, core/tasks.py). Above the hard time limit (300 s) and every retry countdown (≤ 300 s),
        # so nothing still running or waiting for its eta is delivered twice; low enough to come back soon.
        "visibility_timeout": env.int("CELERY_BROKER_VISIBILITY_TIMEOUT", default=600),
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
        # A publisher tries a dead broker once instead of looping for CELERY_BROKER_CONNECTION_TIMEOUT
        # (measured: ~6 s per publish without this); the outbox keeps what could not be sent.
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Apps add their periodic tasks here; django-celery-beat copies them into the admin-editable tables.
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "core.tasks.heartbeat", "schedule": 60.0},
    # Issue #5 — the clocks. Deadlines live in the database; these sweeps find what is due (indexed,
    # in batches, under a lock) and notify with dedupe keys, so a late, repeated or overlapping run is harmless.
    "outbox-relay": {"task": "core.tasks.outbox_relay", "schedule": 30.0},
    "pending-emails": {"task": "notifications.tasks.send_pending_emails", "schedule": 120.0},
    "complaints-sla-sweep": {"task": "complaints.tasks.complaint_sla_sweep_task", "schedule": 300.0},
    "warranty-sla-sweep": {"task": "warranty.tasks.warranty_sla_sweep_task", "schedule": 300.0},
    "reservation-expiry": {"task": "contracts.tasks.order_expire_reservations_task", "schedule": 900.0},
    "guarantee-clocks": {"task": "warranty.tasks.guarantee_clock_sweep_task", "schedule": crontab(hour=9, minute=0)},
    "surveys-sweep": {"task": "surveys.tasks.survey_schedule_sweep_task", "schedule": crontab(minute=7)},
    "dealer-scores": {"task": "insights.tasks.dealer_scores_task", "schedule": crontab(hour=2, minute=30)},
    "price-assessments": {"task": "insights.tasks.price_assessments_task", "schedule": crontab(hour=2, minute=45)},
    # Issue #19 — saved-search alerts and digests, viewing reminders, the end of "reduced" on cards.
    "saved-search-alerts": {"task": "marketplace.tasks.saved_search_sweep_task", "schedule": 60.0},
    "saved-search-digests": {"task": "marketplace.tasks.saved_search_digest_task", "schedule": crontab(hour=8, minute=0)},
    "appointment-reminders": {"task": "marketplace.tasks.appointment_reminders_task", "schedule": 120.0},
    "price-drops-expire": {"task": "marketplace.tasks.price_drops_expire_task", "schedule": crontab(hour=3, minute=15)},
}
# A starting worker runs the sweeps once (config/celery.py) instead of waiting for the first interval.
CELERY_SWEEPS_ON_WORKER_START = env.bool("CELERY_SWEEPS_ON_WORKER_START", default=True)
# Tasks killed by a lost broker connection are redelivered, not run twice side by side.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # weasyprint and fontTools report every font subset and layout step at INFO: PDFs stay quiet.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
