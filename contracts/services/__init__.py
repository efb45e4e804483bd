"""Every write of the contracts app (HackSoft style: ``<noun>_<verb>(*, ...)``, atomic)."""

from .documents import (
    amendment_create,
    amendment_sign,
    amendment_withdraw,
    contract_assert_mutable,
    contract_draft,
    contract_next_number,
    contract_sign,
    contract_update_terms,
    inspection_report_of,
)
from .fulfilment import delivery_confirm, delivery_record, order_amount_paid, order_return, payment_record
from .orders import order_cancel, order_decline, order_expire_reservations, order_reserve, reservation_hours

__all__ = [
    "amendment_create",
    "amendment_sign",
    "amendment_withdraw",
    "contract_assert_mutable",
    "contract_draft",
    "contract_next_number",
    "contract_sign",
    "contract_update_terms",
    "delivery_confirm",
    "delivery_record",
    "inspection_report_of",
    "order_amount_paid",
    "order_cancel",
    "order_decline",
    "order_expire_reservations",
    "order_reserve",
    "order_return",
    "payment_record",
    "reservation_hours",
]
