"""The set-based batch machinery: one UPDATE per batch with each row's own values, rows locked SKIP LOCKED,
batches until nothing is due, a time budget, and a run that lost its lock stops."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core import sweeps
from core.models import OutboxMessage
from core.sweeps import lock_batch, run_batches, update_rows

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _outbox(n: int) -> list[OutboxMessage]:
    now = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
    return [OutboxMessage.objects.create(task_name=f"t{i}", args=[i], available_at=now) for i in range(n)]


def test_update_rows_writes_every_row_s_own_values_with_one_statement():
    rows = _outbox(3)
    rows[0].last_error, rows[0].attempts = 'quote " and back\\slash, comma {brace}', 1
    rows[1].last_error, rows[1].sent_at = "", dt.datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    rows[2].last_error, rows[2].attempts = "中文 NULL", 7
    with CaptureQueriesContext(connection) as queries:
        assert update_rows(rows, ["last_error", "attempts", "sent_at"], touch=None) == 3
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["UPDATE"]
    got = {m.pk: (m.last_error, m.attempts, m.sent_at) for m in OutboxMessage.objects.all()}
    assert got[rows[0].pk] == ('quote " and back\\slash, comma {brace}', 1, None)
    assert got[rows[1].pk] == ("", 0, dt.datetime(2026, 3, 2, 10, 30, tzinfo=UTC))
    assert got[rows[2].pk] == ("中文 NULL", 7, None)


def test_update_rows_stamps_the_touch_field_on_every_row(buyer, dealer):
    from complaints.models import Complaint
    from complaints.tests.factories import file_complaint

    complaints = [file_complaint(buyer=buyer, dealer=dealer, subject=f"Case {i}") for i in range(2)]
    Complaint.objects.update(updated_at=dt.datetime(2026, 1, 1, tzinfo=UTC))
    for complaint in complaints:
        complaint.subject = f"{complaint.subject} (edited)"
    assert update_rows(complaints, ["subject"]) == 2
    rows = Complaint.objects.order_by("pk").values_list("subject", "updated_at")
    assert [subject for subject, _ in rows] == ["Case 0 (edited)", "Case 1 (edited)"]
    assert all(updated > dt.datetime(2026, 1, 1, tzinfo=UTC) for _, updated in rows)
    assert update_rows([], ["subject"]) == 0


def test_run_batches_takes_batches_until_one_comes_back_empty():
    queue = [3, 3, 1, 0]
    totals = run_batches(lambda: (n := queue.pop(0), {"done": n}), totals={"done": 0})
    assert totals == {"done": 7} and queue == []


def test_run_batches_stops_when_the_time_budget_is_spent(monkeypatch):
    clock = iter(range(100))
    monkeypatch.setattr(sweeps.time, "monotonic", lambda: next(clock))
    calls = []
    run_batches(lambda: (calls.append(1) or 5, {}), totals={}, budget=3)
    assert 1 <= len(calls) <= 4  # bounded by the budget although every batch found work


def test_a_run_that_lost_its_lock_stops_after_the_batch_in_hand(monkeypatch, settings, tmp_path):
    settings.LOCK_DIR = tmp_path
    calls = []
    with sweeps.sweep_run("lost-run") as held:
        assert held
        monkeypatch.setattr(sweeps, "lock_lost", lambda name: name == "lost-run")
        run_batches(lambda: (calls.append(1) or 5, {}), totals={})
    assert calls == [1]


@pytest.mark.django_db(transaction=True)
def test_lock_batch_skips_rows_another_transaction_holds():
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL")
    rows = _outbox(4)
    held, release = threading.Event(), threading.Event()

    def editor():  # someone holding the first two rows (e.g. a staff edit in progress)
        with transaction.atomic():
            list(OutboxMessage.objects.select_for_update().filter(pk__in=[rows[0].pk, rows[1].pk]))
            held.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=editor)
    thread.start()
    try:
        assert held.wait(10)
        with transaction.atomic():
            taken = lock_batch(OutboxMessage.objects.order_by("pk"), size=10)
        assert [m.pk for m in taken] == [rows[2].pk, rows[3].pk]
    finally:
        release.set()
        thread.join()
