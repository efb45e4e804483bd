"""Reads that combine querysets for the pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from contracts.models import Order
from core.periods import last_day_of

from .models import AfterSalesRequest, Coverage, ExtendedWarrantyPlan, WarrantyClaim, localized_name
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

    @property
    def days_percent(self) -> int:
        return _percent(self.days_left, self.days_total)

    @property
    def km_percent(self) -> int:
        return _percent(self.km_left, self.km_total)

    @property
    def is_open(self) -> bool:
        return self.days_left > 0 and self.km_left > 0

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
    window_total_days = (last_day_of(coverage.window_ends_at) - coverage.delivered_on).days
    warranty_total_days = (last_day_of(coverage.warranty_ends_at) - coverage.delivered_on).days
    window = Clock(
        last_day=last_day_of(coverage.window_ends_at),
        days_left=coverage.window_days_left(now) if not coverage.closed_at else 0,
        days_total=window_total_days,
        km_left=coverage.window_km_left,
        km_total=coverage.window_km_limit - coverage.delivery_odometer_km,
        km_limit=coverage.window_km_limit,
    )
    warranty = Clock(
        last_day=last_day_of(coverage.warranty_ends_at),
        days_left=coverage.warranty_days_left(now) if not coverage.closed_at else 0,
        days_total=warranty_total_days,
        km_left=coverage.warranty_km_left,
        km_total=coverage.warranty_km_limit - coverage.delivery_odometer_km,
        km_limit=coverage.warranty_km_limit,
    )
    requests = list(coverage.requests.all().order_by("-submitted_at"))
    claims = list(coverage.claims.select_related("part__group", "repair_shop").order_by("-submitted_at"))
    purchases = list(coverage.purchases.select_related("plan"))
    can_extend = not purchases and not coverage.closed_at and now < coverage.warranty_ends_at
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
