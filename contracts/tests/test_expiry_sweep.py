"""The reservation expiry sweep, set-based: one UPDATE of the orders and one notification INSERT per batch,
the listing → order locks every flow on a car takes, and a car being signed right now passed over (never
both expired and signed) and expired by the next run once it is still unsigned."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from contracts import services
from contracts.models import Order
from contracts.tests.factories import reserve
from core.calendar import SHANGHAI
from core.statemachine import audit_trail
from marketplace.models import Listing
from notifications.models import Notification

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
LATER = T0 + dt.timedelta(hours=48)


def _statements(verb: str, table: str, queries) -> int:
    return sum(q["sql"].startswith(verb) and f'"{table}"' in q["sql"].split("(")[0] for q in queries.captured_queries)


def test_a_batch_of_expiries_is_one_order_update_and_one_notification_insert(buyer, other_buyer):
    orders = [reserve(buyer=buyer, now=T0), reserve(buyer=other_buyer, now=T0), reserve(buyer=other_buyer, now=T0)]
    with CaptureQueriesContext(connection) as queries:
        assert services.order_expire_reservations(now=LATER, batch_size=3) == 3
    assert _statements("UPDATE", "contracts_order", queries) == 1
    assert _statements("INSERT", "notifications_notification", queries) == 1
    listing_locks = [q["sql"] for q in queries.captured_queries if '"marketplace_listing"' in q["sql"].split("WHERE")[0]]
    assert connection.vendor != "postgresql" or any("FOR UPDATE" in sql and "SKIP LOCKED" in sql for sql in listing_locks)
    for order in orders:
        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED and order.cancel_kind == Order.CancelKind.EXPIRED
        assert order.listing.status == Listing.Status.PUBLISHED
        assert [e.action for e in audit_trail(order)][-1] == Order.CancelKind.EXPIRED
    assert Notification.objects.filter(kind="contracts.reservation_expired").count() == 6


def test_a_reservation_is_not_expired_a_moment_early(buyer):
    reserve(buyer=buyer, now=T0)
    assert services.order_expire_reservations(now=LATER - dt.timedelta(seconds=1)) == 0
    assert services.order_expire_reservations(now=LATER) == 1


@pytest.mark.django_db(transaction=True)
def test_a_car_being_signed_is_passed_over_and_expired_by_the_next_run_if_still_unsigned(buyer, other_buyer):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    busy, free = reserve(buyer=buyer, now=T0), reserve(buyer=other_buyer, now=T0)
    held, release = threading.Event(), threading.Event()

    def signing():  # a signature in progress holds the listing row (contracts lock listing, then order)
        with transaction.atomic():
            Listing.objects.select_for_update().get(pk=busy.listing_id)
            held.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=signing)
    thread.start()
    try:
        assert held.wait(10)
        assert services.order_expire_reservations(now=LATER) == 1  # not blocked by the busy car, and not expiring it
        assert Order.objects.get(pk=busy.pk).status == Order.Status.RESERVED
        assert Order.objects.get(pk=free.pk).status == Order.Status.CANCELLED
    finally:
        release.set()
        thread.join()
    assert services.order_expire_reservations(now=LATER) == 1
    assert Order.objects.get(pk=busy.pk).status == Order.Status.CANCELLED
