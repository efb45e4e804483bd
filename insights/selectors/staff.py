"""The staff dashboard: every figure aggregated in SQL (one grouped query per chart, no per-row queries)."""

from __future__ import annotations

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from accounts.models import User
from complaints.models import Category, Complaint
from contracts.models import Order
from marketplace import catalogue
from marketplace.models import Listing
from surveys.models import Survey
from warranty.models import AfterSalesRequest, ComponentGroup, WarrantyClaim

from ..models import Review
from .charts import Chart, DateRange, by_month, days, month_key, num

SOLD_STATUSES = (Order.Status.DELIVERED, Order.Status.RETURNED)
TOP_MODELS = 10
TREND_MODELS = 5


def sales_in(period: DateRange):
    """Orders delivered in the period (a later return does not undo the sale in the statistics)."""
    return Order.objects.filter(period.within("delivered_at"), status__in=SOLD_STATUSES)


def _days_to_sell():
    return ExpressionWrapper(F("reserved_at") - F("listing__published_at"), output_field=DurationField())


def with_selling_time(orders):
    """Orders whose listing was published before the reservation (a car re-published after a return
    carries its new publication date, which says nothing about the earlier sale)."""
    return orders.filter(listing__published_at__isnull=False, reserved_at__gte=F("listing__published_at"))


def _model_label(make: str, model: str) -> str:
    return f"{catalogue.make_label(make)} {catalogue.model_label(make, model)}"


def sales_chart(period: DateRange) -> Chart:
    rows = by_month(sales_in(period), "delivered_at", n=Count("pk"), gmv=Sum("agreed_price"))
    months = period.months()
    table = [[m, rows[m]["n"] if m in rows else 0, num(rows[m]["gmv"]) if m in rows else 0] for m in months]
    return Chart(
        key="sales",
        title=_("Sales per month and GMV"),
        columns=[_("Month"), _("Cars sold"), _("GMV (CNY)")],
        rows=table,
        labels=months,
        datasets=[
            {"label": _("Cars sold"), "data": [r[1] for r in table], "type": "bar", "yAxisID": "y"},
            {"label": _("GMV (CNY)"), "data": [r[2] for r in table], "type": "line", "yAxisID": "y1"},
        ],
        note=_("Orders delivered in the period, by month of delivery."),
    )


def days_to_sell_chart(period: DateRange) -> Chart:
    rows = by_month(with_selling_time(sales_in(period)), "delivered_at", avg=Avg(_days_to_sell()), n=Count("pk"))
    table = [[m, days(rows[m]["avg"]) if m in rows else None, rows[m]["n"] if m in rows else 0] for m in period.months()]
    return Chart.of_table(
        key="days_to_sell",
        title=_("Average days to sell"),
        kind="line",
        columns=[_("Month"), _("Average days from publishing to reservation"), _("Cars sold")],
        rows=table,
        series=_("Days to sell"),
        unit=_("days"),
    )


def listings_by_status_chart(period: DateRange) -> Chart:
    labels = dict(Listing.Status.choices)
    counts = {r["status"]: r["n"] for r in Listing.objects.values("status").annotate(n=Count("pk"))}
    table = [[str(labels[s]), counts.get(s, 0)] for s in Listing.Status.values]
    return Chart.of_table(
        key="listings",
        title=_("Listings by status (now)"),
        kind="doughnut",
        columns=[_("Status"), _("Listings")],
        rows=table,
        series=_("Listings"),
    )


def top_models_chart(period: DateRange) -> Chart:
    rows = list(
        sales_in(period)
        .values("listing__vehicle__make", "listing__vehicle__model")
        .annotate(n=Count("pk"), gmv=Sum("agreed_price"), avg=Avg("agreed_price"))
        .order_by("-n", "-gmv", "listing__vehicle__make", "listing__vehicle__model")[:TOP_MODELS]
    )
    table = [
        [_model_label(r["listing__vehicle__make"], r["listing__vehicle__model"]), r["n"], num(r["gmv"]), round(float(r["avg"]))]
        for r in rows
    ]
    return Chart.of_table(
        key="top_models",
        title=_("Top makes and models"),
        kind="hbar",
        columns=[_("Make and model"), _("Cars sold"), _("GMV (CNY)"), _("Average price (CNY)")],
        rows=table,
        series=_("Cars sold"),
    )


