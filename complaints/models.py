"""Complaints: a buyer's complaint about a dealer, worked by staff against SLA deadlines.

Deadlines are aware datetimes on the China working-day calendar (``core.calendar``). The SLA sweep
reads only ``next_reminder_at`` (a partial index over open, unpaused cases): it is the moment the
next thing must happen — a reminder ahead of the next deadline, or the breach of it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import phone_validator
from core.sla import WorkingDayPolicy
from core.statemachine import StatusMachine

from .querysets import ComplaintQuerySet

DEFAULT_ACK_WORKING_DAYS = 1
DEFAULT_RESPONSE_WORKING_DAYS = 3
DEFAULT_RESOLVE_WORKING_DAYS = 7
DEFAULT_REOPEN_WORKING_DAYS = 3
DEFAULT_REMINDER_LEAD_HOURS = 4


class Category(models.TextChoices):
    VEHICLE_QUALITY = "vehicle_quality", _("Vehicle quality")
    AFTER_SALES = "after_sales", _("After-sales service")
    DELIVERY = "delivery", _("Delivery / logistics")
    CONTRACT = "contract", _("Contract dispute")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class DeadlineKind(models.TextChoices):
    ACK = "ack", _("Acknowledge")
    RESPONSE = "response", _("First response")
    RESOLVE = "resolve", _("Resolution")


class SlaPolicy(WorkingDayPolicy):
    """Working-day deadlines for one category and priority (staff-editable). A missing row means the defaults.

    The complaints' policy for the SLA engine (``core.sla``): stages ack / response / resolve / reopen;
    reminders count working hours before a deadline."""

    STAGE_FIELDS = {
        "ack": "ack_working_days",
        "response": "response_working_days",
        "resolve": "resolve_working_days",
        "reopen": "reopen_working_days",
    }

    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    priority = models.CharField(_("priority"), max_length=12, choices=Priority.choices, default=Priority.NORMAL)
    ack_working_days = models.PositiveSmallIntegerField(_("acknowledge within (working days)"), default=DEFAULT_ACK_WORKING_DAYS)
    response_working_days = models.PositiveSmallIntegerField(
        _("first response within (working days)"), default=DEFAULT_RESPONSE_WORKING_DAYS
    )
    resolve_working_days = models.PositiveSmallIntegerField(
        _("resolve within (working days)"), default=DEFAULT_RESOLVE_WORKING_DAYS
    )
    reopen_working_days = models.PositiveSmallIntegerField(
        _("resolve a reopened case within (working days)"), default=DEFAULT_REOPEN_WORKING_DAYS
    )
    reminder_lead_hours = models.PositiveSmallIntegerField(
        _("remind the assignee (working hours before a deadline)"), default=DEFAULT_REMINDER_LEAD_HOURS
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["category", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="one_sla_policy_per_category_priority"),
            models.CheckConstraint(
                condition=Q(ack_working_days__lte=models.F("response_working_days"))
                & Q(response_working_days__lte=models.F("resolve_working_days")),
                name="sla_deadlines_in_order",
                violation_error_message=_("Deadlines must be in order: acknowledge ≤ first response ≤ resolve."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} / {self.get_priority_display()}"

    @classmethod
    def for_case(cls, *, category: str, priority: str) -> SlaPolicy:
        """The policy for this category and priority; an unsaved one with the defaults when staff set none."""
        return cls.lookup(category=category, priority=priority)


class Complaint(StatusMachine):
    """A complaint with a lifecycle, three SLA deadlines, an assignee and an audit timeline."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        INVESTIGATING = "investigating", _("Investigating")
        RESOLUTION_PROPOSED = "resolution_proposed", _("Resolution proposed")
        ESCALATED = "escalated", _("Escalated")
        REOPENED = "reopened", _("Reopened")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.NEW: {Status.ACKNOWLEDGED, Status.ESCALATED},
        Status.ACKNOWLEDGED: {Status.INVESTIGATING, Status.ESCALATED},
        Status.INVESTIGATING: {Status.RESOLUTION_PROPOSED, Status.ESCALATED},
        Status.ESCALATED: {Status.INVESTIGATING, Status.RESOLUTION_PROPOSED},
        Status.RESOLUTION_PROPOSED: {Status.RESOLVED, Status.REOPENED, Status.ESCALATED},
        Status.REOPENED: {Status.INVESTIGATING, Status.RESOLUTION_PROPOSED, Status.ESCALATED},
        Status.RESOLVED: {Status.CLOSED, Status.REOPENED},
        Status.CLOSED: set(),
    }
    OPEN_STATUSES = (
        Status.NEW,
        Status.ACKNOWLEDGED,
        Status.INVESTIGATING,
        Status.RESOLUTION_PROPOSED,
        Status.ESCALATED,
        Status.REOPENED,
    )
    DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)

    class Classification(models.TextChoices):
        SUBSTANTIATED = "substantiated", _("Substantiated")
        PARTLY = "partly", _("Partly substantiated")
        UNSUBSTANTIATED = "unsubstantiated", _("Not substantiated")

    class RootCause(models.TextChoices):
        PRODUCT_QUALITY = "product_quality", _("Product quality")
        SERVICE_ATTITUDE = "service_attitude", _("Service attitude")
        TECHNICAL_SKILL = "technical_skill", _("Technical skill")
        LOGISTICS = "logistics", _("Logistics")
        CONTRACT_TERMS = "contract_terms", _("Contract terms")
        OTHER = "other", _("Other")

    Category = Category
    Priority = Priority

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("customer account")
    )
    complainant_name = models.CharField(_("complainant's name"), max_length=100)
    complainant_phone = models.CharField(_("complainant's phone"), max_length=20, validators=[phone_validator])
    dealer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="complaints_received",
        null=True,
        blank=True,
        limit_choices_to={"role": "dealer"},
        verbose_name=_("dealer concerned"),
    )
    order = models.ForeignKey(
        "contracts.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints", verbose_name=_("order")
    )
    after_sales_request = models.ForeignKey(
        "warranty.AfterSalesRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("after-sales request"),
    )
    warranty_claim = models.ForeignKey(
        "warranty.WarrantyClaim",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("warranty claim"),
    )
    vin = models.CharField(_("VIN"), max_length=17, blank=True, db_index=True)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    priority = models.CharField(_("priority"), max_length=12, choices=Priority.choices, default=Priority.NORMAL)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    desired_outcome = models.TextField(_("desired outcome"))
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.NEW, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_complaints",
        limit_choices_to={"is_staff": True, "is_active": True},
        verbose_name=_("assignee"),
    )

    # Analysis (staff only).
    classification = models.CharField(_("classification"), max_length=20, choices=Classification.choices, blank=True)
    root_cause = models.CharField(_("root cause"), max_length=24, choices=RootCause.choices, blank=True, db_index=True)
    root_cause_detail = models.TextField(_("root-cause notes"), blank=True)
    resolution = models.TextField(
        _("proposed resolution"), blank=True, help_text=_("Shown to the customer, who accepts or rejects it.")
    )
    customer_feedback = models.TextField(_("customer's reason for rejecting"), blank=True)

    # SLA deadlines (aware datetimes, 18:00 Asia/Shanghai of a working day unless moved by a pause).
    ack_due_at = models.DateTimeField(_("acknowledge by"))
    response_due_at = models.DateTimeField(_("first response by"))
    resolve_due_at = models.DateTimeField(_("resolve by"))
    reminder_lead_hours = models.PositiveSmallIntegerField(
        _("reminder lead (working hours)"), default=DEFAULT_REMINDER_LEAD_HOURS
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolution_proposed_at = models.DateTimeField(_("resolution proposed at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    ack_breached_at = models.DateTimeField(_("acknowledge deadline missed at"), null=True, blank=True)
    response_breached_at = models.DateTimeField(_("response deadline missed at"), null=True, blank=True)
    resolve_breached_at = models.DateTimeField(_("resolution deadline missed at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("first deadline missed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused (waiting for the customer) since"), null=True, blank=True)
    # Denormalised for the sweep and the changelist: the earliest unmet, not-yet-breached deadline ...
    next_deadline_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    next_deadline_kind = models.CharField(_("next deadline kind"), max_length=12, choices=DeadlineKind.choices, blank=True)
    # ... and when the sweep must next look at the case (reminder time, then the deadline itself).
    next_reminder_at = models.DateTimeField(_("next SLA check"), null=True, blank=True)

    created_at = models.DateTimeField(_("filed at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-pk"]
        permissions = [("supervise_complaint", _("Can supervise complaints (reassign others' cases, see escalations)"))]
        indexes = [
            models.Index(
                fields=["next_reminder_at"],
                condition=Q(status__in=["new", "acknowledged", "investigating", "resolution_proposed", "escalated", "reopened"])
                & Q(paused_at__isnull=True),
                name="complaint_sla_due_idx",
            ),
            models.Index(
                fields=["next_deadline_at"],
                condition=Q(status__in=["new", "acknowledged", "investigating", "resolution_proposed", "escalated", "reopened"]),
                name="complaint_open_deadline_idx",
            ),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["dealer", "-created_at"]),
            models.Index(fields=["complainant", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def awaiting_customer_decision(self) -> bool:
        return self.status == self.Status.RESOLUTION_PROPOSED

    def deadlines(self) -> list[tuple[str, dt.datetime, dt.datetime | None, dt.datetime | None]]:
        """(kind, due, met_at, breached_at) for the three SLA deadlines, in order."""
        return [
            (DeadlineKind.ACK, self.ack_due_at, self.acknowledged_at, self.ack_breached_at),
            (DeadlineKind.RESPONSE, self.response_due_at, self.first_response_at, self.response_breached_at),
            (
                DeadlineKind.RESOLVE,
                self.resolve_due_at,
                self.resolution_proposed_at or self.resolved_at,
                self.resolve_breached_at,
            ),
        ]

    def sla_state(self, now: dt.datetime | None = None) -> str:
        """on_track / due_soon / breached / paused / done — the same rule as ``ComplaintQuerySet.with_sla_state``."""
        now = now or timezone.now()
        if not self.is_open:
            return "done"
        if self.is_paused:
            return "paused"
        if self.breached_at or (self.next_deadline_at and self.next_deadline_at <= now):
            return "breached"
        if self.next_reminder_at and self.next_reminder_at <= now:
            return "due_soon"
        return "on_track"


class ComplaintMessage(models.Model):
    """One entry of the conversation: customer, staff or dealer. Internal notes are staff-only, always."""

    class AuthorRole(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        STAFF = "staff", _("Customer service")
        DEALER = "dealer", _("Dealer")
        SYSTEM = "system", _("System")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="messages", verbose_name=_("complaint"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("author")
    )
    author_role = models.CharField(_("from"), max_length=12, choices=AuthorRole.choices)
    body = models.TextField(_("message"))
    is_internal = models.BooleanField(
        _("internal note"), default=False, help_text=_("Never shown to the customer or the dealer.")
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages and internal notes")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["complaint", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(is_internal=True) | Q(author_role="staff"), name="only_staff_write_internal_notes"
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]


def attachment_path(instance: ComplaintAttachment, filename: str) -> str:
    return f"complaints/{instance.complaint_id}/{filename}"


class ComplaintAttachment(models.Model):
    """An evidence file: a re-encoded, metadata-free JPEG or a PDF checked by its magic bytes.

    Served only through the complaint's authorised download view, never by a public media URL.
    """

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("complaint"))
    message = models.ForeignKey(
        ComplaintMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments", verbose_name=_("message")
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_internal(self) -> bool:
        return bool(self.message_id and self.message.is_internal)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ComplaintPause(models.Model):
    """A period in which the clock stood still because staff were waiting for the customer."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="pauses", verbose_name=_("complaint"))
    reason = models.CharField(_("waiting for"), max_length=255)
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    working_seconds = models.PositiveIntegerField(_("working time paused (s)"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("started by")
    )

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses (waiting for the customer)")
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(fields=["complaint"], condition=Q(ended_at__isnull=True), name="one_open_pause_per_complaint")
        ]

    def __str__(self) -> str:
        return self.reason
