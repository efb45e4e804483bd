"""Viewings and test drives: dealer hours and free slots (``hours``), bookings and their changes (``services``),
reminders 24 h and 2 h before (``reminders``)."""

from .services import (
    CarGone,
    SlotTaken,
    appointment_book,
    appointment_cancel,
    appointment_mark,
    appointment_reschedule,
    appointments_cancel_for_car,
    viewing_hours_set,
)

__all__ = [
    "CarGone",
    "SlotTaken",
    "appointment_book",
    "appointment_cancel",
    "appointment_mark",
    "appointment_reschedule",
    "appointments_cancel_for_car",
    "viewing_hours_set",
]
