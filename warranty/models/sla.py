"""Staff-editable deadlines of after-sales requests and warranty claims, per type of case (the warranty
app's policy for the SLA engine, ``core.sla``). A type without a row runs on the defaults of DESIGN.md
"Deadlines": acknowledge in 1 working day, assess / authorise in 3, complete in 10 (a claim's repair is
due by the shop's estimate; 10 working days when the shop gives none)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.sla import WorkingDayPolicy


class CaseSlaPolicy(WorkingDayPolicy):
    """Working-day deadlines of one type of case, and how many hours before a deadline its handler is
    reminded (clock hours: "24 hours before")."""

    class CaseType(models.TextChoices):
        RETURN = "request_return", _("After-sales request: return")
        EXCHANGE = "request_exchange", _("After-sales request: exchange")
        REPAIR = "request_repair", _("After-sales request: free repair")
        CLAIM = "claim", _("Warranty claim")

    STAGE_FIELDS = {
        "acknowledge": "acknowledge_working_days",
        "assess": "assess_working_days",
        "complete": "complete_working_days",
    }
    REMINDER_IN_WORKING_HOURS = False

    case_type = models.CharField(_("type of case"), max_length=20, choices=CaseType.choices, unique=True)
    acknowledge_working_days = models.PositiveSmallIntegerField(_("acknowledge within (working days)"), default=1)
    assess_working_days = models.PositiveSmallIntegerField(_("assess / authorise within (working days)"), default=3)
    complete_working_days = models.PositiveSmallIntegerField(
        _("complete within (working days)"),
        default=10,
        help_text=_("For warranty claims: when the repair shop gives no estimated completion date."),
    )
    reminder_lead_hours = models.PositiveSmallIntegerField(_("remind the handler (hours before a deadline)"), default=24)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case SLA policy")
        verbose_name_plural = _("case SLA policies")
        ordering = ["case_type"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledge_working_days__gte=1)
                & Q(acknowledge_working_days__lte=F("assess_working_days"))
                & Q(assess_working_days__lte=F("complete_working_days")),
                name="warranty_sla_deadlines_in_order",
                violation_error_message=_("Deadlines must be in order: 1 ≤ acknowledge ≤ assess ≤ complete."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_case_type_display())

    @classmethod
    def for_case(cls, case) -> CaseSlaPolicy:
        """The policy of ``case`` (a request of its kind, or a claim); the defaults when staff set none."""
        return cls.lookup(case_type=case.sla_case_type)
