"""The warranty clocks (frozen times): the SLA sweep over requests and claims, and the daily guarantee
notices — exactly once each, as declared clock kinds, readable in either language."""

import datetime as dt

import time_machine

from notifications.models import Notification
from warranty import notices, services
from warranty.models import AfterSalesRequest
from warranty.tests.factories import open_claim, open_request, sh


def test_sla_sweep_reminds_then_escalates_a_request_exactly_once(coverage, staff_user):
    request = open_request(coverage, at=sh(2026, 3, 6, 10, 0))  # acknowledge by Mon 9 Mar 18:00
    assert services.warranty_sla_sweep(now=sh(2026, 3, 8, 9, 0)) == {"reminded": 0, "breached": 0}
    assert services.warranty_sla_sweep(now=sh(2026, 3, 9, 9, 0)) == {"reminded": 1, "breached": 0}
    assert services.warranty_sla_sweep(now=sh(2026, 3, 9, 10, 0)) == {"reminded": 0, "breached": 0}
    assert services.warranty_sla_sweep(now=sh(2026, 3, 9, 18, 1)) == {"reminded": 0, "breached": 1}
    assert services.warranty_sla_sweep(now=sh(2026, 3, 9, 19, 0)) == {"reminded": 0, "breached": 0}
    request.refresh_from_db()
    assert request.breach_count == 1
    reminder = Notification.objects.get(kind=notices.CASE_DEADLINE_REMINDER.code)
    assert reminder.recipient == coverage.order.listing.dealer  # the dealer handles requests
    assert Notification.objects.get(kind=notices.CASE_DEADLINE_ESCALATED.code).recipient == staff_user
    late = Notification.objects.get(kind=notices.CASE_DEADLINE_BREACHED.code)
    assert late.recipient == coverage.order.buyer
    assert late.render("en")[0] == f"Your Request #{request.pk} · Free repair is late; we have escalated it"
    assert "免费维修" in late.render("zh-hans")[0]


def test_sla_sweep_reminds_staff_about_claims(coverage, engine_part, staff_user):
    claim = open_claim(coverage, engine_part, day=dt.date(2026, 4, 1))  # Wed noon → acknowledge Thu 18:00
    assert services.warranty_sla_sweep(now=sh(2026, 4, 2, 9, 0))["reminded"] == 1
    reminder = Notification.objects.get(kind=notices.CASE_DEADLINE_REMINDER.code)
    assert reminder.recipient == staff_user and f"#{claim.pk}" in reminder.render("en")[0]


def test_guarantee_clock_sweep_tells_the_buyer_once(coverage):
    assert services.guarantee_clock_sweep(today=dt.date(2026, 3, 27))["window_closing"] == 0
    assert services.guarantee_clock_sweep(today=dt.date(2026, 3, 28))["window_closing"] == 1
    assert services.guarantee_clock_sweep(today=dt.date(2026, 3, 29))["window_closing"] == 0
    # The warranty's last day is Mon 1 Mar 2027: the offer goes out 30 days before, once.
    assert services.guarantee_clock_sweep(today=dt.date(2027, 1, 29))["extension_offer"] == 0
    assert services.guarantee_clock_sweep(today=dt.date(2027, 1, 30))["extension_offer"] == 1
    assert services.guarantee_clock_sweep(today=dt.date(2027, 1, 31))["extension_offer"] == 0
    assert services.guarantee_clock_sweep(today=dt.date(2027, 3, 1))["warranty_ended"] == 0
    assert services.guarantee_clock_sweep(today=dt.date(2027, 3, 2))["warranty_ended"] == 1
    assert services.guarantee_clock_sweep(today=dt.date(2027, 3, 3))["warranty_ended"] == 0
    closing = Notification.objects.get(kind=notices.WINDOW_CLOSING.code)
    assert closing.render("en")[1] == "It ends at 24:00 on 31 Mar 2026."
    assert "2026年3月31日" in closing.render("zh-hans")[1]


def test_the_sweeps_send_only_clock_kinds(coverage, engine_part, staff_user):
    open_request(coverage, at=sh(2026, 3, 6, 10, 0))
    before = set(Notification.objects.values_list("pk", flat=True))
    services.warranty_sla_sweep(now=sh(2026, 3, 9, 9, 0))
    services.warranty_sla_sweep(now=sh(2026, 3, 9, 18, 1))
    for today in (dt.date(2026, 3, 28), dt.date(2027, 1, 30), dt.date(2027, 3, 2)):
        services.guarantee_clock_sweep(today=today)
    sent = Notification.objects.exclude(pk__in=before)
    declared = {kind.code: kind for kind in vars(notices).values() if hasattr(kind, "clock")}
    assert sent.count() >= 5 and all(declared[n.kind].clock for n in sent)


@time_machine.travel(sh(2026, 3, 31, 23, 59), tick=False)
def test_frozen_clock_default_now_uses_the_real_time(coverage):
    request = services.request_create(
        coverage=coverage, actor=coverage.order.buyer, kind=AfterSalesRequest.Kind.REPAIR, description="x", odometer_km=35100
    )
    assert request.submitted_at == sh(2026, 3, 31, 23, 59)
