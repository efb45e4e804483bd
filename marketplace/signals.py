"""Signals later apps hook into, so marketplace never imports them (DESIGN.md app order)."""

from django.dispatch import Signal

#: A visitor other than its dealer opened a listing's public page. kwargs: ``listing``.
#: Receivers run inside the request: keep them to one cheap write (insights counts views per day).
listing_viewed = Signal()
