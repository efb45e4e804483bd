"""The cases a buyer opens after delivery: after-sales requests (return / exchange / repair inside the
30-day window) and core-part warranty claims. Both live one lifecycle, ``SlaCase``."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_platform_staff
from core.statemachine import StatusMachine

from ..querysets import AfterSalesRequestQuerySet, WarrantyClaimQuerySet
from .catalogue import Part, RepairShop
from .coverage import Coverage


class SlaCase(StatusMachine):
    """One case lifecycle shared by requests and claims: a transition map, a deadline per stage (the
    running one in ``next_deadline_at``), the customer who opened it and who may handle it.

    ``next_reminder_at`` is when the SLA sweep (``core.sla``) must next look at the case: the reminder time
    of the running deadline, then the deadline itself, then nothing once it is breached — so a reminder and
    a breach fire once per deadline. A move sets it for the new stage (``services.cases``).

    Subclasses declare ``STAGE_DEADLINES`` (status → the deadline field that runs in that status; a
    status without one has no clock) and ``DEALER_HANDLES`` (requests: the dealer of the car or staff;
    claims: staff only). Moves go through ``warranty.services.cases.case_move``.
    """

    OPEN_STATUSES: ClassVar[tuple[str, ...]] = ()
    STAGE_DEADLINES: ClassVar[dict[str, str]] = {}
    DEALER_HANDLES: ClassVar[bool] = False
    #: "request" / "claim": names the case in URLs and in notification dedupe keys.
    CASE_LABEL: ClassVar[str] = ""
    HANDLER_REFUSAL = _("Only platform staff can handle this case.")

    acknowledge_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True)
    assess_due_at = models.DateTimeField(_("assessment due"), null=True, blank=True)
    complete_due_at = models.DateTimeField(_("completion due"), null=True, blank=True)
    next_deadline_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    next_reminder_at = models.DateTimeField(_("next SLA check"), null=True, blank=True)
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

    @property
    def order(self):
        return self.coverage.order

    @property
    def customer(self):
        """The buyer of the car: who opened the case and hears about every step."""
        return self.coverage.order.buyer

    @property
    def dealer(self):
        return self.coverage.order.listing.dealer

    def may_handle(self, user) -> bool:
        """Platform staff handle every case; the dealer of the car handles its after-sales requests."""
        if is_platform_staff(user):
            return True
        return self.DEALER_HANDLES and getattr(user, "pk", None) == self.coverage.order.listing.dealer_id

    def stage_deadline(self) -> dt.datetime | None:
        """The deadline that runs in the current status (``None``: no clock, e.g. a closed case)."""
        field = self.STAGE_DEADLINES.get(self.status)
        return getattr(self, field) if field else None

    @property
    def sla_case_type(self) -> str:
        """The ``CaseSlaPolicy.CaseType`` whose deadlines this case runs on."""
        return self.CASE_LABEL

    def get_absolute_url(self) -> str:
        return reverse(f"warranty:{self.CASE_LABEL}_detail", args=[self.pk])

    def get_admin_url(self) -> str:
        return reverse(f"admin:warranty_{self._meta.model_name}_change", args=[self.pk])

    def notice_key(self, stage: str, audience: str) -> str:
        """The dedupe key of the notice about ``stage`` for ``audience``: one message per step and person."""
        return f"warranty:{self.CASE_LABEL}:{self.pk}:{stage}:{audience}"


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
    # DESIGN.md "Deadlines": acknowledge in 1 working day, assess in 3, complete in 10.
    STAGE_DEADLINES = {
        Status.SUBMITTED: "acknowledge_due_at",
        Status.UNDER_ASSESSMENT: "assess_due_at",
        Status.APPROVED: "complete_due_at",
        Status.IN_PROGRESS: "complete_due_at",
    }
    DEALER_HANDLES = True
    CASE_LABEL = "request"
    HANDLER_REFUSAL = _("Only the dealer of this car or platform staff can handle this request.")

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
            ),
            models.Index(
                fields=["next_reminder_at"],
                condition=Q(status__in=["submitted", "under_assessment", "approved", "in_progress"]),
                name="warranty_request_sla_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="warranty_request_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return _("Request #%(id)s · %(kind)s") % {"id": self.pk, "kind": self.get_kind_display()}

    @property
    def sla_case_type(self) -> str:
        return f"request_{self.kind}"


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
    # Acknowledge in 1 working day, authorise in 3, repaired by the shop's estimate.
    STAGE_DEADLINES = {
        Status.SUBMITTED: "acknowledge_due_at",
        Status.UNDER_REVIEW: "assess_due_at",
        Status.AUTHORISED: "complete_due_at",
    }
    CASE_LABEL = "claim"
    HANDLER_REFUSAL = _("Only platform staff can decide warranty claims.")

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
            ),
            models.Index(
                fields=["next_reminder_at"],
                condition=Q(status__in=["submitted", "under_review", "authorised"]),
                name="warranty_claim_sla_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return _("Claim #%(id)s · %(part)s") % {"id": self.pk, "part": self.part}
