from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.statemachine import StatusMachine


class Order(StatusMachine):
    """A buyer's purchase of one listing. Lifecycle per DESIGN.md; delivery starts the guarantee clocks."""

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        CONTRACT_SIGNED = "contract_signed", _("Contract signed")
        PAID = "paid", _("Paid")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        RETURNED = "returned", _("Returned (refunded)")

    TRANSITIONS = {
        Status.RESERVED: {Status.CONTRACT_SIGNED, Status.CANCELLED},
        Status.CONTRACT_SIGNED: {Status.PAID, Status.CANCELLED},
        Status.PAID: {Status.DELIVERED, Status.CANCELLED},
        Status.DELIVERED: {Status.RETURNED},
        Status.CANCELLED: set(),
        Status.RETURNED: set(),
    }
    ACTIVE_STATUSES = (Status.RESERVED, Status.CONTRACT_SIGNED, Status.PAID, Status.DELIVERED)

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("buyer"))
    listing = models.ForeignKey("marketplace.Listing", on_delete=models.PROTECT, related_name="orders", verbose_name=_("listing"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RESERVED)
    agreed_price = models.DecimalField(_("agreed price (CNY)"), max_digits=10, decimal_places=0)
    reserved_at = models.DateTimeField(_("reserved at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("reservation expires at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_odometer_km = models.PositiveIntegerField(_("odometer at delivery (km)"), null=True, blank=True)
    cancelled_reason = models.TextField(_("cancellation reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        constraints = [
            # A car is sold once: at most one live order per listing (cancelled/returned ones don't count).
            models.UniqueConstraint(
                fields=["listing"],
                condition=Q(status__in=["reserved", "contract_signed", "paid", "delivered"]),
                name="one_active_order_per_listing",
            ),
        ]
        indexes = [
            models.Index(fields=["expires_at"], condition=Q(status="reserved"), name="order_reserved_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.listing}"
