"""Signals other apps hook into, so contracts never imports them (DESIGN.md app order).

Both are sent inside the transaction that made the change: a receiver's writes commit or roll
back together with it. Receivers that reach the outside world should use ``transaction.on_commit``.
"""

from django.dispatch import Signal

#: Sent when the buyer confirms the handover. kwargs: ``order`` (delivered_at / delivery_odometer_km set).
order_delivered = Signal()

#: Sent when both parties have signed an amendment. kwargs: ``amendment``.
amendment_effective = Signal()
