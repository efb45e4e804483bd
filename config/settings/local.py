"""Local development: the embedded default (SQLite + filesystem broker) unless the environment says otherwise."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
TEMPLATES[1]["OPTIONS"]["auto_reload"] = DEBUG  # noqa: F405 - edited Jinja templates show without a restart
