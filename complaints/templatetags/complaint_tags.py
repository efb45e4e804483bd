from django import template

from complaints.services import format_deadline

register = template.Library()

STATUS_COLOURS = {
    "new": "primary",
    "acknowledged": "info",
    "investigating": "info",
    "resolution_proposed": "warning",
    "escalated": "danger",
    "reopened": "warning",
    "resolved": "success",
    "closed": "secondary",
}


@register.filter
def complaint_status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, "secondary")


@register.filter
def deadline(moment) -> str:
    """'Wed 26 Nov 18:00' in Asia/Shanghai."""
    return format_deadline(moment)
