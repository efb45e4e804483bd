from django.db import models
from django.db.models import Q


def _is_staff(user) -> bool:
    return bool(getattr(user, "is_staff", False) or getattr(user, "role", "") == "staff")


class OrderQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Orders ``user`` may see: their own as buyer, those of their listings as dealer; staff see all."""
        if user is None or not user.is_authenticated:
            return self.none()
        if _is_staff(user):
            return self
        return self.filter(Q(buyer=user) | Q(listing__dealer=user))

    def active(self):
        return self.filter(status__in=self.model.ACTIVE_STATUSES)

    def due_for_expiry(self, now):
        """Reservations whose signing window has passed (uses the partial index on ``expires_at``)."""
        return self.filter(status=self.model.Status.RESERVED, expires_at__lte=now)

    def with_detail(self):
        return self.select_related(
            "buyer", "listing", "listing__vehicle", "listing__dealer", "listing__dealer__dealer_profile", "contract", "delivery"
        )


class ContractQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        if _is_staff(user):
            return self
        return self.filter(Q(order__buyer=user) | Q(order__listing__dealer=user))

    def signed(self):
        return self.filter(signed_at__isnull=False)


class AmendmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user is None or not user.is_authenticated:
            return self.none()
        if _is_staff(user):
            return self
        return self.filter(Q(contract__order__buyer=user) | Q(contract__order__listing__dealer=user))

    def effective(self):
        return self.filter(status=self.model.Status.EFFECTIVE)
