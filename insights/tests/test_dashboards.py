"""Dashboards: numbers equal independent SQL aggregates; only staff (or the dealer) may look; no N+1."""

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import User
from complaints.models import Complaint
from conftest import make_user
from insights import services
from insights.selectors.charts import DateRange
from insights.selectors.staff import STAFF_CHARTS, kpis
from marketplace.tests.factories import ListingFactory
from warranty.models import AfterSalesRequest

from .factories import after_sales_request, at, complaint, sold_order, survey, warranty_claim

PERIOD = {"start": "2026-01-01", "end": "2026-06-30"}
RANGE = DateRange(start=at(2026, 1, 1).date(), end=at(2026, 6, 30).date())


@pytest.fixture
def dataset(db, dealer, other_dealer):
    """Sales in Jan–Jun 2026 (and one outside), complaints, after-sales, warranty claims and surveys."""
    buyers = [make_user(f"b{i}") for i in range(4)]
    orders = []
    for i, (month, price, make, model) in enumerate(
        [
            (1, 98000, "Toyota", "Corolla"),
            (1, 120000, "Honda", "Civic"),
            (2, 101000, "Toyota", "Corolla"),
            (3, 87000, "Toyota", "Corolla"),
            (3, 150000, "BMW", "3 Series"),
            (4, 99000, "Honda", "Civic"),
            (5, 130000, "BMW", "3 Series"),
            (6, 95000, "Toyota", "Corolla"),
        ]
    ):
        seller = dealer if i % 3 else other_dealer
        orders.append(
            sold_order(
                buyer=buyers[i % 4],
                dealer=seller,
                delivered_at=at(2026, month, 15),
                price=price,
                make=make,
                model=model,
                published_at=at(2026, month, 1),
                reserved_at=at(2026, month, 1 + i),
            )
        )
    sold_order(buyer=buyers[0], dealer=dealer, delivered_at=at(2025, 11, 15), price=80000)  # outside the period
    ListingFactory.create_batch(3, dealer=dealer)  # on sale
    for i, category in enumerate(
        [Complaint.Category.VEHICLE_QUALITY] * 3 + [Complaint.Category.DELIVERY, Complaint.Category.CONTRACT]
    ):
        complaint(
            buyer=buyers[i % 4],
            dealer=dealer,
            created_at=at(2026, 2 + i % 3, 3),
            category=category,
            breached=i == 0,
            status=Complaint.Status.CLOSED if i < 3 else Complaint.Status.NEW,
            resolved_at=at(2026, 2 + i % 3, 3 + 2 * (i + 1)) if i < 3 else None,
        )
    after_sales_request(
        order=orders[1],
        submitted_at=at(2026, 1, 20),
        kind=AfterSalesRequest.Kind.REPAIR,
        status=AfterSalesRequest.Status.COMPLETED,
    )
    after_sales_request(
        order=orders[2],
        submitted_at=at(2026, 2, 20),
        kind=AfterSalesRequest.Kind.RETURN,
        status=AfterSalesRequest.Status.REJECTED,
    )
    warranty_claim(order=orders[3], submitted_at=at(2026, 4, 2), part_code=None, cost=4200)
    warranty_claim(order=orders[4], submitted_at=at(2026, 4, 9), part_code=None, cost=1800)
    for i, order in enumerate(orders[:6]):
        survey(
            order=order,
            answered_at=at(2026, order.delivered_at.month, 25),
            csat=[5, 4, 3, 5, 2, 4][i],
            nps=[10, 9, 6, 8, 3, 10][i],
        )
    services.dealer_scores_recompute(now=at(2026, 6, 30, 2))
    return orders


def _sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _bounds():
    return [RANGE.start_at, RANGE.end_at]


