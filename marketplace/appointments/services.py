"""Every write of viewings and test drives: book, reschedule, cancel, attended / no-show, and the cancellations
a car's reservation, sale or withdrawal causes. The other party is told of each change."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_buyer
from core.errors import DomainError, PermissionDeniedError
from core.models import AuditEvent
from core.statemachine import audit
from notifications.kinds import localized, moment
from notifications.services import Notice, notify, notify_many

from .. import catalogue, notices
from ..models import Appointment, Listing, ViewingHours
from . import hours
from .reminders import first_reminder

NOTE_MAX = 300


class SlotTaken(DomainError):
    """The slot is not free (booked meanwhile, closed, in the past or too far ahead)."""


class CarGone(models.TextChoices):
    """Why a car's viewings were cancelled (the label reads "the car is …")."""

    RESERVED = "reserved", _("reserved by another buyer")
    SOLD = "sold", _("sold")
    WITHDRAWN = "withdrawn", _("withdrawn from sale")


def car_name(listing: Listing) -> str:
    """The car's name in the active language, from the listing's own copies (no join)."""
    return f"{listing.year} {catalogue.make_label(listing.make)} {catalogue.model_label(listing.make, listing.model)}"


def appointment_url(appointment: Appointment) -> str:
    from django.urls import reverse

    return reverse("marketplace:appointment", args=[appointment.pk])


def _params(appointment: Appointment, **extra) -> dict:
    listing = appointment.listing
    return {
        "car": localized(lambda: car_name(listing)),
        "kind": localized(appointment.get_kind_display),
        "when": moment(appointment.starts_at),
        **extra,
    }


def _lock_car(listing: Listing) -> Listing:
    """Bookings of one car queue on its row, so two buyers never both see a slot free."""
    return Listing.objects.select_for_update().get(pk=listing.pk)


def _require_party(appointment: Appointment, actor) -> str:
    party = appointment.party_of(actor)
    if not party:
        raise PermissionDeniedError(_("Only the buyer and the dealer of this appointment can change it."), code="not_party")
    return party


def _other_party(appointment: Appointment, actor):
    return appointment.dealer if actor.pk == appointment.buyer_id else appointment.buyer


@transaction.atomic
def appointment_book(
    *, listing: Listing, buyer, starts_at: dt.datetime, kind: str = Appointment.Kind.VIEWING, note: str = "", now=None
) -> Appointment:
    """A buyer books a free slot of a car on sale (one live booking per buyer and car: a second is a reschedule).
    The slot must be free by the dealer's hours at the moment of booking; the database refuses a double booking."""
    now = now or timezone.now()
    if not is_buyer(buyer):
        raise PermissionDeniedError(_("Sign in with a buyer account to book a viewing."), code="not_buyer")
    if kind not in Appointment.Kind.values:
        raise DomainError(_("Choose a viewing or a test drive."), code="kind")
    car = _lock_car(listing)
    if car.status != Listing.Status.PUBLISHED:
        raise DomainError(_("This car is not on sale, so it cannot be booked."), code="not_on_sale")
    if Appointment.objects.filter(listing=car, buyer=buyer, status=Appointment.Status.BOOKED).exists():
        raise DomainError(_("You already have an appointment for this car; reschedule it instead."), code="already_booked")
    slot = hours.slot_at(listing=car, starts_at=starts_at, now=now)
    if slot is None:
        raise SlotTaken(_("That time is no longer free. Please pick another slot."), code="slot_taken")
    appointment = Appointment(
        listing=car,
        buyer=buyer,
        dealer_id=car.dealer_id,
        kind=kind,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        note=(note or "").strip()[:NOTE_MAX],
        next_reminder_at=first_reminder(slot.starts_at, now),
    )
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        raise SlotTaken(_("That time is no longer free. Please pick another slot."), code="slot_taken") from exc
    audit(appointment, action="booked", actor=buyer, to_status=appointment.status)
    notify(
        appointment.dealer,
        notices.APPOINTMENT_BOOKED,
        f"appointment:{appointment.pk}:booked",
        params=_params(appointment, buyer=buyer.display_name),
        url=appointment_url(appointment),
    )
    return appointment


def _locked(appointment: Appointment) -> Appointment:
    _lock_car(appointment.listing)
    return Appointment.objects.select_for_update().select_related("listing", "buyer", "dealer").get(pk=appointment.pk)


