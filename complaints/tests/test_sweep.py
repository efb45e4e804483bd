"""The complaint SLA sweep on the set-based engine: statements per batch independent of the batch's size,
one UPDATE and one notification INSERT per batch, every stage of a long-overdue case in one run, the due
rows read through the partial index (PostgreSQL plan), and two sweeps at once splitting the rows."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import services
from complaints.models import Complaint
from complaints.services.sweep import ComplaintClock
from notifications.models import Notification

from .factories import at, file_complaint

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")


def _statements(now, **kwargs) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        services.complaint_sla_sweep(now=now, **kwargs)
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]


def _writes(statements, verb, table):
    return sum(sql.startswith(verb) and f'"{table}"' in sql.split("(")[0] for sql in statements)


def test_a_batch_costs_the_same_statements_for_2_cases_as_for_8(buyer, dealer, agent):
    few = [file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10)) for _ in range(2)]
    Complaint.objects.filter(pk__in=[c.pk for c in few]).update(assignee=agent)
    small = _statements(at(2026, 11, 24, 15))
    Complaint.objects.update(status=Complaint.Status.CLOSED)  # out of the way of the second measurement
    many = [file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 30, 10)) for _ in range(8)]
    Complaint.objects.filter(pk__in=[c.pk for c in many]).update(assignee=agent)
    large = _statements(at(2026, 12, 1, 15))
    assert len(large) == len(small)
    assert Notification.objects.filter(kind="complaint.reminder", recipient=agent).count() == 10


def test_each_batch_is_one_update_and_one_notification_insert(buyer, dealer, supervisor):
    for _ in range(5):
        file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
    statements = _statements(at(2026, 11, 24, 18, 1), batch_size=2)  # all five breached: 3 batches
    assert _writes(statements, "UPDATE", "complaints_complaint") == 3
    assert _writes(statements, "INSERT", "notifications_notification") == 3
    assert _writes(statements, "INSERT", "core_auditevent") == 3  # breach and escalation rows, one INSERT a batch
    assert _writes(statements, "INSERT", "core_outboxmessage") == 3  # one e-mail task per batch, not per case
    assert Complaint.objects.filter(status=Complaint.Status.ESCALATED).count() == 5


def test_a_case_overdue_on_two_deadlines_is_caught_up_in_one_run(buyer, dealer, supervisor):
    complaint = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))  # ack Tue 24, response Thu 26
    result = services.complaint_sla_sweep(now=at(2026, 11, 27, 9))
    assert result == {"checked": 2, "reminded": 0, "breached": 2, "escalated": 1}
    complaint.refresh_from_db()
    assert complaint.ack_breached_at == complaint.response_breached_at == at(2026, 11, 27, 9)
    assert complaint.status == Complaint.Status.ESCALATED and complaint.next_deadline_kind == "resolve"
    told = Notification.objects.filter(recipient=buyer, kind="complaint.delayed")
    assert sorted(n.dedupe_key.split(":")[2] for n in told) == ["ack", "response"]
    assert services.complaint_sla_sweep(now=at(2026, 11, 27, 9, 5))["checked"] == 0


def test_a_paused_or_closed_case_is_never_taken(buyer, dealer, agent):
    paused = file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10))
    services.complaint_pause(complaint=paused, actor=agent, reason="Waiting for photos", now=at(2026, 11, 23, 11))
    assert services.complaint_sla_sweep(now=at(2026, 11, 30, 9))["checked"] == 0


def test_the_due_rows_are_read_through_the_partial_index():
    if connection.vendor != "postgresql":
        pytest.skip("plans are checked on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table would be scanned anyway
    plan = ComplaintClock().due(at(2026, 11, 24, 15)).select_for_update(skip_locked=True, of=("self",))[:1000].explain()
    assert "complaint_sla_due_idx" in plan


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_split_the_rows_and_send_nothing_twice(buyer, dealer, supervisor):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    cases = [file_complaint(buyer=buyer, dealer=dealer, now=at(2026, 11, 23, 10)) for _ in range(30)]
    start, results = threading.Barrier(2), []

    def sweep():  # the service itself, not the task: no run lock, only SKIP LOCKED keeps them apart
        start.wait()
        results.append(services.complaint_sla_sweep(now=at(2026, 11, 24, 18, 1), batch_size=4))
        connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["breached"] for r in results) == 30  # each case breached by exactly one of them
    assert Complaint.objects.filter(pk__in=[c.pk for c in cases], status=Complaint.Status.ESCALATED).count() == 30
    for kind in ("complaint.delayed", "complaint.escalated"):
        keys = list(Notification.objects.filter(kind=kind).values_list("dedupe_key", flat=True))
        assert len(keys) == len(set(keys)) == 30
