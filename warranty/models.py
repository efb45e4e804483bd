"""The platform's promise after delivery: the 30-day window and the core-part warranty.

A ``WarrantyPolicy`` is what staff edit; a ``Coverage`` is the policy *as agreed for one order* (the
contract's snapshot of the terms) with its clocks computed by ``core.periods``. Every coverage decision
is made by ``Coverage.covers`` / ``Coverage.window_check`` and services, never by a view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.periods import days_left, is_within, last_day_of
from core.statemachine import StatusMachine

from .querysets import AfterSalesRequestQuerySet, CoverageQuerySet, WarrantyClaimQuerySet

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


class ComponentGroup(models.Model):
    """A group of parts (engine, transmission, EV drive, wear items …). Seeded by a data migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("component group")
        verbose_name_plural = _("component groups")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return localized_name(self)


class Part(models.Model):
    group = models.ForeignKey(ComponentGroup, on_delete=models.PROTECT, related_name="parts", verbose_name=_("component group"))
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["group__position", "position", "code"]

    def __str__(self) -> str:
        return localized_name(self)


class Exclusion(models.Model):
    """What the warranty never covers (wear items, accidents, misuse, modifications, missed maintenance)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("exclusion")
        verbose_name_plural = _("exclusions")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return localized_name(self)


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


@dataclass(frozen=True)
class Decision:
    """A coverage answer with the reason a person can read."""

    allowed: bool
    reason: str = ""
    code: str = ""

    def __bool__(self) -> bool:
        return self.allowed


class Coverage(models.Model):
    """The guarantee of one delivered order: the agreed terms (snapshot) and the clocks they give.

    ``window_ends_at`` / ``warranty_ends_at`` are exclusive aware bounds (24:00 Asia/Shanghai of the last
    day, holiday-adjusted); ``*_km_limit`` are absolute odometer readings (delivery km + allowance).
    """

    order = models.OneToOneField("contracts.Order", on_delete=models.PROTECT, related_name="coverage", verbose_name=_("order"))
    terms_snapshot = models.JSONField(_("terms at signing/delivery"), default=dict)
    delivered_on = models.DateField(_("delivered on"))
    delivery_odometer_km = models.PositiveIntegerField(_("odometer at delivery (km)"))
    window_ends_at = models.DateTimeField(_("window ends at"))
    window_km_limit = models.PositiveIntegerField(_("window km limit (odometer)"))
    warranty_ends_at = models.DateTimeField(_("warranty ends at"), db_index=True)
    warranty_km_limit = models.PositiveIntegerField(_("warranty km limit (odometer)"))
    current_odometer_km = models.PositiveIntegerField(_("latest odometer (km)"))
    odometer_updated_at = models.DateTimeField(_("odometer updated at"), null=True, blank=True)
    repeated_failure_at = models.DateTimeField(_("repeated failure flagged at"), null=True, blank=True)
    repeated_failure_note = models.TextField(_("repeated failure"), blank=True)
    closed_at = models.DateTimeField(_("closed at (car returned)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CoverageQuerySet.as_manager()

    class Meta:
        verbose_name = _("coverage")
        verbose_name_plural = _("coverages")
        ordering = ["-delivered_on", "-pk"]

    def __str__(self) -> str:
        return _("Guarantee of order #%(id)s") % {"id": self.order_id}

    # --- terms -----------------------------------------------------------------------------------
    @property
    def terms(self) -> dict:
        """The contract's snapshot when a contract with terms exists, else ours (same content)."""
        contract = getattr(self.order, "contract", None) if _has_contract(self.order) else None
        contract_terms = getattr(contract, "terms", None)
        if _terms_usable(contract_terms):
            return contract_terms
        return self.terms_snapshot

    @property
    def extension_months(self) -> int:
        return sum(p.extra_months for p in self.purchases.all())

    @property
    def extension_km(self) -> int:
        return sum(p.extra_km for p in self.purchases.all())

    def covered_parts(self) -> dict[str, dict]:
        return {
            part["code"]: {
                **part,
                "group": group["group"],
                "group_name_en": group.get("name_en", ""),
                "group_name_zh": group.get("name_zh", ""),
            }
            for group in self.terms.get("components", [])
            for part in group.get("parts", [])
        }

    # --- decisions -------------------------------------------------------------------------------
    def window_check(self, *, at: dt.datetime, odometer_km: int) -> Decision:
        """May a return/exchange/repair request be opened at ``at`` with this odometer? (days AND km)"""
        if self.closed_at:
            return Decision(False, str(_("This car has been returned; its guarantee has ended.")), "closed")
        if not is_within(at, self.window_ends_at):
            deadline = date_format(last_day_of(self.window_ends_at))
            return Decision(
                False,
                str(_("The return/exchange/repair window ended at 24:00 on %(date)s.") % {"date": deadline}),
                "window_expired",
            )
        if odometer_km >= self.window_km_limit:
            return Decision(
                False,
                str(
                    _("The window's km limit was reached: %(limit)s km on the odometer (%(allow)s km after delivery).")
                    % {"limit": f"{self.window_km_limit:,}", "allow": f"{self.window_km_limit - self.delivery_odometer_km:,}"}
                ),
                "window_km",
            )
        return Decision(True)

    def covers(self, part, *, on: dt.datetime | dt.date, odometer_km: int) -> Decision:
        """Does the warranty cover ``part`` (a ``Part`` or a part code) at ``on`` with this odometer?

        Reasons: part not covered / excluded, expired on date X, km limit Y exceeded.
        """
        code = part if isinstance(part, str) else part.code
        if self.closed_at:
            return Decision(False, str(_("This car has been returned; its guarantee has ended.")), "closed")
        covered = self.covered_parts()
        if code not in covered:
            name = code if isinstance(part, str) else localized_name(part)
            return Decision(
                False,
                str(
                    _(
                        "“%(part)s” is not a covered core part under this contract (only the listed engine, transmission and EV drive parts are; wear items are excluded)."
                    )
                    % {"part": name}
                ),
                "part_not_covered",
            )
        moment = (
            on if isinstance(on, dt.datetime) else dt.datetime.combine(on, dt.time(12), tzinfo=timezone.get_current_timezone())
        )
        if not is_within(moment, self.warranty_ends_at):
            return Decision(
                False,
                str(_("The warranty expired at 24:00 on %(date)s.") % {"date": date_format(last_day_of(self.warranty_ends_at))}),
                "expired",
            )
        if odometer_km >= self.warranty_km_limit:
            return Decision(
                False,
                str(
                    _("The warranty's km limit was exceeded: %(limit)s km on the odometer.")
                    % {"limit": f"{self.warranty_km_limit:,}"}
                ),
                "km_exceeded",
            )
        return Decision(True)

    # --- clock figures for the page --------------------------------------------------------------
    def window_days_left(self, now: dt.datetime) -> int:
        return days_left(now, self.window_ends_at)

    def warranty_days_left(self, now: dt.datetime) -> int:
        return days_left(now, self.warranty_ends_at)

    @property
    def window_km_left(self) -> int:
        return max(0, self.window_km_limit - self.current_odometer_km)

    @property
    def warranty_km_left(self) -> int:
        return max(0, self.warranty_km_limit - self.current_odometer_km)


