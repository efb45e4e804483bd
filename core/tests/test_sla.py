"""The SLA engine's arithmetic at its boundaries (frozen calendar): policy defaults, working-day deadlines,
reminders in working or clock hours, and the earliest open deadline."""

import datetime as dt

import pytest

from complaints.models import SlaPolicy
from core.calendar import SHANGHAI
from core.sla import ReminderTimes, earliest_open, reminder_time
from warranty.models import CaseSlaPolicy

pytestmark = pytest.mark.django_db


def sh(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_a_policy_without_a_row_runs_on_the_model_defaults():
    CaseSlaPolicy.objects.all().delete()
    policy = CaseSlaPolicy.lookup(case_type=CaseSlaPolicy.CaseType.CLAIM)
    assert policy.pk is None
    assert [policy.working_days(stage) for stage in ("acknowledge", "assess", "complete")] == [1, 3, 10]
    assert policy.reminder_lead_hours == 24


def test_a_staff_edited_policy_row_wins():
    SlaPolicy.objects.update_or_create(
        category="other", priority="urgent", defaults={"ack_working_days": 1, "response_working_days": 2}
    )
    policy = SlaPolicy.lookup(category="other", priority="urgent")
    assert policy.pk and policy.working_days("response") == 2


def test_a_deadline_on_friday_evening_counts_working_days_from_the_next_day():
    policy = CaseSlaPolicy(acknowledge_working_days=1)
    # Fri 6 Mar 2026 23:59 → 1 working day → Mon 9 Mar 18:00; Sat 00:00 gives the same.
    assert policy.deadline("acknowledge", start=sh(2026, 3, 6, 23, 59)) == sh(2026, 3, 9, 18)
    assert policy.deadline("acknowledge", start=sh(2026, 3, 7, 0, 0)) == sh(2026, 3, 9, 18)
    # Across National Day 2026 (1–7 Oct; Sat 10 Oct is a make-up working day).
    assert policy.deadline("acknowledge", start=sh(2026, 9, 30, 12)) == sh(2026, 10, 8, 18)


def test_reminders_count_working_hours_or_clock_hours():
    # 4 working hours before Mon 9 Mar 18:00 is Mon 14:00; 10 working hours before is Fri 6 Mar 17:00.
    assert reminder_time(sh(2026, 3, 9, 18), 4) == sh(2026, 3, 9, 14)
    assert reminder_time(sh(2026, 3, 9, 18), 10) == sh(2026, 3, 6, 17)
    # Warranty cases: 24 clock hours, weekend or not.
    assert reminder_time(sh(2026, 3, 9, 18), 24, working_hours=False) == sh(2026, 3, 8, 18)
    assert CaseSlaPolicy(reminder_lead_hours=24).reminder_before(sh(2026, 3, 9, 18)) == sh(2026, 3, 8, 18)
    assert SlaPolicy(reminder_lead_hours=4).reminder_before(sh(2026, 3, 9, 18)) == sh(2026, 3, 9, 14)


def test_reminder_times_ask_the_calendar_once_per_distinct_deadline(django_assert_num_queries):
    times = ReminderTimes()
    with django_assert_num_queries(2):  # one calendar read per distinct (deadline, lead)
        for _ in range(50):
            times(sh(2026, 3, 9, 18), 4)
            times(sh(2026, 3, 10, 18), 4)


def test_the_earliest_deadline_neither_met_nor_breached_runs():
    deadlines = [
        ("ack", sh(2026, 3, 3, 18), sh(2026, 3, 3, 9), None),  # met
        ("response", sh(2026, 3, 5, 18), None, sh(2026, 3, 5, 18, 1)),  # breached
        ("resolve", sh(2026, 3, 11, 18), None, None),
    ]
    assert earliest_open(deadlines) == (sh(2026, 3, 11, 18), "resolve")
    assert earliest_open(deadlines[:2]) is None
