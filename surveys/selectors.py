"""Reads for the staff "clocks" page: what the sweeps sent lately, survey results, beat and outbox state."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, Min, Q
from django_celery_beat.models import PeriodicTask

from core.models import OutboxMessage
from notifications.kinds import all_kinds
from notifications.models import Notification

from .models import Survey


def clock_kinds() -> list:
    """The notification kinds the clocks produce, as the apps declare them (``notice_kind(..., clock=True)``)."""
    return [kind for kind in all_kinds() if kind.clock]


def recent_clock_notifications(*, kind: str = "", limit: int = 30):
    """The latest reminders, escalations, expiries, guarantee notices and survey messages (all, or one kind)."""
    qs = Notification.objects.filter(kind__in=[k.code for k in clock_kinds()])
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("recipient").order_by("-created_at", "-pk")[:limit]


@dataclass
class ClockRow:
    """Notifications of one kind with the same title, shown as one row: the latest, how many, and to whom."""

    latest: Notification
    count: int = 1
    recipients: list[str] = field(default_factory=list)

    @property
    def more_recipients(self) -> int:
        return max(len(self.recipients) - SHOWN_RECIPIENTS, 0)

    @property
    def shown_recipients(self) -> list[str]:
        return self.recipients[:SHOWN_RECIPIENTS]


SHOWN_RECIPIENTS = 3


def clock_rows(*, kind: str = "", rows: int = 30, scan: int = 300) -> list[ClockRow]:
    """The recent clock notifications with repeats folded: a sweep that invites forty buyers to the same survey
    is one row ("× 40"), so the reminders and escalations around it stay in sight. Reads the latest ``scan``."""
    grouped: dict[tuple[str, str], ClockRow] = {}
    for notification in recent_clock_notifications(kind=kind, limit=scan):
        key = (notification.kind, notification.title)
        row = grouped.get(key)
        if row is None:
            if len(grouped) >= rows:
                continue
            row = grouped[key] = ClockRow(notification, 0)
        row.count += 1
        name = notification.recipient.display_name
        if name not in row.recipients:
            row.recipients.append(name)
    return list(grouped.values())


def clock_notification_kinds() -> list[dict]:
    """The clock kinds by app (readable names, for the filter), each with how many notifications it produced."""
    kinds = clock_kinds()
    counts = dict(Notification.objects.filter(kind__in=[k.code for k in kinds]).values_list("kind").annotate(n=Count("pk")))
    groups: dict[str, list[dict]] = {}
    for k in kinds:
        groups.setdefault(k.group, []).append({"code": k.code, "label": str(k.label), "count": counts.get(k.code, 0)})
    return [
        {"name": _app_name(group), "kinds": sorted(rows, key=lambda row: row["label"])}
        for group, rows in sorted(groups.items(), key=lambda item: _app_name(item[0]))
    ]


def _app_name(label: str) -> str:
    try:
        return str(apps.get_app_config(label).verbose_name)
    except LookupError:
        return label


def survey_results(*, since: dt.datetime | None = None) -> dict:
    """Overall and per-kind results: sent, answered, response rate, CSAT average and NPS."""
    base = Survey.objects.filter(sent_at__isnull=False)
    if since:
        base = base.filter(sent_at__gte=since)
    per_kind = []
    counts = {
        row["kind"]: row
        for row in base.values("kind").annotate(sent=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)))
    }
    for kind, label in Survey.Kind.choices:
        row = counts.get(kind, {"sent": 0, "answered": 0})
        results = base.filter(kind=kind).results() if row["answered"] else {"csat_avg": None, "nps": None}
        per_kind.append({"kind": kind, "label": label, "sent": row["sent"], "answered": row["answered"], **_rates(row, results)})
    total = {"sent": sum(r["sent"] for r in per_kind), "answered": sum(r["answered"] for r in per_kind)}
    overall = base.results()
    return {"per_kind": per_kind, "overall": {**total, **_rates(total, overall)}}


def _rates(row: dict, results: dict) -> dict:
    rate = round(100 * row["answered"] / row["sent"]) if row["sent"] else None
    return {"response_rate": rate, "csat_avg": results.get("csat_avg"), "nps": results.get("nps")}


def recent_survey_comments(*, limit: int = 10):
    return Survey.objects.answered().exclude(comment="").select_related("respondent", "dealer").order_by("-answered_at")[:limit]


def survey_pipeline(*, now: dt.datetime) -> dict:
    """How many surveys wait to be sent, are due now, and wait for an answer / a reminder."""
    return {
        "planned": Survey.objects.filter(sent_at__isnull=True).count(),
        "due_now": Survey.objects.due_to_send(now).count(),
        "awaiting_answer": Survey.objects.filter(sent_at__isnull=False, answered_at__isnull=True, expires_at__gt=now).count(),
        "reminder_due": Survey.objects.due_for_reminder(now).count(),
    }


def beat_tasks():
    """The periodic tasks as beat sees them (editable in the admin), with their last run."""
    return PeriodicTask.objects.select_related("interval", "crontab").order_by("name")


def outbox_status(*, now: dt.datetime) -> dict:
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    agg = pending.aggregate(n=Count("pk"), oldest=Min("created_at"))
    return {"pending": agg["n"], "oldest": agg["oldest"], "failing": pending.exclude(last_error="").count()}
