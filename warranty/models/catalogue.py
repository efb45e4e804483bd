"""What staff set up once: component groups and parts, exclusions, policies (with the legal floor),
extension plans and certified repair shops."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# 二手车交易规范 Art. 19 / 二手车流通管理办法: at least 3 months or 5,000 km (whichever first) for cars
# no older than 3 years or with no more than 60,000 km. The platform's one policy applies to every car,
# so every policy must meet the floor.
LEGAL_FLOOR_MONTHS = 3
LEGAL_FLOOR_KM = 5_000
LEGAL_FLOOR_VEHICLE_YEARS = 3
LEGAL_FLOOR_VEHICLE_KM = 60_000


def localized_name(obj) -> str:
    """``name_zh`` in Chinese, ``name_en`` otherwise (works for model rows and snapshot dicts)."""
    get = obj.get if isinstance(obj, dict) else lambda key, default="": getattr(obj, key, default)
    if (get_language() or "").startswith("zh"):
        return get("name_zh", "") or get("name_en", "")
    return get("name_en", "") or get("name_zh", "")


class CatalogueEntry(models.Model):
    """A coded, bilingual entry of a list staff maintain; shown in the reader's language."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return localized_name(self)


class ComponentGroup(CatalogueEntry):
    """A group of parts (engine, transmission, EV drive, wear items …). Seeded by a data migration."""

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("component group")
        verbose_name_plural = _("component groups")


class Part(CatalogueEntry):
    group = models.ForeignKey(ComponentGroup, on_delete=models.PROTECT, related_name="parts", verbose_name=_("component group"))

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["group__position", "position", "code"]


class Exclusion(CatalogueEntry):
    """What the warranty never covers (wear items, accidents, misuse, modifications, missed maintenance)."""

    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)

    class Meta(CatalogueEntry.Meta):
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")


class WarrantyPolicy(models.Model):
    """The after-sales terms staff offer. Exactly one is active; a signed contract keeps its own copy."""

    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active (used for new contracts)"), default=False)
    window_days = models.PositiveSmallIntegerField(_("return/exchange/repair window (days)"), default=30)
    window_km = models.PositiveIntegerField(_("return/exchange/repair window (km)"), default=3_000)
    warranty_months = models.PositiveSmallIntegerField(_("core-part warranty (months)"), default=12)
    warranty_km = models.PositiveIntegerField(_("core-part warranty (km)"), default=20_000)
    covered_groups = models.ManyToManyField(
        ComponentGroup, related_name="policies", blank=True, verbose_name=_("covered component groups")
    )
    exclusions = models.ManyToManyField(Exclusion, related_name="policies", blank=True, verbose_name=_("exclusions"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("warranty policy")
        verbose_name_plural = _("warranty policies")
        ordering = ["-is_active", "-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="warranty_one_active_policy"),
            models.CheckConstraint(
                condition=Q(window_days__gte=1) & Q(warranty_months__gte=1), name="warranty_policy_positive_periods"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        message = _(
            "Refused: the quality guarantee for cars no older than %(years)s years or with no more than "
            "%(vkm)s km must be at least %(months)s months or %(km)s km (二手车交易规范 Art. 19)."
        ) % {
            "years": LEGAL_FLOOR_VEHICLE_YEARS,
            "vkm": f"{LEGAL_FLOOR_VEHICLE_KM:,}",
            "months": LEGAL_FLOOR_MONTHS,
            "km": f"{LEGAL_FLOOR_KM:,}",
        }
        if self.warranty_months is not None and self.warranty_months < LEGAL_FLOOR_MONTHS:
            errors["warranty_months"] = message
        if self.warranty_km is not None and self.warranty_km < LEGAL_FLOOR_KM:
            errors["warranty_km"] = message
        if errors:
            raise ValidationError(errors, code="legal_floor")


class ExtendedWarrantyPlan(models.Model):
    """An optional extension a buyer can buy before the base warranty ends (+months / +km for a price)."""

    name_en = models.CharField(_("name (English)"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    extra_months = models.PositiveSmallIntegerField(_("extra months"))
    extra_km = models.PositiveIntegerField(_("extra km"))
    price = models.DecimalField(_("price (CNY)"), max_digits=10, decimal_places=0)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("extended warranty plan")
        verbose_name_plural = _("extended warranty plans")
        ordering = ["extra_months", "price"]
        constraints = [
            models.CheckConstraint(condition=Q(extra_months__gte=1) & Q(extra_km__gte=1), name="warranty_plan_positive")
        ]

    def __str__(self) -> str:
        return localized_name(self)


class RepairShop(models.Model):
    name = models.CharField(_("name"), max_length=120)
    city = models.CharField(_("city"), max_length=40, db_index=True)
    certification_number = models.CharField(_("certification number"), max_length=60, unique=True)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("certified / active"), default=True)

    class Meta:
        verbose_name = _("certified repair shop")
        verbose_name_plural = _("certified repair shops")
        ordering = ["city", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"
