"""Production settings plus a hello-world route, for the benchmark only (``bench/run.py``).

gunicorn serves ``bench.urls``: the project's own URLs and ``/bench/hello/``, so the reference view
runs through exactly the same middleware, worker class and database settings as the pages measured.
"""

import os

from config.settings.production import *  # noqa: F403
from config.settings.production import env

ROOT_URLCONF = "bench.urls"

# collectstatic output for the manifest storage of production settings, outside the repository.
STATIC_ROOT = env.path("BENCH_STATIC_ROOT", default="/tmp/anxin_bench/static")  # noqa: S108

# Celery publishes into memory: the sweep's messages are counted (``after_task_publish``), never delivered
# to a real queue, and the project's var/celery stays untouched.
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BENCH_LOG_LEVEL", "WARNING")},
}

# Same manifest lookups at run time as production's whitenoise storage, without compressing every file
# at collectstatic (a minute on this machine) — the pages measured never serve static files themselves.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}  # noqa: F405
