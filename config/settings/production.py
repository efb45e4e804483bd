"""Production: PostgreSQL, Redis, gunicorn behind a TLS-terminating reverse proxy.

Required environment: DJANGO_SECRET_KEY (>= 50 random characters), DJANGO_ALLOWED_HOSTS.
Usual: DATABASE_URL, REDIS_URL, EMAIL_URL, SITE_URL, DJANGO_MEDIA_URL (see below).
`python manage.py check --deploy --fail-level WARNING` passes with these settings (tests/security/test_settings.py).

Database roles (DESIGN.md "Database roles", scripts/db_roles.sql): DATABASE_URL is the app role — it owns
nothing and is not a superuser, so the triggers that keep signed contracts and published reports unchanged
hold against anything the app sends. The release step alone also gets DATABASE_OWNER_URL (the same
database as its owner role) and runs `manage.py migrate`, which then connects as the owner and grants the
app role its data rights. Web processes and workers never get DATABASE_OWNER_URL.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set in the environment for production settings "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
if not env("DJANGO_ALLOWED_HOSTS", default=""):
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the site's host names (comma-separated) for production settings.")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if DATABASE_OWNER and DATABASE_OWNER.get("USER") == DATABASES["default"].get("USER"):  # noqa: F405
    raise ImproperlyConfigured(
        "DATABASE_URL must connect as the app role and DATABASE_OWNER_URL as the owner role: two different roles "
        "(scripts/db_roles.sql creates them)."
    )
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS: the proxy terminates TLS and sets X-Forwarded-Proto. DJANGO_SECURE_SSL_REDIRECT=false only for
# loopback load tests (scripts/loadtest.sh), never on a public host.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP inside the network
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Uploaded media: serve from a separate, cookieless origin so that even a file that slipped past the checks
# can never run script with the site's cookies. Set DJANGO_MEDIA_URL=https://media.example.com/media/ and
# point that host's reverse-proxy location at gunicorn's /media/ (core.media.serve_media adds forced
# content types, nosniff, `Content-Disposition: attachment` for non-images and `CSP: default-src 'none';
# sandbox`). Without it, media is served from /media/ on the site's own origin with the same headers.
MEDIA_URL = env("DJANGO_MEDIA_URL", default="/media/")

STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405

TEMPLATES[0]["APP_DIRS"] = False  # noqa: F405
TEMPLATES[0]["OPTIONS"]["loaders"] = [  # noqa: F405
    (
        "django.template.loaders.cached.Loader",
        ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"],
    )
]
