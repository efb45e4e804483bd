"""The Celery task wrappers of every app's clock (run eagerly here; tests/integration runs a real worker).

Each wrapper must call its app's sweep with the current time, skip while another run holds the
lock, and leave exactly one notification per case, deadline and kind however often it runs. What a
clock sends is declared as a clock kind (``clock=True``), so the staff clocks page lists it; the tests
read kinds through the registry rather than by their codes, which belong to the apps that send them.
"""

import datetime as dt

import pytest
import time_machine

from complaints.models import Complaint
from complaints.tasks import complaint_sla_sweep_task
from complaints.tests.factories import file_complaint
from contracts.models import Order
from contracts.tasks import order_expire_reservations_task
from contracts.tests.factories import reserve
from core.calendar import SHANGHAI
from core.locks import sweep_lock
from notifications.kinds import get_kind
from notifications.models import Notification
from surveys import notices
from surveys.models import Survey
from surveys.tasks import survey_schedule_sweep_task
from warranty import services as warranty_services
from warranty.tasks import guarantee_clock_sweep_task, warranty_sla_sweep_task
from warranty.tests.factories import delivered_on

from .factories import delivered_order

pytestmark = pytest.mark.django_db


def sh(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def run(task, at):
    with time_machine.travel(at, tick=False):
        return task.delay().get()


def kinds(**filters):
    return sorted(Notification.objects.filter(**filters).values_list("kind", flat=True))


def sent_by(task, at, **filters) -> tuple[object, list[Notification]]:
    """Run the task: its result and the notifications it wrote (matching ``filters``), each a clock kind."""
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    result = run(task, at)
    new = list(Notification.objects.filter(pk__gt=last, **filters))
    assert [n.kind for n in new if not (get_kind(n.kind) and get_kind(n.kind).clock)] == []
    return result, new


# --- complaints: SLA sweep (every 5 minutes) ----------------------------------------------------


@pytest.fixture
def complaint(buyer, dealer, staff_user):
    # Filed Mon 2 Mar 2026 09:00: acknowledge by Tue 3 Mar 18:00, reminder 4 working hours before.
    return file_complaint(buyer=buyer, dealer=dealer, now=sh(2026, 3, 2, 9))


def test_complaint_not_due_yet_is_left_alone(complaint):
    before = Notification.objects.count()
    assert run(complaint_sla_sweep_task, sh(2026, 3, 3, 13, 59))["checked"] == 0
    assert Notification.objects.count() == before


def test_complaint_due_soon_is_reminded_once_however_often_the_sweep_runs(complaint):
    result, reminders = sent_by(complaint_sla_sweep_task, sh(2026, 3, 3, 14, 30))
    assert result["reminded"] == 1 and len(reminders) >= 1
    assert all(f"complaint:{complaint.pk}:ack:" in n.dedupe_key for n in reminders)
    result, again = sent_by(complaint_sla_sweep_task, sh(2026, 3, 3, 14, 35))
    assert result["reminded"] == 0 and again == []


def test_complaint_past_its_deadline_is_escalated_exactly_once(complaint, buyer):
    run(complaint_sla_sweep_task, sh(2026, 3, 3, 14, 30))  # the reminder first
    result, told_buyer = sent_by(complaint_sla_sweep_task, sh(2026, 3, 3, 18, 1), recipient=buyer)
    assert result["escalated"] == 1 and len(told_buyer) == 1  # "your case is delayed"
    result, again = sent_by(complaint_sla_sweep_task, sh(2026, 3, 3, 18, 6))
    assert result["escalated"] == 0 and again == []
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ESCALATED
    assert complaint.ack_breached_at == sh(2026, 3, 3, 18, 1)


def test_a_sweep_that_finds_the_lock_taken_does_nothing(complaint):
    with sweep_lock("complaints.sla_sweep") as acquired:
        assert acquired
        assert run(complaint_sla_sweep_task, sh(2026, 3, 3, 18, 1)) is None
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.NEW


# --- contracts: reservation expiry (every 15 minutes) -------------------------------------------


def test_an_expired_reservation_is_cancelled_and_both_parties_told_once(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer, now=sh(2026, 3, 2, 9))
    assert run(order_expire_reservations_task, sh(2026, 3, 4, 8, 59)) == 0
    result, told = sent_by(order_expire_reservations_task, sh(2026, 3, 4, 9, 0))
    assert result == 1 and sorted(n.recipient_id for n in told) == sorted([buyer.pk, dealer.pk])
    assert sent_by(order_expire_reservations_task, sh(2026, 3, 4, 9, 15)) == (0, [])
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED


# --- warranty: SLA sweep and guarantee clocks ---------------------------------------------------


def test_warranty_sla_task_reminds_then_escalates_once(staff_user):
    coverage = warranty_services.coverage_start(order=delivered_on(dt.date(2026, 3, 1)))
    warranty_services.request_create(
        coverage=coverage,
        actor=coverage.order.buyer,
        kind="repair",
        description="Engine knocks",
        odometer_km=35100,
        now=sh(2026, 3, 6, 10),
    )
    assert run(warranty_sla_sweep_task, sh(2026, 3, 8, 9)) == {"reminded": 0, "breached": 0}
    assert run(warranty_sla_sweep_task, sh(2026, 3, 9, 9)) == {"reminded": 1, "breached": 0}
    assert run(warranty_sla_sweep_task, sh(2026, 3, 9, 18, 1)) == {"reminded": 0, "breached": 1}
    assert run(warranty_sla_sweep_task, sh(2026, 3, 9, 18, 6)) == {"reminded": 0, "breached": 0}


def test_guarantee_clock_task_uses_the_shanghai_date(db):
    coverage = warranty_services.coverage_start(order=delivered_on(dt.date(2026, 3, 1)))
    # 27 Mar 16:30 UTC is already 28 Mar 00:30 in Shanghai: the window closes within 3 days.
    assert run(guarantee_clock_sweep_task, dt.datetime(2026, 3, 27, 15, 59, tzinfo=dt.UTC))["window_closing"] == 0
    assert run(guarantee_clock_sweep_task, dt.datetime(2026, 3, 27, 16, 30, tzinfo=dt.UTC))["window_closing"] == 1
    assert run(guarantee_clock_sweep_task, sh(2026, 3, 28, 9))["window_closing"] == 0
    assert Notification.objects.filter(recipient=coverage.order.buyer).count() == 1


# --- surveys ------------------------------------------------------------------------------------


def test_survey_task_sends_due_surveys_once(buyer, django_capture_on_commit_callbacks):
    delivered_order(buyer=buyer, delivered_at=sh(2026, 3, 1, 10))
    with django_capture_on_commit_callbacks(execute=True):
        result = run(survey_schedule_sweep_task, sh(2026, 3, 8, 10))
    assert result["sent"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert run(survey_schedule_sweep_task, sh(2026, 3, 8, 11))["sent"] == 0
    code = notices.INVITATIONS[Survey.Kind.DELIVERY].code
    assert kinds(recipient=buyer, kind=code) == [code]
