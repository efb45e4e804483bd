"""The dealer dashboard: the dealer's own funnel, speed, score, open cases and survey results."""

from __future__ import annotations

import datetime as dt
import math

from django.db.models import Avg, Count, Sum
from django.utils.translation import gettext as _

from complaints.models import Complaint
from contracts.models import Order
from marketplace.models import Favourite
from surveys.models import Survey
from warranty.models import AfterSalesRequest, WarrantyClaim

from ..models import DealerScoreHistory, ListingViewStat, Review
from .charts import Chart, DateRange, days
from .staff import _days_to_sell, sales_in, with_selling_time


def funnel(dealer, period: DateRange) -> Chart:
    """Views → favourites → reservations → sales of the dealer's cars in the period (4 aggregate queries)."""
    views = (
        ListingViewStat.objects.filter(listing__dealer=dealer, day__gte=period.start, day__lte=period.end).aggregate(
            n=Sum("views")
        )["n"]
        or 0
    )
    favourites = Favourite.objects.filter(period.within("created_at"), listing__dealer=dealer).count()
    reservations = Order.objects.filter(period.within("reserved_at"), listing__dealer=dealer).count()
    sales = sales_in(period).filter(listing__dealer=dealer).count()
    steps = [
        (_("Detail-page views"), views),
        (_("Favourites"), favourites),
        (_("Reservations"), reservations),
        (_("Sales"), sales),
    ]
    rows = []
    for index, (label, value) in enumerate(steps):
        previous = steps[index - 1][1] if index else None
        rows.append([str(label), value, round(100 * value / previous, 1) if previous else None])
    # Bar widths on a log scale: a funnel spans orders of magnitude (thousands of views, a few sales).
    top = math.log10(max(r[1] for r in rows) + 1) or 1
    widths = [max(4, round(100 * math.log10(r[1] + 1) / top)) for r in rows]
    return Chart.of_table(
        key="funnel",
        title=_("Sales funnel"),
        kind="hbar",
        columns=[_("Step"), _("Count"), _("Conversion from previous step %")],
        rows=rows,
        series=_("Count"),
        series_options={"widths": widths},
    )


def days_to_sell(dealer, period: DateRange) -> float | None:
    avg = with_selling_time(sales_in(period).filter(listing__dealer=dealer)).aggregate(avg=Avg(_days_to_sell()))["avg"]
    return days(avg)


def score_trend(dealer, *, since: dt.date) -> Chart:
    rows = list(DealerScoreHistory.objects.filter(dealer=dealer, day__gte=since).order_by("day").values_list("day", "score"))
    table = [[day.isoformat(), score] for day, score in rows]
    return Chart.of_table(
        key="score_trend",
        title=_("Score trend"),
        kind="line",
        columns=[_("Day"), _("Score")],
        rows=table,
        series=_("Score"),
    )


def open_cases(dealer) -> list[dict]:
    """The dealer's open complaints, after-sales requests and warranty claims, soonest deadline first."""
    cases = []
    for complaint in Complaint.objects.open().filter(dealer=dealer).order_by("next_deadline_at")[:50]:
        cases.append(
            {
                "kind": _("Complaint"),
                "label": complaint.number,
                "subject": complaint.subject,
                "status": complaint.get_status_display(),
                "deadline": complaint.next_deadline_at,
                "breached": bool(complaint.breached_at),
                "url": "",
            }
        )
    for request in (
        AfterSalesRequest.objects.open()
        .filter(coverage__order__listing__dealer=dealer)
        .select_related("coverage__order__listing__vehicle")
        .order_by("next_deadline_at")[:50]
    ):
        cases.append(
            {
                "kind": _("After-sales request"),
                "label": f"#{request.pk} · {request.get_kind_display()}",
                "subject": str(request.coverage.order.listing),
                "status": request.get_status_display(),
                "deadline": request.next_deadline_at,
                "breached": bool(request.breached_at),
                "url": request.get_absolute_url(),
            }
        )
    for claim in (
        WarrantyClaim.objects.open()
        .filter(coverage__order__listing__dealer=dealer)
        .select_related("coverage__order__listing__vehicle", "part")
        .order_by("next_deadline_at")[:50]
    ):
        cases.append(
            {
                "kind": _("Warranty claim"),
                "label": f"#{claim.pk} · {claim.part}",
                "subject": str(claim.coverage.order.listing),
                "status": claim.get_status_display(),
                "deadline": claim.next_deadline_at,
                "breached": bool(claim.breached_at),
                "url": claim.get_absolute_url(),
            }
        )
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(cases, key=lambda c: c["deadline"] or far)


def survey_results(dealer, period: DateRange) -> dict:
    answered = Survey.objects.filter(period.within("answered_at"), dealer=dealer)
    results = answered.results()
    results["by_kind"] = list(answered.answered().values("kind").annotate(n=Count("pk"), csat=Avg("csat")).order_by("kind"))
    labels = dict(Survey.Kind.choices)
    for row in results["by_kind"]:
        row["label"] = labels.get(row["kind"], row["kind"])
    results["comments"] = list(answered.answered().exclude(comment="").order_by("-answered_at")[:5])
    return results


def recent_reviews(dealer, limit: int = 5):
    return list(Review.objects.public().of_dealer(dealer).select_related("buyer", "order__listing__vehicle")[:limit])
