"""Settings of the Celery workers the fault tests start: the test settings, plus SMTP when the test gives
``EMAIL_URL`` (its own capturing SMTP server), so a killed worker's e-mails can be counted from outside."""

from config.settings.base import env
from config.settings.test import *  # noqa: F403

if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
    EMAIL_TIMEOUT = 5
