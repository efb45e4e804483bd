"""What only PostgreSQL can show: twenty buyers booking the same slot at the same moment get exactly one booking.

Run with your own database, e.g.
DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_buyers .venv/bin/pytest marketplace/tests/test_appointments_postgres.py
"""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from core.calendar import SHANGHAI
from marketplace import appointments
from marketplace.models import Appointment, ViewingHours
from marketplace.tests.factories import ListingFactory, UserFactory

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (row locks, concurrency)")]

THREADS = 20


def _tomorrow_at_ten() -> dt.datetime:
    today = timezone.localtime(timezone.now(), SHANGHAI).date()
    return dt.datetime.combine(today + dt.timedelta(days=1), dt.time(10, 0), tzinfo=SHANGHAI)


@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_booking_the_same_slot_at_once_make_exactly_one_booking():
    listing = ListingFactory(price=Decimal("99000"))
    ViewingHours.objects.create(
        dealer=listing.dealer, weekly={str(d): ["09:00", "18:00"] for d in range(7)}, closed_on_public_holidays=False
    )
    buyers = [UserFactory(username=f"viewer{i}", full_name=f"Viewer {i}") for i in range(THREADS)]
    starts_at = _tomorrow_at_ten()
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(buyer):
        try:
            barrier.wait(timeout=30)
            appointments.appointment_book(listing=listing, buyer=buyer, starts_at=starts_at)
            result = "won"
        except appointments.SlotTaken:
            result = "refused"
        except Exception as exc:  # noqa: BLE001 - reported in the assertion below
            result = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(b,)) for b in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * (THREADS - 1) + ["won"], outcomes
    assert Appointment.objects.filter(listing=listing, status=Appointment.Status.BOOKED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_itself_refuses_a_second_booking_of_a_slot():
    listing = ListingFactory(price=Decimal("99000"))
    first, second = UserFactory(username="first_viewer"), UserFactory(username="second_viewer")
    starts_at = _tomorrow_at_ten()
    fields = {"listing": listing, "dealer": listing.dealer, "starts_at": starts_at, "ends_at": starts_at + dt.timedelta(hours=1)}
    Appointment.objects.create(buyer=first, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(buyer=second, **fields)
    Appointment.objects.filter(buyer=first).update(status=Appointment.Status.CANCELLED)
    Appointment.objects.create(buyer=second, **fields)  # a cancelled booking frees the slot
