"""The supervisors' page: escalated and breached cases, workload per handler, where complaints come from."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext

from .. import services
from ..models import Complaint
from .display import SLA_STATES


class EscalationsViewMixin:
    """Adds ``escalations/`` to the complaint admin (supervisors only; other staff get 403)."""

    def get_urls(self):
        return [
            path("escalations/", self.admin_site.admin_view(self.escalations_view), name="complaints_complaint_escalations"),
            *super().get_urls(),
        ]

    def escalations_view(self, request):
        if not services.is_supervisor(request.user):
            raise PermissionDenied
        now = timezone.now()
        open_cases = Complaint.objects.open().with_sla_state(now).select_related("assignee", "dealer__dealer_profile")
        attention = open_cases.filter(Q(status=Complaint.Status.ESCALATED) | Q(sla="breached")).order_by(
            "next_deadline_at", "created_at"
        )
        recent = Complaint.objects.filter(created_at__gte=now - dt.timedelta(days=90))
        workload = (
            Complaint.objects.open()
            .with_sla_state(now)
            .values("assignee__username", "assignee__full_name")
            .annotate(
                open=Count("pk"), breached=Count("pk", filter=Q(sla="breached")), due_soon=Count("pk", filter=Q(sla="due_soon"))
            )
            .order_by("-breached", "-open")
        )
        by_root = _counted(recent, "root_cause", dict(Complaint.RootCause.choices), missing=gettext("not classified yet"))
        by_category = _counted(recent, "category", dict(Complaint.Category.choices))
        by_dealer = (
            recent.exclude(dealer=None)
            .values("dealer__dealer_profile__business_name")
            .annotate(n=Count("pk"))
            .order_by("-n")[:10]
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Escalations and SLA breaches"),
            "attention": attention,
            "workload": workload,
            "by_root": by_root,
            "by_category": by_category,
            "by_dealer": by_dealer,
            "max_root": max((r["count"] for r in by_root), default=1),
            "sla_states": SLA_STATES,
        }
        for case in attention:
            case.sla_html = self.sla_badge(case)
            case.time_left_html = self.time_left(case)
        return TemplateResponse(request, "admin/complaints/complaint/escalations.html", context)


def _counted(queryset, field: str, labels: dict, missing: str | None = None) -> list[dict]:
    """Complaints per value of ``field``, most first, with the value's label."""
    rows = queryset.values(field).annotate(n=Count("pk")).order_by("-n")
    return [{"label": labels.get(row[field], row[field] if missing is None else missing), "count": row["n"]} for row in rows]
