"""Demo surveys: the history of the demo deliveries (answered surveys over the last months, a few
left unanswered or expired) and one recent survey whose reminder is due, so the hourly sweep sends
it soon after the worker starts. Idempotent: a second run creates and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from contracts.models import Order

from .models import VALID_FOR, Survey
from .services import survey_plan_for_delivery

COMMENTS = [
    "车况和检测报告一致，交车很顺利。",
    "销售很耐心，合同条款解释得很清楚。",
    "提车比约定晚了一天，其他都满意。",
    "价格公道，过户手续办得快。",
    "用了一个月，没有任何问题。",
    "售后响应有点慢，希望改进。",
    "",
    "",
]
POSITIVE_TAGS = [
    Survey.Tag.CAR_AS_DESCRIBED,
    Survey.Tag.FRIENDLY_STAFF,
    Survey.Tag.CLEAR_CONTRACT,
    Survey.Tag.FAIR_PRICE,
    Survey.Tag.FAST_RESPONSE,
]
NEGATIVE_TAGS = [Survey.Tag.SLOW_RESPONSE, Survey.Tag.PAPERWORK, Survey.Tag.POOR_COMMUNICATION]


def seed(*, stdout, rng, **kwargs) -> None:
    now = timezone.now()
    # Only orders that went through the real contract flow (contracts' demo); other demo history
    # (insights) brings its own survey rows.
    orders = Order.objects.filter(status=Order.Status.DELIVERED, delivered_at__isnull=False, contract__isnull=False)
    for order in orders.select_related("buyer", "listing__dealer").order_by("delivered_at"):
        survey_plan_for_delivery(order=order, now=order.delivered_at)  # history too, not only what is still due

    answered = sent = 0
    surveys = Survey.objects.filter(sent_at__isnull=True, due_at__lte=now, order__in=orders).order_by("due_at", "pk")
    for survey in surveys:
        Survey.objects.filter(pk=survey.pk).update(sent_at=survey.due_at, expires_at=survey.due_at + VALID_FOR)
        sent += 1
        age = now - survey.due_at
        if age < dt.timedelta(days=4):
            continue  # recent: still open — its reminder comes from the sweep
        if rng.random() < 0.2:
            continue  # some people never answer (the link has expired by now)
        csat = rng.choices([5, 4, 3, 2], weights=[5, 4, 2, 1])[0]
        nps = min(10, max(0, csat * 2 + rng.choice([-2, -1, 0, 0, 1])))
        tags = rng.sample(POSITIVE_TAGS, 2) if csat >= 4 else rng.sample(NEGATIVE_TAGS, 1)
        Survey.objects.filter(pk=survey.pk, answered_at__isnull=True).update(
            answered_at=survey.due_at + dt.timedelta(hours=rng.randint(2, 60)),
            csat=csat,
            nps=nps,
            tags=[str(tag) for tag in tags],
            comment=rng.choice(COMMENTS),
        )
        answered += 1
    results = Survey.objects.results()
    stdout.write(
        f"  surveys: {Survey.objects.count()} planned or sent ({sent} marked sent now, {answered} answered now); "
        f"CSAT {results['csat_avg']}, NPS {results['nps']} — staff see them at /surveys/staff/clocks/"
    )