def test_sales_and_gmv_equal_sql_aggregates(dataset):
    chart = STAFF_CHARTS["sales"](RANGE)
    ((count, gmv),) = _sql(
        "SELECT COUNT(*), SUM(agreed_price) FROM contracts_order WHERE status IN ('delivered', 'returned') AND delivered_at >= %s AND delivered_at < %s",
        _bounds(),
    )
    assert sum(r[1] for r in chart.rows) == count == 8
    assert sum(r[2] for r in chart.rows) == gmv
    assert kpis(RANGE)["gmv"] == gmv
    if connection.vendor == "sqlite":  # month in Asia/Shanghai, computed independently
        per_month = dict(
            _sql(
                "SELECT strftime('%%Y-%%m', datetime(delivered_at, '+8 hours')), COUNT(*) FROM contracts_order "
                "WHERE status IN ('delivered', 'returned') AND delivered_at >= %s AND delivered_at < %s GROUP BY 1",
                _bounds(),
            )
        )
        assert {r[0]: r[1] for r in chart.rows if r[1]} == per_month


def test_average_days_to_sell_equals_sql(dataset):
    if connection.vendor == "sqlite":
        diff = "julianday(o.reserved_at) - julianday(l.published_at)"
    else:
        diff = "EXTRACT(EPOCH FROM (o.reserved_at - l.published_at)) / 86400"
    ((expected,),) = _sql(
        f"SELECT AVG({diff}) FROM contracts_order o JOIN marketplace_listing l ON l.id = o.listing_id "
        "WHERE o.status IN ('delivered', 'returned') AND o.delivered_at >= %s AND o.delivered_at < %s",
        _bounds(),
    )
    assert kpis(RANGE)["days_to_sell"] == round(expected, 1)


def test_listings_by_status_and_complaints_by_category_equal_sql(dataset):
    listings = {str(label): n for label, n in STAFF_CHARTS["listings"](RANGE).rows if n}
    from marketplace.models import Listing

    labels = dict(Listing.Status.choices)
    assert listings == {str(labels[s]): n for s, n in _sql("SELECT status, COUNT(*) FROM marketplace_listing GROUP BY status")}
    categories = dict(Complaint.Category.choices)
    rows = {label: n for label, n in STAFF_CHARTS["complaints"](RANGE).rows if n}
    expected = _sql(
        "SELECT category, COUNT(*) FROM complaints_complaint WHERE created_at >= %s AND created_at < %s GROUP BY category",
        _bounds(),
    )
    assert rows == {str(categories[c]): n for c, n in expected}


def test_sla_handling_time_and_csat_equal_sql(dataset):
    ((decided, met),) = _sql(
        "SELECT COUNT(*), SUM(CASE WHEN breached_at IS NULL THEN 1 ELSE 0 END) FROM complaints_complaint "
        "WHERE created_at >= %s AND created_at < %s AND (breached_at IS NOT NULL OR status IN ('resolved', 'closed'))",
        _bounds(),
    )
    figures = kpis(RANGE)
    assert figures["sla_percent"] == round(100 * met / decided, 1)
    diff = (
        "julianday(resolved_at) - julianday(created_at)"
        if connection.vendor == "sqlite"
        else "EXTRACT(EPOCH FROM (resolved_at - created_at)) / 86400"
    )
    ((handling,),) = _sql(f"SELECT AVG({diff}) FROM complaints_complaint WHERE resolved_at >= %s AND resolved_at < %s", _bounds())
    assert figures["handling_days"] == round(float(handling), 1)
    ((csat, n, promoters, detractors),) = _sql(
        "SELECT AVG(csat), COUNT(*), SUM(CASE WHEN nps >= 9 THEN 1 ELSE 0 END), SUM(CASE WHEN nps <= 6 THEN 1 ELSE 0 END) "
        "FROM surveys_survey WHERE answered_at IS NOT NULL AND answered_at >= %s AND answered_at < %s",
        _bounds(),
    )
    assert figures["csat"] == round(float(csat), 2) and figures["nps"] == round(100 * (promoters - detractors) / n)
    chart = STAFF_CHARTS["csat_nps"](RANGE)
    assert sum(r[1] for r in chart.rows) == n