def price_trends_chart(period: DateRange) -> Chart:
    top = list(
        sales_in(period)
        .values_list("listing__vehicle__make", "listing__vehicle__model")
        .annotate(n=Count("pk"))
        .order_by("-n", "listing__vehicle__make", "listing__vehicle__model")[:TREND_MODELS]
    )
    pairs = [(make, model) for make, model, _n in top]
    query = Q(pk__in=[])
    for make, model in pairs:
        query |= Q(listing__vehicle__make=make, listing__vehicle__model=model)
    rows = (
        sales_in(period)
        .filter(query)
        .annotate(month=TruncMonth("delivered_at"))
        .values("month", "listing__vehicle__make", "listing__vehicle__model")
        .annotate(avg=Avg("agreed_price"), n=Count("pk"))
    )
    cells = {(month_key(r["month"]), r["listing__vehicle__make"], r["listing__vehicle__model"]): r for r in rows}
    months = period.months()
    table, datasets = [], []
    for make, model in pairs:
        label = _model_label(make, model)
        series = []
        for m in months:
            cell = cells.get((m, make, model))
            value = round(float(cell["avg"])) if cell else None
            series.append(value)
            if cell:
                table.append([m, label, value, cell["n"]])
        datasets.append({"label": label, "data": series, "spanGaps": True})
    table.sort(key=lambda r: (r[1], r[0]))
    return Chart(
        key="price_trends",
        title=_("Transaction price trends by make and model"),
        kind="line",
        columns=[_("Month"), _("Make and model"), _("Average agreed price (CNY)"), _("Cars sold")],
        rows=table,
        labels=months,
        datasets=datasets,
        note=_("Average agreed price per month of the five best-selling models (market analysis from transactions)."),
    )


def complaints_in(period: DateRange):
    return Complaint.objects.filter(period.within("created_at"))


def complaints_by_category_chart(period: DateRange) -> Chart:
    counts = {r["category"]: r["n"] for r in complaints_in(period).values("category").annotate(n=Count("pk"))}
    table = [[str(label), counts.get(value, 0)] for value, label in Category.choices]
    return Chart.of_table(
        key="complaints",
        title=_("Complaints by category"),
        columns=[_("Category"), _("Complaints")],
        rows=table if any(r[1] for r in table) else [],
        series=_("Complaints"),
    )


def _handling_time():
    return ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())


def _sla_decided():
    """Complaints whose SLA outcome is known: a deadline was missed, or the case was resolved/closed."""
    return Q(breached_at__isnull=False) | Q(status__in=Complaint.DONE_STATUSES)


def sla_chart(period: DateRange) -> Chart:
    rows = by_month(
        complaints_in(period).filter(_sla_decided()),
        "created_at",
        n=Count("pk"),
        met=Count("pk", filter=Q(breached_at__isnull=True)),
    )
    months = period.months()
    table = []
    for m in months:
        r = rows.get(m)
        table.append([m, r["n"] if r else 0, r["met"] if r else 0, round(100 * r["met"] / r["n"], 1) if r else None])
    return Chart(
        key="sla",
        title=_("Complaint SLA compliance"),
        kind="line",
        columns=[_("Month filed"), _("Cases decided"), _("Within all deadlines"), _("Compliance %")],
        rows=table if any(r[1] for r in table) else [],
        labels=months,
        datasets=[{"label": _("Compliance %"), "data": [r[3] for r in table], "spanGaps": True}],
        unit="%",
    )


