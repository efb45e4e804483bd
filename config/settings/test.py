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
LANGUAGE_CODE = "en"
# Axes stays on (login throttling is tested); only the test client's request-less client.login() is let through.
AUTHENTICATION_BACKENDS = ["accounts.throttle.TestClientAxesBackend", "django.contrib.auth.backends.ModelBackend"]
# Don't scan STATIC_ROOT when each test client starts (a concurrent collectstatic, e.g. the benchmark, races it).
WHITENOISE_AUTOREFRESH = True
