"""The complaint queue's side filters: SLA state, who handles it, open or done."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ..models import Complaint
from .display import SLA_STATES


class SlaStateFilter(admin.SimpleListFilter):
    title = _("SLA state")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _css) in SLA_STATES.items()]

    def queryset(self, request, queryset):
        if self.value() in SLA_STATES:
            return queryset.in_sla_state(self.value())
        return queryset


class HandlerFilter(admin.SimpleListFilter):
    title = _("handled by")
    parameter_name = "handler"

    def lookups(self, request, model_admin):
        return [("me", _("My complaints")), ("me_open", _("My open complaints")), ("unassigned", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "me_open":
            return queryset.filter(assignee=request.user).open()
        if self.value() == "unassigned":
            return queryset.filter(assignee__isnull=True)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = _("open / done")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Resolved or closed"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.open()
        if self.value() == "no":
            return queryset.exclude(status__in=Complaint.OPEN_STATUSES)
        return queryset