def handling_time_chart(period: DateRange) -> Chart:
    rows = by_month(
        Complaint.objects.filter(period.within("resolved_at")), "resolved_at", avg=Avg(_handling_time()), n=Count("pk")
    )
    table = [[m, days(rows[m]["avg"]) if m in rows else None, rows[m]["n"] if m in rows else 0] for m in period.months()]
    return Chart.of_table(
        key="handling_time",
        title=_("Average complaint handling time"),
        kind="line",
        columns=[_("Month resolved"), _("Average days from filing to resolution"), _("Cases resolved")],
        rows=table if any(r[2] for r in table) else [],
        series=_("Days to resolve"),
        series_options={"spanGaps": True},
        unit=_("days"),
    )


def after_sales_chart(period: DateRange) -> Chart:
    kinds = dict(AfterSalesRequest.Kind.choices)
    statuses = dict(AfterSalesRequest.Status.choices)
    counts = {
        (r["kind"], r["status"]): r["n"]
        for r in AfterSalesRequest.objects.filter(period.within("submitted_at")).values("kind", "status").annotate(n=Count("pk"))
    }
    table = [[str(kinds[k]), str(statuses[s]), n] for (k, s), n in sorted(counts.items())]
    return Chart(
        key="after_sales",
        title=_("After-sales requests by type and outcome"),
        columns=[_("Type"), _("Outcome"), _("Requests")],
        rows=table,
        labels=[str(label) for label in kinds.values()],
        datasets=[
            {"label": str(statuses[s]), "data": [counts.get((k, s), 0) for k in kinds]}
            for s in AfterSalesRequest.Status.values
            if any(counts.get((k, s)) for k in kinds)
        ],
        stacked=True,
    )


def warranty_claims_chart(period: DateRange) -> Chart:
    rows = {
        r["part__group"]: r
        for r in WarrantyClaim.objects.filter(period.within("submitted_at"))
        .values("part__group")
        .annotate(
            n=Count("pk"),
            cost=Sum(F("repair__labour_cost") + F("repair__parts_cost")),
        )
    }
    groups = list(ComponentGroup.objects.filter(pk__in=list(rows)).order_by("position", "code"))
    table = [[str(g), rows[g.pk]["n"], num(rows[g.pk]["cost"]) or 0] for g in groups]
    return Chart(
        key="warranty",
        title=_("Warranty claims by component and repair cost"),
        columns=[_("Component"), _("Claims"), _("Repair cost (CNY)")],
        rows=table,
        labels=[r[0] for r in table],
        datasets=[
            {"label": _("Claims"), "data": [r[1] for r in table], "type": "bar", "yAxisID": "y"},
            {"label": _("Repair cost (CNY)"), "data": [r[2] for r in table], "type": "line", "yAxisID": "y1"},
        ],
    )


def surveys_in(period: DateRange):
    return Survey.objects.answered().filter(period.within("answered_at"))


def csat_nps_chart(period: DateRange) -> Chart:
    rows = by_month(
        surveys_in(period),
        "answered_at",
        n=Count("pk"),
        csat=Avg("csat"),
        promoters=Count("pk", filter=Q(nps__gte=9)),
        detractors=Count("pk", filter=Q(nps__lte=6)),
    )
    months = period.months()
    table = []
    for m in months:
        r = rows.get(m)
        if r:
            table.append([m, r["n"], round(float(r["csat"]), 2), round(100 * (r["promoters"] - r["detractors"]) / r["n"])])
        else:
            table.append([m, 0, None, None])
    return Chart(
        key="csat_nps",
        title=_("Customer satisfaction (CSAT) and NPS"),
        kind="line",
        columns=[_("Month answered"), _("Answers"), _("CSAT (1–5)"), _("NPS (−100…100)")],
        rows=table if any(r[1] for r in table) else [],
        labels=months,
        datasets=[
            {"label": _("CSAT (1–5)"), "data": [r[2] for r in table], "yAxisID": "y", "spanGaps": True},
            {"label": _("NPS"), "data": [r[3] for r in table], "yAxisID": "y1", "spanGaps": True},
        ],
    )