def test_warranty_cost_and_after_sales_and_league_equal_sql(dataset, dealer):
    ((claims, cost),) = _sql(
        "SELECT COUNT(*), SUM(r.labour_cost + r.parts_cost) FROM warranty_warrantyclaim c LEFT JOIN warranty_repairrecord r ON r.claim_id = c.id "
        "WHERE c.submitted_at >= %s AND c.submitted_at < %s",
        _bounds(),
    )
    rows = STAFF_CHARTS["warranty"](RANGE).rows
    assert sum(r[1] for r in rows) == claims == 2 and sum(r[2] for r in rows) == cost == 6000
    assert (
        sum(r[2] for r in STAFF_CHARTS["after_sales"](RANGE).rows)
        == _sql("SELECT COUNT(*) FROM warranty_aftersalesrequest")[0][0]
    )
    league = {r[0]: r for r in STAFF_CHARTS["dealers"](RANGE).rows}
    ((sales, gmv),) = _sql(
        "SELECT COUNT(*), SUM(o.agreed_price) FROM contracts_order o JOIN marketplace_listing l ON l.id = o.listing_id "
        "WHERE l.dealer_id = %s AND o.status IN ('delivered', 'returned') AND o.delivered_at >= %s AND o.delivered_at < %s",
        [dealer.pk, *_bounds()],
    )
    assert league[dealer.display_name][2:4] == [sales, gmv]
    assert league[dealer.display_name][1] == dealer.dealer_score.score


def test_staff_dashboard_renders_every_chart_in_constant_queries(dataset, staff_user, client, django_assert_max_num_queries):
    client.force_login(staff_user)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("insights:staff_dashboard"), PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    for key in STAFF_CHARTS:
        assert f"/insights/staff/{key}.csv" in body
    assert "<script>" not in body  # CSP: data only in json_script blocks


def test_each_chart_downloads_as_csv(dataset, staff_user, client):
    client.force_login(staff_user)
    response = client.get(reverse("insights:staff_csv", args=["sales"]), PERIOD)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Month", "Cars sold", "GMV (CNY)"] and len(rows) == 7
    assert client.get(reverse("insights:staff_csv", args=["nope"])).status_code == 404


@pytest.mark.parametrize("name", ["staff_dashboard", "customers"])
def test_non_staff_get_403_on_staff_pages(db, buyer, dealer, client, name):
    for user in (buyer, dealer):
        client.force_login(user)
        assert client.get(reverse(f"insights:{name}")).status_code == 403
    assert client.get(reverse("insights:staff_csv", args=["sales"])).status_code == 403
    client.logout()
    assert client.get(reverse(f"insights:{name}")).status_code == 302


def test_dealer_dashboard_is_for_dealers_only_and_shows_their_own_funnel(
    dataset, dealer, buyer, staff_user, client, django_assert_max_num_queries
):
    for user in (buyer, staff_user):
        client.force_login(user)
        assert client.get(reverse("insights:dealer_dashboard")).status_code == 403
    listing = dealer.listings.first()
    for _ in range(3):
        services.listing_view_record(listing=listing, now=at(2026, 3, 3))
    client.force_login(dealer)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("insights:dealer_dashboard"), PERIOD)
    assert response.status_code == 200
    funnel = {row[0]: row[1] for row in response.context["charts"]["funnel"].rows}
    ((sales,),) = _sql(
        "SELECT COUNT(*) FROM contracts_order o JOIN marketplace_listing l ON l.id = o.listing_id WHERE l.dealer_id = %s "
        "AND o.status IN ('delivered', 'returned') AND o.delivered_at >= %s AND o.delivered_at < %s",
        [dealer.pk, *_bounds()],
    )
    assert list(funnel.values()) == [3, 0, sales, sales]
    assert client.get(reverse("insights:dealer_csv", args=["funnel"]), PERIOD).status_code == 200


def test_public_dealer_page_runs_in_constant_queries(dataset, dealer, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(reverse("insights:dealer", args=[dealer.pk]))
    assert response.status_code == 200
    assert client.get(reverse("insights:dealer", args=[User.objects.filter(role="buyer").first().pk])).status_code == 404