def _terms_usable(terms) -> bool:
    """A snapshot made by ``warranty.terms`` (parts as dicts with codes), not a placeholder."""
    if not isinstance(terms, dict) or not isinstance(terms.get("components"), list):
        return False
    return all(isinstance(part, dict) and "code" in part for group in terms["components"] for part in group.get("parts", []))


def _has_contract(order) -> bool:
    try:
        return getattr(order, "contract", None) is not None
    except Exception:  # noqa: BLE001 — RelatedObjectDoesNotExist or contracts not built yet
        return False


class ExtendedWarrantyPurchase(models.Model):
    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("coverage"))
    plan = models.ForeignKey(ExtendedWarrantyPlan, on_delete=models.PROTECT, related_name="purchases", verbose_name=_("plan"))
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("buyer"))
    extra_months = models.PositiveSmallIntegerField(_("extra months"))
    extra_km = models.PositiveIntegerField(_("extra km"))
    price = models.DecimalField(_("price paid (CNY)"), max_digits=10, decimal_places=0)
    purchased_at = models.DateTimeField(_("purchased at"), default=timezone.now)

    class Meta:
        verbose_name = _("extended warranty purchase")
        verbose_name_plural = _("extended warranty purchases")
        ordering = ["purchased_at"]
        constraints = [models.UniqueConstraint(fields=["coverage"], name="warranty_one_extension_per_coverage")]

    def __str__(self) -> str:
        return f"{self.plan} → {self.coverage}"


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


