from __future__ import annotations

from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from accounts.roles import is_dealer, is_platform_staff


class ComplaintQuerySet(models.QuerySet):
    def visible_to(self, user):
        """What ``user`` may open: their own complaints, complaints about them (dealers), everything for staff."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if is_platform_staff(user):
            return self
        if is_dealer(user):
            return self.filter(dealer=user)
        return self.filter(complainant=user)

    def open(self):
        return self.filter(status__in=self.model.OPEN_STATUSES)

    def due_for_sla(self, now):
        """Open, running cases whose next SLA check (reminder or deadline) has come; served by ``complaint_sla_due_idx``."""
        return self.filter(status__in=self.model.OPEN_STATUSES, paused_at__isnull=True, next_reminder_at__lte=now)

    def with_sla_state(self, now=None):
        """Annotate ``sla`` with the state ``Complaint.sla_state`` computes in Python."""
        now = now or timezone.now()
        return self.annotate(
            sla=Case(
                When(~Q(status__in=self.model.OPEN_STATUSES), then=Value("done")),
                When(paused_at__isnull=False, then=Value("paused")),
                When(Q(breached_at__isnull=False) | Q(next_deadline_at__lte=now), then=Value("breached")),
                When(next_reminder_at__lte=now, then=Value("due_soon")),
                default=Value("on_track"),
                output_field=models.CharField(),
            )
        )

    def in_sla_state(self, state: str, now=None):
        return self.with_sla_state(now).filter(sla=state)
