"""Reminders 24 hours and 2 hours before a viewing, to the buyer and the dealer: a set-based sweep.

A booked appointment carries ``next_reminder_at`` (the first of start − 24 h, start − 2 h still ahead when it was
booked or moved). The sweep takes the due rows a batch at a time through ``appointment_reminder_due_idx``, locked
SKIP LOCKED (``core.sweeps``), decides in Python which reminder each one is and when to look next (the 2-hour
mark after the 24-hour one, then never), writes the batch with ONE UPDATE and tells it with ONE ``notify_many``.
Dedupe keys carry the start time and the reminder, so a re-run, an overlapping run or a moved appointment never
sends the same reminder twice, and a moved one gets its own.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from core.sweeps import lock_batch, run_batches, update_rows, url_for_each

REMINDERS = (("24h", dt.timedelta(hours=24)), ("2h", dt.timedelta(hours=2)))


def first_reminder(starts_at: dt.datetime, now: dt.datetime) -> dt.datetime | None:
    """The first reminder moment still ahead (or now) for an appointment booked or moved at ``now``."""
    for _name, lead in REMINDERS:
        if starts_at - lead >= now:
            return starts_at - lead
    return None


def _which(starts_at: dt.datetime, now: dt.datetime) -> tuple[str | None, dt.datetime | None]:
    """(reminder to send now, next look) for an appointment due at ``now``."""
    if starts_at <= now:
        return None, None  # it began while nobody looked: too late to remind
    if starts_at - now > REMINDERS[1][1]:
        return "24h", starts_at - REMINDERS[1][1]
    return "2h", None


def appointment_reminders_sweep(*, now: dt.datetime, batch_size: int = 500, budget: float | None = None) -> dict:
    """Send every reminder due at ``now`` in batches until none is due. Returns counts (checked, reminded,
    notified)."""
    from notifications.kinds import localized, moment
    from notifications.services import Notice, notify_many

    from .. import notices
    from ..models import Appointment
    from .services import car_name

    url_of = url_for_each("marketplace:appointment")

    def batch() -> tuple[int, dict]:
        with transaction.atomic():
            rows = lock_batch(
                Appointment.objects.due_for_reminder(now).select_related("listing", "buyer", "dealer", "dealer__dealer_profile"),
                size=batch_size,
            )
            if not rows:
                return 0, {}
            told = []
            for row in rows:
                which, row.next_reminder_at = _which(row.starts_at, now)
                if which:
                    told.append((row, which))
            update_rows(rows, ["next_reminder_at"])
            notified = notify_many(
                Notice(
                    person,
                    notices.APPOINTMENT_REMINDER,
                    f"appointment:{row.pk}:{row.starts_at.isoformat()}:{which}:{person.pk}",
                    params={
                        "car": localized(lambda row=row: car_name(row.listing)),
                        "kind": localized(row.get_kind_display),
                        "when": moment(row.starts_at),
                        "place": _place(row),
                    },
                    url=url_of(row.pk),
                )
                for row, which in told
                for person in (row.buyer, row.dealer)
            )
        return len(rows), {"checked": len(rows), "reminded": len(told), "notified": notified}

    return run_batches(batch, totals={"checked": 0, "reminded": 0, "notified": 0}, budget=budget)


def _place(appointment) -> str:
    profile = getattr(appointment.dealer, "dealer_profile", None)
    if profile is None:
        return appointment.listing.city
    return f"{profile.business_name}, {profile.address}".strip(", ")
