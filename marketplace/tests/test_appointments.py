"""Viewings and test drives: free slots from the dealer's hours and the holiday calendar, booking (never twice),
moving and cancelling by either side with the other told, attended / no-show, reminders 24 h and 2 h before,
and a reserved, sold or withdrawn car's viewings cancelled."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from contracts.services import order_reserve
from core.calendar import SHANGHAI
from core.models import CalendarOverride
from marketplace import appointments, notices, services
from marketplace.appointments.hours import free_slots, is_public_holiday, slot_at
from marketplace.appointments.reminders import appointment_reminders_sweep
from marketplace.models import Appointment, ViewingHours
from marketplace.tasks import appointment_reminders_task
from marketplace.tests.factories import ListingFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db

# Monday 9 June 2025, 08:00 in Shanghai (the dealer is closed on Thursday 12 June and every Sunday).
MONDAY = dt.datetime(2025, 6, 9, 8, 0, tzinfo=SHANGHAI)


def at(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    return (MONDAY + dt.timedelta(days=day_offset)).replace(hour=hour, minute=minute)


@pytest.fixture
def car(dealer):
    ViewingHours.objects.create(
        dealer=dealer,
        weekly={str(d): ["09:00", "17:00"] for d in range(6)},  # Sunday closed
        slot_minutes=60,
        closed_on_public_holidays=True,
        closed_days=["2025-06-12"],
    )
    return ListingFactory(dealer=dealer, price=Decimal("98000"))


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def book(car, buyer, starts_at, **kwargs):
    return appointments.appointment_book(listing=car, buyer=buyer, starts_at=starts_at, **kwargs)


def test_slots_follow_the_hours_the_closed_days_and_the_lead_time(car, clock):
    days = free_slots(listing=car, now=timezone.now())
    monday = days[MONDAY.date()]
    assert monday[0].starts_at == at(0, 10)  # 09:00 is within two hours of now (08:00)
    assert [s.starts_at.hour for s in monday] == [10, 11, 12, 13, 14, 15, 16]
    assert (MONDAY + dt.timedelta(days=3)).date() not in days  # the dealer's own closed day
    assert (MONDAY + dt.timedelta(days=6)).date() not in days  # Sunday: closed every week
    assert max(days) <= (MONDAY + dt.timedelta(days=13)).date()


def test_public_holidays_close_the_showroom_but_a_make_up_working_day_does_not(car):
    assert is_public_holiday(dt.date(2025, 10, 1), {}) and is_public_holiday(dt.date(2025, 10, 4), {})  # National Day
    assert not is_public_holiday(dt.date(2025, 9, 28), {})  # a make-up Sunday (调休)
    assert not is_public_holiday(dt.date(2025, 6, 14), {})  # an ordinary Saturday
    CalendarOverride.objects.create(date=dt.date(2025, 6, 10), kind=CalendarOverride.Kind.HOLIDAY, name="Staff day")
    with time_machine.travel(MONDAY, tick=False):
        assert (MONDAY + dt.timedelta(days=1)).date() not in free_slots(listing=car, now=timezone.now())
        ViewingHours.objects.filter(dealer=car.dealer).update(closed_on_public_holidays=False)
        assert (MONDAY + dt.timedelta(days=1)).date() in free_slots(listing=car, now=timezone.now())


def test_a_buyer_books_a_free_slot_and_the_dealer_is_told(car, buyer, clock):
    appointment = book(car, buyer, at(1, 10), kind=Appointment.Kind.TEST_DRIVE, note="Highway test please")
    assert (appointment.status, appointment.ends_at, appointment.dealer_id) == ("booked", at(1, 11), car.dealer_id)
    assert appointment.next_reminder_at == at(0, 10)  # 24 hours before
    note = Notification.objects.get(recipient=car.dealer, kind=notices.APPOINTMENT_BOOKED.code)
    assert "Test drive" in note.render("en")[0]
    assert at(1, 10) not in [s.starts_at for s in free_slots(listing=car, now=timezone.now())[at(1, 10).date()]]


def test_a_taken_closed_past_or_far_slot_is_refused(car, buyer, other_buyer, clock):
    book(car, buyer, at(1, 10))
    for starts_at in (at(1, 10), at(1, 10, 30), at(3, 10), at(0, 9), at(6, 10), at(20, 10), at(1, 17)):
        with pytest.raises(appointments.SlotTaken):
            book(car, other_buyer, starts_at)
    with pytest.raises(Exception, match="already have an appointment"):
        book(car, buyer, at(2, 10))


def test_dealers_and_cars_not_on_sale_cannot_be_booked(car, dealer, other_dealer, buyer, clock):
    with pytest.raises(Exception, match="buyer account"):
        book(car, other_dealer, at(1, 10))
    services.listing_withdraw(listing=car, actor=dealer)
    with pytest.raises(Exception, match="not on sale"):
        book(car, buyer, at(1, 10))


def test_either_side_moves_it_and_the_other_is_told(car, buyer, clock):
    appointment = book(car, buyer, at(1, 10))
    appointments.appointment_reschedule(appointment=appointment, actor=buyer, starts_at=at(2, 15))
    appointment.refresh_from_db()
    assert (appointment.starts_at, appointment.next_reminder_at) == (at(2, 15), at(1, 15))
    assert Notification.objects.filter(recipient=car.dealer, kind=notices.APPOINTMENT_RESCHEDULED.code).count() == 1
    appointments.appointment_reschedule(appointment=appointment, actor=car.dealer, starts_at=at(2, 16))
    assert Notification.objects.filter(recipient=buyer, kind=notices.APPOINTMENT_RESCHEDULED.code).count() == 1
    assert at(1, 10) in [s.starts_at for s in free_slots(listing=car, now=timezone.now())[at(1, 10).date()]]


def test_either_side_cancels_and_the_other_is_told_a_stranger_cannot(car, buyer, other_buyer, clock):
    appointment = book(car, buyer, at(1, 10))
    with pytest.raises(Exception, match="Only the buyer and the dealer"):
        appointments.appointment_cancel(appointment=appointment, actor=other_buyer)
    appointments.appointment_cancel(appointment=appointment, actor=car.dealer, reason="Car at the body shop")
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancelled_by, appointment.next_reminder_at) == ("cancelled", car.dealer, None)
    note = Notification.objects.get(recipient=buyer, kind=notices.APPOINTMENT_CANCELLED.code)
    assert "Car at the body shop" in note.render("en")[1]
    book(car, other_buyer, at(1, 10))  # the slot is free again


def test_the_dealer_marks_attended_or_no_show_once_it_began(car, buyer, other_buyer, clock):
    first, second = book(car, buyer, at(1, 10)), book(car, other_buyer, at(1, 11))
    with pytest.raises(Exception, match="once it has begun"):
        appointments.appointment_mark(appointment=first, actor=car.dealer, status=Appointment.Status.ATTENDED)
    clock.move_to(at(1, 11, 30))
    with pytest.raises(Exception, match="Only the dealer"):
        appointments.appointment_mark(appointment=first, actor=buyer, status=Appointment.Status.ATTENDED)
    appointments.appointment_mark(appointment=first, actor=car.dealer, status=Appointment.Status.ATTENDED)
    appointments.appointment_mark(appointment=second, actor=car.dealer, status=Appointment.Status.NO_SHOW)
    assert list(Appointment.objects.order_by("pk").values_list("status", flat=True)) == ["attended", "no_show"]
    with pytest.raises(Exception, match="Cannot move"):
        appointments.appointment_mark(appointment=first, actor=car.dealer, status=Appointment.Status.NO_SHOW)


def test_reminders_go_24_hours_and_2_hours_before_to_both_sides_once_each(car, buyer, clock):
    appointment = book(car, buyer, at(2, 10))
    assert appointment_reminders_sweep(now=timezone.now())["reminded"] == 0
    clock.move_to(at(1, 10))
    assert appointment_reminders_task() == {"checked": 1, "reminded": 1, "notified": 2}
    assert appointment_reminders_task() == {"checked": 0, "reminded": 0, "notified": 0}
    clock.move_to(at(2, 8, 5))
    assert appointment_reminders_task()["notified"] == 2
    keys = sorted(Notification.objects.filter(kind=notices.APPOINTMENT_REMINDER.code).values_list("dedupe_key", flat=True))
    assert [key.split(":")[-2] for key in keys] == ["24h", "24h", "2h", "2h"]
    reminder = Notification.objects.filter(recipient=buyer, kind=notices.APPOINTMENT_REMINDER.code).first()
    assert "Motors" in reminder.render("en")[1]  # where to go: the dealer's business name and address
    Appointment.objects.filter(pk=appointment.pk).update(next_reminder_at=timezone.now())
    assert appointment_reminders_task()["notified"] == 0  # a re-run never repeats a reminder


def test_a_booking_made_the_evening_before_gets_only_the_2_hour_reminder(car, buyer, clock):
    clock.move_to(at(0, 20))
    appointment = book(car, buyer, at(1, 10))
    assert appointment.next_reminder_at == at(1, 8)


def test_reserving_the_car_cancels_other_buyers_viewings_and_keeps_the_reserver_s(car, buyer, other_buyer, clock):
    mine, theirs = book(car, buyer, at(1, 10)), book(car, other_buyer, at(1, 11))
    order_reserve(buyer=buyer, listing=car)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("booked", "cancelled")
    note = Notification.objects.get(recipient=other_buyer, kind=notices.APPOINTMENT_CAR_GONE.code)
    assert "reserved by another buyer" in note.render("en")[0]


def test_a_withdrawn_car_s_viewings_are_cancelled_with_notice(car, dealer, buyer, clock):
    book(car, buyer, at(1, 10))
    services.listing_withdraw(listing=car, actor=dealer)
    assert Appointment.objects.get().status == "cancelled"
    assert Notification.objects.filter(recipient=buyer, kind=notices.APPOINTMENT_CAR_GONE.code).exists()


def test_a_sold_car_cancels_every_future_viewing(car, buyer, other_buyer, clock):
    from django.db import transaction

    from marketplace.services import listing_lock, listing_mark_sold, listing_reserve

    book(car, buyer, at(1, 10))
    book(car, other_buyer, at(1, 11))
    with transaction.atomic():
        locked = listing_lock(car.pk)
        listing_reserve(listing=locked, actor=car.dealer)
        listing_mark_sold(listing=locked, actor=car.dealer)
    assert set(Appointment.objects.values_list("status", flat=True)) == {"cancelled"}


def test_slot_at_refuses_a_start_between_slots(car, clock):
    assert slot_at(listing=car, starts_at=at(1, 10), now=timezone.now()) is not None
    assert slot_at(listing=car, starts_at=at(1, 10, 15), now=timezone.now()) is None


# --- pages ------------------------------------------------------------------------------------------


def test_a_buyer_books_reschedules_and_the_dealer_marks_attended_through_the_pages(client, car, buyer, clock):
    detail = client.get(reverse("marketplace:detail", args=[car.pk])).content.decode()
    assert f'href="/cars/{car.pk}/book/"' in detail
    client.force_login(buyer)
    page = client.get(reverse("marketplace:book", args=[car.pk])).content.decode()
    assert 'value="2025-06-10T10:00"' in page and 'value="2025-06-12T10:00"' not in page
    response = client.post(reverse("marketplace:book", args=[car.pk]), {"slot": "2025-06-10T10:00", "kind": "viewing"})
    appointment = Appointment.objects.get()
    assert response["Location"] == reverse("marketplace:appointment", args=[appointment.pk])
    assert "Tuesday 10 June 2025, 10:00" in client.get(response["Location"]).content.decode()
    action = reverse("marketplace:appointment_action", args=[appointment.pk])
    client.post(action, {"action": "reschedule", "slot": "2025-06-11T14:00"})
    appointment.refresh_from_db()
    assert appointment.starts_at == at(2, 14)
    assert str(appointment.pk) in client.get(reverse("marketplace:appointments")).content.decode()
    clock.move_to(at(2, 14, 10))
    client.force_login(car.dealer)
    assert 'data-testid="to-mark"' in client.get(reverse("marketplace:dealer_appointments")).content.decode()
    client.post(action, {"action": "attended"})
    appointment.refresh_from_db()
    assert appointment.status == "attended"


def test_a_taken_slot_posted_shows_a_message_not_an_error(client, car, buyer, other_buyer, clock):
    book(car, other_buyer, at(1, 10))
    client.force_login(buyer)
    response = client.post(
        reverse("marketplace:book", args=[car.pk]), {"slot": "2025-06-10T10:00", "kind": "viewing"}, follow=True
    )
    assert response.status_code == 200 and "no longer free" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_who_is_refused(client, car, buyer, other_buyer, other_dealer, inspector, clock):
    appointment = book(car, buyer, at(1, 10))
    detail = reverse("marketplace:appointment", args=[appointment.pk])
    action = reverse("marketplace:appointment_action", args=[appointment.pk])
    assert client.get(detail)["Location"].startswith("/accounts/login/")
    for stranger in (other_buyer, other_dealer):
        client.force_login(stranger)
        assert client.get(detail).status_code == 404
        assert client.post(action, {"action": "cancel"}).status_code == 404
    client.force_login(inspector)
    assert client.get(detail).status_code == 403
    client.force_login(buyer)
    assert client.get(reverse("marketplace:dealer_appointments")).status_code == 403
    assert client.get(reverse("marketplace:dealer_hours")).status_code == 403
    client.force_login(car.dealer)
    assert client.get(reverse("marketplace:book", args=[car.pk])).status_code == 403
    assert client.get(reverse("marketplace:appointments")).status_code == 403
    assert Appointment.objects.get().status == "booked"


def test_the_dealer_sets_hours_slot_length_and_closed_days(client, dealer):
    client.force_login(dealer)
    assert client.get(reverse("marketplace:dealer_hours")).status_code == 200
    data = {"slot_minutes": "30", "closed_on_public_holidays": "on", "closed_days": "2025-06-12\n2025-06-13"}
    for day in range(7):
        data.update({f"opens_{day}": "10:00", f"closes_{day}": "16:30"} if day < 5 else {f"closed_{day}": "on"})
    response = client.post(reverse("marketplace:dealer_hours"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    hours = ViewingHours.objects.get(dealer=dealer)
    assert (hours.slot_minutes, hours.weekly["0"], "5" in hours.weekly) == (30, ["10:00", "16:30"], False)
    assert hours.closed_days == ["2025-06-12", "2025-06-13"]
    data["closes_0"] = "09:00"
    assert "before the closing time" in client.post(reverse("marketplace:dealer_hours"), data).content.decode()
