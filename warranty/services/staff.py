"""Who on the platform hears about warranty matters: active staff, and supervisors for escalations."""

from __future__ import annotations

from django.contrib.auth import get_user_model


def staff_users():
    """Every active platform staff account (``is_staff``, the flag ``accounts.roles`` counts), by pk."""
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("pk")


def supervisors():
    """Superusers among the staff; all staff when there is none (someone must hear of a missed deadline)."""
    chosen = staff_users().filter(is_superuser=True)
    return chosen if chosen.exists() else staff_users()
