"""Every sweep reads its due rows through a partial index on the due column (PostgreSQL plans).

Sequential scans are switched off for the check: on the test database's tiny tables the planner would
rightly prefer them, and the question is whether the index serves the query, not what a ten-row table costs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from complaints.services.sweep import ComplaintClock
from contracts.models import Order
from surveys.models import Survey
from warranty.models import AfterSalesRequest, WarrantyClaim
from warranty.services.sweeps import CaseClock

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 9, 9, tzinfo=dt.UTC)


def _plan(queryset, *, locked: bool = True) -> str:
    if connection.vendor != "postgresql":
        pytest.skip("plans are checked on PostgreSQL")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        if locked:
            queryset = queryset.select_for_update(skip_locked=True, of=("self",))
        return queryset[:1000].explain()


@pytest.mark.parametrize(
    ("name", "queryset", "index"),
    [
        ("complaint SLA", lambda: ComplaintClock().due(NOW), "complaint_sla_due_idx"),
        ("after-sales SLA", lambda: CaseClock(AfterSalesRequest).due(NOW), "warranty_request_sla_due_idx"),
        ("claim SLA", lambda: CaseClock(WarrantyClaim).due(NOW), "warranty_claim_sla_due_idx"),
        ("survey sending", lambda: Survey.objects.due_to_send(NOW).order_by("due_at", "pk"), "survey_unsent_due_idx"),
        (
            "survey reminders",
            lambda: Survey.objects.due_for_reminder(NOW).order_by("sent_at", "pk"),
            "survey_open_unreminded_idx",
        ),
        (
            "reservation expiry",
            lambda: Order.objects.due_for_expiry(NOW).order_by("expires_at", "pk"),
            "order_reserved_expiry_idx",
        ),
    ],
)
def test_a_sweep_s_due_rows_come_from_its_partial_index(name, queryset, index):
    assert index in _plan(queryset()), name


def test_the_warranty_ending_notice_walks_the_warranty_end_index():
    from warranty.models import Coverage

    soon = timezone.now()
    plan = _plan(Coverage.objects.active().filter(warranty_ends_at__gt=soon).order_by("warranty_ends_at", "pk"), locked=False)
    assert "warranty_ends_at" in plan and "Index" in plan
