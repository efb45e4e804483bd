"""Staff-editable SLA deadlines per category and priority."""

from __future__ import annotations

from django.contrib import admin

from ..models import SlaPolicy

DEADLINE_FIELDS = (
    "ack_working_days",
    "response_working_days",
    "resolve_working_days",
    "reopen_working_days",
    "reminder_lead_hours",
)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ("category", "priority", *DEADLINE_FIELDS)
    list_editable = DEADLINE_FIELDS
    list_filter = ("category", "priority")
    ordering = ("category", "priority")
