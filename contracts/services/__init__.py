"""Every write of the contracts app (HackSoft style: ``<noun>_<verb>(*, ...)``, atomic).

``orders``: reserve, cancel, decline, expire · ``drafting``: the contract snapshot and its terms ·
``signing``: one signature service for the contract and its amendments · ``amendments``: propose, withdraw ·
``fulfilment``: payment, handover, return · ``numbering``: contract numbers · ``pdfs``: the signed contract's PDF per language, after sealing.
"""

from .amendments import amendment_create, amendment_withdraw
from .drafting import contract_assert_mutable, contract_draft, contract_update_terms, inspection_report_of
from .fulfilment import delivery_confirm, delivery_record, order_amount_paid, order_return, payment_record
from .numbering import contract_next_number
from .orders import order_cancel, order_decline, order_expire_reservations, order_reserve, reservation_hours
from .pdfs import contract_pdf_get, contract_pdfs_render
from .signing import document_sign, document_signable_by

__all__ = [
    "amendment_create",
    "amendment_withdraw",
    "contract_assert_mutable",
    "contract_draft",
    "contract_next_number",
    "contract_pdf_get",
    "contract_pdfs_render",
    "contract_update_terms",
    "delivery_confirm",
    "delivery_record",
    "document_sign",
    "document_signable_by",
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
