from django import template

from complaints.formatting import format_deadline
from complaints.models import Complaint

register = template.Library()

Status = Complaint.Status
STATUS_COLOURS = {
    Status.NEW: "primary",
    Status.ACKNOWLEDGED: "info",
    Status.INVESTIGATING: "info",
    Status.RESOLUTION_PROPOSED: "warning",
    Status.ESCALATED: "danger",
    Status.REOPENED: "warning",
    Status.RESOLVED: "success",
    Status.CLOSED: "secondary",
}


@register.filter
def complaint_status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@register.filter
def deadline(moment) -> str:
    """'Wed 26 Nov 18:00' in Asia/Shanghai."""
    return format_deadline(moment)