@transaction.atomic
def appointment_reschedule(*, appointment: Appointment, actor, starts_at: dt.datetime, now=None) -> Appointment:
    """Either party moves a booked appointment that has not begun to another free slot; the other is told."""
    now = now or timezone.now()
    _require_party(appointment, actor)
    locked = _locked(appointment)
    if locked.status != Appointment.Status.BOOKED or locked.starts_at <= now:
        raise DomainError(_("Only an upcoming booked appointment can be moved."), code="not_movable")
    if locked.listing.status != Listing.Status.PUBLISHED:
        raise DomainError(_("This car is not on sale, so it cannot be booked."), code="not_on_sale")
    slot = hours.slot_at(listing=locked.listing, starts_at=starts_at, now=now, exclude=locked.pk)
    if slot is None or slot.starts_at == locked.starts_at:
        raise SlotTaken(_("That time is no longer free. Please pick another slot."), code="slot_taken")
    old = locked.starts_at
    locked.starts_at, locked.ends_at = slot.starts_at, slot.ends_at
    locked.next_reminder_at = first_reminder(slot.starts_at, now)
    try:
        with transaction.atomic():
            locked.save(update_fields=["starts_at", "ends_at", "next_reminder_at", "updated_at"])
    except IntegrityError as exc:
        raise SlotTaken(_("That time is no longer free. Please pick another slot."), code="slot_taken") from exc
    audit(locked, action="rescheduled", actor=actor, note=f"{old.isoformat()} → {slot.starts_at.isoformat()}")
    notify(
        _other_party(locked, actor),
        notices.APPOINTMENT_RESCHEDULED,
        f"appointment:{locked.pk}:moved:{slot.starts_at.isoformat()}:{actor.pk}",
        params=_params(locked, who=actor.display_name, old=moment(old)),
        url=appointment_url(locked),
    )
    appointment.starts_at, appointment.ends_at = locked.starts_at, locked.ends_at
    return locked


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, actor, reason: str = "", now=None) -> Appointment:
    """Either party cancels a booked appointment that has not begun; the other is told."""
    now = now or timezone.now()
    _require_party(appointment, actor)
    locked = _locked(appointment)
    if locked.status != Appointment.Status.BOOKED or locked.starts_at <= now:
        raise DomainError(_("Only an upcoming booked appointment can be cancelled."), code="not_cancellable")
    locked.transition_to(Appointment.Status.CANCELLED, actor=actor, note=reason[:200])
    locked.cancelled_by, locked.cancel_reason, locked.next_reminder_at = actor, (reason or "").strip()[:200], None
    locked.save(update_fields=["status", "cancelled_by", "cancel_reason", "next_reminder_at", "updated_at"])
    notify(
        _other_party(locked, actor),
        notices.APPOINTMENT_CANCELLED,
        f"appointment:{locked.pk}:cancelled",
        params=_params(locked, who=actor.display_name, reason=locked.cancel_reason),
        url=appointment_url(locked),
    )
    appointment.status = locked.status
    return locked


@transaction.atomic
def appointment_mark(*, appointment: Appointment, actor, status: str, now=None) -> Appointment:
    """The dealer records, once the slot has begun, whether the buyer came (attended) or not (no-show)."""
    now = now or timezone.now()
    if actor.pk != appointment.dealer_id:
        raise PermissionDeniedError(_("Only the dealer records whether the buyer came."), code="not_dealer")
    if status not in (Appointment.Status.ATTENDED, Appointment.Status.NO_SHOW):
        raise DomainError(_("Mark the appointment attended or no-show."), code="status")
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if locked.starts_at > now:
        raise DomainError(_("An appointment is marked once it has begun."), code="not_begun")
    locked.transition_to(status, actor=actor)
    locked.next_reminder_at = None
    locked.save(update_fields=["status", "next_reminder_at", "updated_at"])
    appointment.status = locked.status
    return locked


def appointments_cancel_for_car(*, listing: Listing, actor, reason: CarGone, keep_buyer=None, now=None) -> int:
    """The car was reserved, sold or withdrawn: its future booked appointments are cancelled (one UPDATE, one
    audit INSERT) and each buyer is told (one ``notify_many``). ``keep_buyer``'s own appointment stays (the buyer
    who reserved it). Runs in the caller's transaction, on the car's locked row."""
    now = now or timezone.now()
    due = Appointment.objects.filter(listing_id=listing.pk, status=Appointment.Status.BOOKED, starts_at__gt=now)
    if keep_buyer is not None:
        due = due.exclude(buyer=keep_buyer)
    rows = list(due.select_related("buyer"))
    if not rows:
        return 0
    events = [row.transition_event(Appointment.Status.CANCELLED, actor=actor, note=str(reason)) for row in rows]
    Appointment.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=Appointment.Status.CANCELLED,
        cancelled_by=actor if getattr(actor, "is_authenticated", False) else None,
        cancel_reason=str(reason.label)[:200],
        next_reminder_at=None,
        updated_at=now,
    )
    AuditEvent.objects.bulk_create(events)
    for row in rows:
        row.listing = listing  # names read the locked row's copies (no query per row)
    status = localized(reason.label)
    notify_many(
        Notice(
            row.buyer,
            notices.APPOINTMENT_CAR_GONE,
            f"appointment:{row.pk}:car-gone",
            params={**_params(row), "status": status},
            url=appointment_url(row),
        )
        for row in rows
    )
    return len(rows)


@transaction.atomic
def viewing_hours_set(
    *, dealer, weekly: dict, slot_minutes: int, closed_on_public_holidays: bool, closed_days: list[dt.date]
) -> ViewingHours:
    """A dealer sets when cars can be seen; existing bookings stay as booked."""
    from accounts.roles import is_dealer

    if not is_dealer(dealer):
        raise PermissionDeniedError(_("Only dealers set viewing hours."), code="not_dealer")
    row = ViewingHours.objects.filter(dealer=dealer).first() or ViewingHours(dealer=dealer)
    row.weekly = weekly
    row.slot_minutes = slot_minutes
    row.closed_on_public_holidays = closed_on_public_holidays
    row.closed_days = sorted({day.isoformat() for day in closed_days})
    row.full_clean(exclude=["dealer"])
    row.save()
    return row
