import logging

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def heartbeat() -> str:
    """Beat → broker → worker round trip; visible in the worker log every minute."""
    now = timezone.now().isoformat()
    logger.info("heartbeat %s", now)
    return now
