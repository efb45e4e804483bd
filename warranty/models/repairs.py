"""What a certified shop did for a case: the repair record and the parts it replaced (serial numbers)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .cases import AfterSalesRequest, WarrantyClaim
from .catalogue import Part, RepairShop
from .coverage import Coverage


class RepairRecord(models.Model):
    """What a certified shop did: diagnosis, parts (with serial numbers), labour, cost and days in shop."""

    class CostBearer(models.TextChoices):
        PLATFORM = "platform", _("Platform")
        DEALER = "dealer", _("Dealer")

    shop = models.ForeignKey(RepairShop, on_delete=models.PROTECT, related_name="records", verbose_name=_("repair shop"))
    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="repairs", verbose_name=_("coverage"))
    claim = models.OneToOneField(
        WarrantyClaim, on_delete=models.PROTECT, null=True, blank=True, related_name="repair", verbose_name=_("claim")
    )
    request = models.OneToOneField(
        AfterSalesRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair",
        verbose_name=_("after-sales request"),
    )
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("failed part")
    )
    diagnosis = models.TextField(_("diagnosis"))
    labour_hours = models.DecimalField(_("labour (hours)"), max_digits=6, decimal_places=1, default=0)
    labour_cost = models.DecimalField(_("labour cost (CNY)"), max_digits=10, decimal_places=0, default=0)
    parts_cost = models.DecimalField(_("parts cost (CNY)"), max_digits=10, decimal_places=0, default=0)
    cost_borne_by = models.CharField(_("cost borne by"), max_length=10, choices=CostBearer.choices, default=CostBearer.PLATFORM)
    days_in_shop = models.PositiveSmallIntegerField(_("days in shop"))
    completed_on = models.DateField(_("completed on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("repair record")
        verbose_name_plural = _("repair records")
        ordering = ["-completed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(claim__isnull=False) & Q(request__isnull=True)) | (Q(claim__isnull=True) & Q(request__isnull=False)),
                name="warranty_repair_for_one_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.shop} · {self.completed_on}"

    @property
    def total_cost(self):
        return (self.labour_cost or 0) + (self.parts_cost or 0)


class RepairPart(models.Model):
    """One replaced part, traced by serial number (removed and installed)."""

    record = models.ForeignKey(RepairRecord, on_delete=models.CASCADE, related_name="parts", verbose_name=_("repair record"))
    part = models.ForeignKey(Part, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("part"))
    description = models.CharField(_("description"), max_length=120)
    serial_removed = models.CharField(_("serial number removed"), max_length=60, blank=True)
    serial_installed = models.CharField(_("serial number installed"), max_length=60, db_index=True)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)

    class Meta:
        verbose_name = _("replaced part")
        verbose_name_plural = _("replaced parts")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.description} #{self.serial_installed}"
