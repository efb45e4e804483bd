from django.db import models
from django.db.models import Q

from accounts.roles import is_platform_staff


class PartyQuerySet(models.QuerySet):
    """Rows that belong to an order: ``order_path`` is the lookup from this model to its ``Order`` ("" on Order)."""

    order_path = ""

    def visible_to(self, user):
        """What ``user`` may see: their own orders as buyer, those of their listings as dealer; staff see all."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if is_platform_staff(user):
            return self
        prefix = f"{self.order_path}__" if self.order_path else ""
        return self.filter(Q(**{f"{prefix}buyer": user}) | Q(**{f"{prefix}listing__dealer": user}))


class OrderQuerySet(PartyQuerySet):
    def active(self):
        return self.filter(status__in=self.model.ACTIVE_STATUSES)

    def due_for_expiry(self, now):
        """Reservations whose signing window has passed (uses the partial index on ``expires_at``)."""
        return self.filter(status=self.model.Status.RESERVED, expires_at__lte=now)

    def with_detail(self):
        return self.select_related(
            "buyer", "listing", "listing__vehicle", "listing__dealer", "listing__dealer__dealer_profile", "contract", "delivery"
        )


class ContractQuerySet(PartyQuerySet):
    order_path = "order"

    def signed(self):
        return self.filter(signed_at__isnull=False)


class AmendmentQuerySet(PartyQuerySet):
    order_path = "contract__order"

    def effective(self):
        return self.filter(status=self.model.Status.EFFECTIVE)
