"""Reads that combine querysets for the pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from contracts.models import Order
from core.periods import days_left, last_day_of

from .models import AfterSalesRequest, Coverage, ExtendedWarrantyPlan, WarrantyClaim, localized_name
from .models.coverage import km_within
from .services.coverage import HANDED_OVER


def _percent(left: int, total: int) -> int:
    if total <= 0:
        return 0
    return max(0, min(100, round(100 * left / total)))


@dataclass
class Clock:
    """One guarantee clock as the page shows it (days and km left, and how full each bar is)."""

    last_day: dt.date
    days_left: int
    days_total: int
    km_left: int
    km_total: int
    km_limit: int
    #: the odometer is at or below the limit: covered, even with 0 km left (the limit itself counts)
    km_within: bool = True
    #: the end rests on the fallback calendar: it may still move later, never earlier
    provisional: bool = False

    @classmethod
    def of(cls, coverage: Coverage, *, ends_at: dt.datetime, km_limit: int, now: dt.datetime, provisional: bool = False) -> Clock:
        """The clock of ``coverage`` that runs out at ``ends_at`` (exclusive) or at ``km_limit`` on the
        odometer, whichever comes first; a closed guarantee has no days left."""
        last_day = last_day_of(ends_at)
        return cls(
            last_day=last_day,
            days_left=0 if coverage.closed_at else days_left(now, ends_at),
            days_total=(last_day - coverage.delivered_on).days,
            km_left=max(0, km_limit - coverage.current_odometer_km),
            km_total=km_limit - coverage.delivery_odometer_km,
            km_limit=km_limit,
            km_within=km_within(coverage.current_odometer_km, km_limit),
            provisional=provisional and not coverage.closed_at,
        )

    @property
    def days_percent(self) -> int:
        return _percent(self.days_left, self.days_total)

    @property
    def km_percent(self) -> int:
        return _percent(self.km_left, self.km_total)

    @property
    def is_open(self) -> bool:
        """Days left and the odometer within the limit ("0 km left" is still covered)."""
        return self.days_left > 0 and self.km_within

    @property
    def tone(self) -> str:
        if not self.is_open:
            return "secondary"
        return (
            "danger"
            if min(self.days_percent, self.km_percent) <= 10
            else "warning"
            if min(self.days_percent, self.km_percent) <= 33
            else "success"
        )


def buyer_cars(user):
    """The buyer's handed-over (delivered or returned) orders, newest first, each with its guarantee
    joined when it has started. A read only: an order without one is shown as "not started yet"."""
    return (
        Order.objects.filter(buyer=user, status__in=HANDED_OVER, delivered_at__isnull=False)
        .select_related("listing__vehicle", "listing__dealer", "coverage")
        .order_by("-delivered_at", "-pk")
    )


def car_context(order: Order, *, now: dt.datetime) -> dict:
    """One car of "My cars": its guarantee figures, or ``pending`` when the guarantee has not started."""
    coverage = getattr(order, "coverage", None)  # not started: the accessor raises (an AttributeError)
    if coverage is None:
        return {"order": order, "coverage": None, "pending": True}
    return guarantee_context(coverage, now=now)


def guarantee_context(coverage: Coverage, *, now: dt.datetime) -> dict:
    """Everything the "My car" page shows, computed once."""
    terms = coverage.terms
    window = Clock.of(
        coverage,
        ends_at=coverage.window_ends_at,
        km_limit=coverage.window_km_limit,
        now=now,
        provisional=coverage.window_end_provisional,
    )
    warranty = Clock.of(
        coverage,
        ends_at=coverage.warranty_ends_at,
        km_limit=coverage.warranty_km_limit,
        now=now,
        provisional=coverage.warranty_end_provisional,
    )
    requests = list(coverage.requests.all().order_by("-submitted_at"))
    claims = list(coverage.claims.select_related("part__group", "repair_shop").order_by("-submitted_at"))
    purchases = list(coverage.purchases.select_related("plan"))
    can_extend = not purchases and warranty.is_open
    components = [
        {"name": localized_name(group), "parts": [localized_name(p) for p in group.get("parts", []) if isinstance(p, dict)]}
        for group in terms.get("components", [])
    ]
    return {
        "coverage": coverage,
        "order": coverage.order,
        "terms": terms,
        "window": window,
        "warranty": warranty,
        "components": components,
        "exclusions": [localized_name(e) for e in terms.get("exclusions", []) if isinstance(e, dict)],
        "open_requests": [r for r in requests if r.is_open],
        "open_claims": [c for c in claims if c.is_open],
        "open_count": sum(1 for case in (*requests, *claims) if case.is_open),
        "closed_requests": [r for r in requests if not r.is_open],
        "closed_claims": [c for c in claims if not c.is_open],
        "repairs": list(coverage.repairs.select_related("shop", "part").prefetch_related("parts")),
        "purchases": purchases,
        "plans": list(ExtendedWarrantyPlan.objects.filter(is_active=True)) if can_extend else [],
        "can_extend": can_extend,
        "can_request": not coverage.closed_at
        and coverage.order.status == Order.Status.DELIVERED
        and (window.is_open or bool(coverage.repeated_failure_at)),
        "can_claim": not coverage.closed_at and coverage.order.status == Order.Status.DELIVERED and warranty.is_open,
    }


def cases_for(user):
    """Requests and claims the user may see (dealer: their own cars; staff: all), newest first."""
    requests = AfterSalesRequest.objects.visible_to(user).with_related().order_by("-submitted_at")
    claims = WarrantyClaim.objects.visible_to(user).with_related().order_by("-submitted_at")
    return requests, claims
