"""The guarantee of one delivered order: the agreed terms (a snapshot) and the clocks they give."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.calendar import calendar_changed
from core.periods import is_within, last_day_of

from ..querysets import CoverageQuerySet
from .catalogue import ExtendedWarrantyPlan, localized_name


def km_within(odometer_km: int, limit_km: int) -> bool:
    """Is a reading inside a distance limit? The limit itself is inside: "3,000 km" (3,000 公里以内) covers
    the 3,000th km; only a reading beyond it (超过) is out (DESIGN.md "Counting periods"). Every km rule of
    the guarantees — window, warranty, extensions — asks this, and so do the clocks on the page."""
    return odometer_km <= limit_km


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
    day, holiday-adjusted); ``*_km_limit`` are absolute odometer readings (delivery km + allowance), the
    limit itself still covered (``km_within``).
    """

    order = models.OneToOneField("contracts.Order", on_delete=models.PROTECT, related_name="coverage", verbose_name=_("order"))
    terms_snapshot = models.JSONField(_("terms at signing/delivery"), default=dict)
    delivered_on = models.DateField(_("delivered on"))
    delivery_odometer_km = models.PositiveIntegerField(_("odometer at delivery (km)"))
    window_ends_at = models.DateTimeField(_("window ends at"))
    window_km_limit = models.PositiveIntegerField(_("window km limit (odometer)"))
    warranty_ends_at = models.DateTimeField(_("warranty ends at"), db_index=True)
    warranty_km_limit = models.PositiveIntegerField(_("warranty km limit (odometer)"))
    # An end resting on a year the calendar knows only by its fallback rule (core.periods): recomputed when
    # that year's days arrive (a newer chinesecalendar, or staff overrides), and only ever moved later.
    window_end_provisional = models.BooleanField(_("window end provisional (fallback calendar)"), default=False)
    warranty_end_provisional = models.BooleanField(_("warranty end provisional (fallback calendar)"), default=False)
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
        indexes = [
            # The nightly recomputation reads only the guarantees still resting on the fallback calendar.
            models.Index(
                fields=["id"],
                condition=models.Q(window_end_provisional=True) | models.Q(warranty_end_provisional=True),
                name="coverage_provisional_end_idx",
            ),
        ]

    def __str__(self) -> str:
        return _("Guarantee of order #%(id)s") % {"id": self.order_id}

    # --- terms -----------------------------------------------------------------------------------
    @property
    def terms(self) -> dict:
        """The contract's snapshot when a contract with terms exists, else ours (same content)."""
        return contract_terms(self.order) or self.terms_snapshot

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
        if not km_within(odometer_km, self.window_km_limit):
            return Decision(
                False,
                str(
                    _(
                        "The window's km limit was exceeded: it covers the car up to and including %(limit)s km on the "
                        "odometer (%(allow)s km after delivery); the odometer reads %(km)s km."
                    )
                    % {
                        "limit": f"{self.window_km_limit:,}",
                        "allow": f"{self.window_km_limit - self.delivery_odometer_km:,}",
                        "km": f"{odometer_km:,}",
                    }
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
        if not km_within(odometer_km, self.warranty_km_limit):
            return Decision(
                False,
                str(
                    _(
                        "The warranty's km limit was exceeded: it covers the car up to and including %(limit)s km on "
                        "the odometer; the odometer reads %(km)s km."
                    )
                    % {"limit": f"{self.warranty_km_limit:,}", "km": f"{odometer_km:,}"}
                ),
                "km_exceeded",
            )
        return Decision(True)


def _calendar_changed(sender, *, days, **kwargs) -> None:
    """Staff corrected the calendar on ``days``: recompute the guarantee ends those days may decide."""
    from ..services.coverage import coverage_recompute_ends

    coverage_recompute_ends(around=days)


calendar_changed.connect(_calendar_changed, dispatch_uid="warranty.coverage_calendar_changed")


def terms_usable(terms) -> bool:
    """A snapshot made by ``warranty.terms`` (parts as dicts with codes), not a placeholder."""
    if not isinstance(terms, dict) or not isinstance(terms.get("components"), list):
        return False
    return all(isinstance(part, dict) and "code" in part for group in terms["components"] for part in group.get("parts", []))


def contract_terms(order) -> dict | None:
    """The after-sales terms the order's contract snapshotted at signing, when it has usable ones."""
    terms = getattr(getattr(order, "contract", None), "terms", None)  # no contract: the accessor raises AttributeError
    return terms if terms_usable(terms) else None


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