def dealer_league(period: DateRange) -> Chart:
    """Every dealer with score, sales, GMV, rating and complaints (correlated subqueries: one query in all)."""
    sales = sales_in(period).filter(listing__dealer=OuterRef("pk")).values("listing__dealer")
    complaints = complaints_in(period).filter(dealer=OuterRef("pk")).values("dealer")
    reviews = Review.objects.public().filter(dealer=OuterRef("pk")).values("dealer")
    dealers = (
        User.objects.filter(role=User.Role.DEALER)
        .select_related("dealer_profile", "dealer_score")
        .annotate(
            sales=Coalesce(Subquery(sales.annotate(n=Count("pk")).values("n")), 0),
            gmv=Coalesce(
                Subquery(sales.annotate(s=Sum("agreed_price")).values("s")),
                Value(0),
                output_field=Order._meta.get_field("agreed_price"),
            ),
            complaint_count=Coalesce(Subquery(complaints.annotate(n=Count("pk")).values("n")), 0),
            rating=Subquery(reviews.annotate(a=Avg("overall")).values("a")),
            review_count=Coalesce(Subquery(reviews.annotate(n=Count("pk")).values("n")), 0),
        )
        .order_by(F("dealer_score__score").desc(nulls_last=True), "-gmv", "pk")
    )
    table = []
    for d in dealers:
        score = score_of(d)
        table.append(
            [
                d.display_name,
                score,
                d.sales,
                num(d.gmv) or 0,
                round(float(d.rating), 2) if d.rating is not None else None,
                d.review_count,
                d.complaint_count,
                round(d.complaint_count / d.sales, 2) if d.sales else None,
            ]
        )
    return Chart(
        key="dealers",
        title=_("Dealer league table"),
        kind="table",
        columns=[
            _("Dealer"),
            _("Score"),
            _("Cars sold"),
            _("GMV (CNY)"),
            _("Average rating"),
            _("Reviews"),
            _("Complaints"),
            _("Complaints per sale"),
        ],
        rows=table,
    )


def score_of(dealer) -> int | None:
    """The dealer's stored score (None before the first nightly run); no query after select_related."""
    try:
        return dealer.dealer_score.score
    except User.dealer_score.RelatedObjectDoesNotExist:
        return None


def kpis(period: DateRange) -> dict:
    """The headline figures of the period (each one aggregate query)."""
    sales = sales_in(period).aggregate(n=Count("pk"), gmv=Sum("agreed_price"))
    to_sell = with_selling_time(sales_in(period)).aggregate(avg=Avg(_days_to_sell()))
    sla = (
        complaints_in(period).filter(_sla_decided()).aggregate(n=Count("pk"), met=Count("pk", filter=Q(breached_at__isnull=True)))
    )
    handling = Complaint.objects.filter(period.within("resolved_at")).aggregate(avg=Avg(_handling_time()))
    survey = surveys_in(period).results()
    return {
        "sales": sales["n"],
        "gmv": sales["gmv"] or 0,
        "gmv_text": f"{int(sales['gmv'] or 0):,}",  # grouped in both languages
        "days_to_sell": days(to_sell["avg"]),
        "sla_percent": round(100 * sla["met"] / sla["n"], 1) if sla["n"] else None,
        "handling_days": days(handling["avg"]),
        "csat": survey["csat_avg"],
        "nps": survey["nps"],
        "complaints": complaints_in(period).count(),
    }


STAFF_CHARTS = {
    "sales": sales_chart,
    "days_to_sell": days_to_sell_chart,
    "listings": listings_by_status_chart,
    "top_models": top_models_chart,
    "price_trends": price_trends_chart,
    "complaints": complaints_by_category_chart,
    "sla": sla_chart,
    "handling_time": handling_time_chart,
    "after_sales": after_sales_chart,
    "warranty": warranty_claims_chart,
    "csat_nps": csat_nps_chart,
    "dealers": dealer_league,
}
