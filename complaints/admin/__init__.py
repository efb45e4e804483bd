"""Complaints in the Django admin. Importing this package registers every model admin (autodiscover does).

``complaint`` (the queue and the change page), ``forms`` (the change page's form), ``filters``, ``inlines``,
``display`` (badges, durations), ``escalations`` (the supervisors' page), ``sla_policy``, ``attachments``.
"""

from .attachments import ComplaintAttachmentAdmin
from .complaint import ComplaintAdmin
from .sla_policy import SlaPolicyAdmin

__all__ = ["ComplaintAdmin", "ComplaintAttachmentAdmin", "SlaPolicyAdmin"]
