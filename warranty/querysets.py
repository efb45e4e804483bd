"""Reusable filters. Authorization by construction: every view narrows with ``visible_to(user)``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from accounts.roles import is_platform_staff


def _case_visibility(user, prefix: str) -> Q | None:
    """Buyer of the order, dealer of the car, or platform staff; ``None`` means "everything"."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    if is_platform_staff(user):
        return None
    return Q(**{f"{prefix}order__buyer": user}) | Q(**{f"{prefix}order__listing__dealer": user})


class CoverageQuerySet(models.QuerySet):
    def visible_to(self, user):
        q = _case_visibility(user, "")
        return self if q is None else self.filter(q)

    def of_buyer(self, user):
        return self.filter(order__buyer=user)

    def active(self):
        return self.filter(closed_at__isnull=True)


class _CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        q = _case_visibility(user, "coverage__")
        return self if q is None else self.filter(q)

    def open(self):
        return self.filter(status__in=self.model.OPEN_STATUSES)

    def due_before(self, moment):
        """Open cases whose next deadline is before ``moment`` (uses the partial index)."""
        return self.open().filter(next_deadline_at__isnull=False, next_deadline_at__lte=moment)

    def with_related(self):
        return self.select_related(
            "coverage__order__listing__vehicle", "coverage__order__listing__dealer", "coverage__order__buyer"
        )


class AfterSalesRequestQuerySet(_CaseQuerySet):
    pass


class WarrantyClaimQuerySet(_CaseQuerySet):
    def with_related(self):
        return super().with_related().select_related("part__group", "repair_shop")
