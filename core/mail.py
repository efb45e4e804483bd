"""A development e-mail backend that logs one line per message (recipients and subject), not the whole MIME text.

The embedded default (``scripts/run.sh``) sends every demo reminder through it, so the log shows that the clocks
work without drowning the first page in base64. Production uses SMTP (``EMAIL_URL``).
"""

from __future__ import annotations

import logging

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("anxin.mail")


class OneLineEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            logger.info("e-mail to %s: %s", ", ".join(message.recipients()), message.subject)
        return len(email_messages)
