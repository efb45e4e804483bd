"""Test settings: fast hashing, locmem e-mail, eager Celery unless a test starts a real worker."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# Sweep locks on SQLite are files: one private folder per test process, so parallel runs never collide.
LOCK_DIR = Path(tempfile.mkdtemp(prefix="anxin-test-locks-"))
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# With both roles configured (.ci/run: DATABASE_URL = app role, DATABASE_OWNER_URL = owner), the suite runs as
# the owner — it creates the test database and migrates it — and tests/security/test_immutability.py connects
# to that test database as the app role (APP_DATABASE) to try every way of changing a signed record.
APP_DATABASE = dict(DATABASES["default"])  # noqa: F405
if DATABASE_OWNER:  # noqa: F405
    DATABASES["default"].update(USER=DATABASE_OWNER["USER"], PASSWORD=DATABASE_OWNER["PASSWORD"])  # noqa: F405
    DATABASE_OWNER = None
LANGUAGE_CODE = "en"
# Axes stays on (login throttling is tested); only the test client's request-less client.login() is let through.
AUTHENTICATION_BACKENDS = ["accounts.throttle.TestClientAxesBackend", "django.contrib.auth.backends.ModelBackend"]
# Don't scan STATIC_ROOT when each test client starts (a concurrent collectstatic, e.g. the benchmark, races it).
WHITENOISE_AUTOREFRESH = True
# Pages are never served from a cache shared between tests; the page-cache tests switch it on themselves.
PAGE_CACHE_ENABLED = False