class SlaCase(StatusMachine):
    """Shared deadline fields of requests and claims (one indexed ``next_deadline_at`` for the sweep)."""

    OPEN_STATUSES: tuple[str, ...] = ()

    acknowledge_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    assess_due_at = models.DateTimeField(_("assessment due"), null=True, blank=True)
    complete_due_at = models.DateTimeField(_("completion due"), null=True, blank=True)
    next_deadline_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    breached_at = models.DateTimeField(_("deadline breached at"), null=True, blank=True)
    breach_count = models.PositiveSmallIntegerField(_("breaches"), default=0)
    decision_note = models.TextField(_("decision note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class AfterSalesRequest(SlaCase):
    """A return / exchange / repair request inside the 30-day window (包退、包换、包修)."""

    class Kind(models.TextChoices):
        RETURN = "return", _("Return (refund)")
        EXCHANGE = "exchange", _("Exchange for another car")
        REPAIR = "repair", _("Free repair")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        UNDER_ASSESSMENT = "under_assessment", _("Under assessment")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    class RejectionReason(models.TextChoices):
        # Inside the window a fault under normal use is accepted; only these let the dealer/staff refuse.
        MISUSE = "misuse", _("Misuse")
        ACCIDENT = "accident", _("Accident damage")
        MODIFICATION = "modification", _("Modification")

    TRANSITIONS = {
        Status.SUBMITTED: {Status.UNDER_ASSESSMENT},
        Status.UNDER_ASSESSMENT: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: {Status.IN_PROGRESS},
        Status.IN_PROGRESS: {Status.COMPLETED},
        Status.REJECTED: set(),
        Status.COMPLETED: set(),
    }
    OPEN_STATUSES = (Status.SUBMITTED, Status.UNDER_ASSESSMENT, Status.APPROVED, Status.IN_PROGRESS)

    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="requests", verbose_name=_("coverage"))
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    description = models.TextField(_("what is wrong"))
    odometer_km = models.PositiveIntegerField(_("odometer (km)"))
    under_repeated_failure = models.BooleanField(_("opened under the repeated-failure rule"), default=False)
    rejection_reason = models.CharField(_("rejection reason"), max_length=20, choices=RejectionReason.choices, blank=True)
    refund_amount = models.DecimalField(_("refund amount (CNY)"), max_digits=10, decimal_places=0, null=True, blank=True)
    exchange_listing = models.ForeignKey(
        "marketplace.Listing",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replacement car"),
    )
    price_difference = models.DecimalField(
        _("price difference (CNY, + buyer pays)"), max_digits=10, decimal_places=0, null=True, blank=True
    )

    objects = AfterSalesRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_deadline_at"],
                condition=Q(status__in=["submitted", "under_assessment", "approved", "in_progress"]),
                name="warranty_request_open_due_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="warranty_request_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return _("Request #%(id)s · %(kind)s") % {"id": self.pk, "kind": self.get_kind_display()}

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("warranty:request_detail", args=[self.pk])


class AfterSalesPhoto(models.Model):
    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="photos", verbose_name=_("request"))
    image = models.ImageField(_("photo"), upload_to="warranty/requests/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("request photo")
        verbose_name_plural = _("request photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.image.name


class WarrantyClaim(SlaCase):
    """A core-part warranty claim: covered (decided by ``Coverage.covers``), authorised to a certified shop."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        AUTHORISED = "authorised", _("Authorised – at the repair shop")
        REJECTED = "rejected", _("Rejected")
        COMPLETED = "completed", _("Repaired")

    TRANSITIONS = {
        Status.SUBMITTED: {Status.UNDER_REVIEW, Status.REJECTED},
        Status.UNDER_REVIEW: {Status.AUTHORISED, Status.REJECTED},
        Status.AUTHORISED: {Status.COMPLETED},
        Status.REJECTED: set(),
        Status.COMPLETED: set(),
    }
    OPEN_STATUSES = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.AUTHORISED)

    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="claims", verbose_name=_("coverage"))
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="claims", verbose_name=_("part"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    symptom = models.TextField(_("symptom"))
    odometer_km = models.PositiveIntegerField(_("odometer (km)"))
    failed_on = models.DateField(_("date of failure"))
    repair_shop = models.ForeignKey(
        RepairShop, on_delete=models.PROTECT, null=True, blank=True, related_name="claims", verbose_name=_("repair shop")
    )
    estimated_completion_on = models.DateField(_("shop's estimated completion"), null=True, blank=True)
    is_repeated_failure = models.BooleanField(_("third failure of the same part"), default=False)

    objects = WarrantyClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("warranty claim")
        verbose_name_plural = _("warranty claims")
        ordering = ["-submitted_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_deadline_at"],
                condition=Q(status__in=["submitted", "under_review", "authorised"]),
                name="warranty_claim_open_due_idx",
            )
        ]

    def __str__(self) -> str:
        return _("Claim #%(id)s · %(part)s") % {"id": self.pk, "part": self.part}

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("warranty:claim_detail", args=[self.pk])


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
