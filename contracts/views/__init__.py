"""Thin views: each POST calls one service; domain errors become form errors or messages.

``base``: the order mixin and the one-service form and button · ``orders``: reserve, lists, the order page,
cancel, decline, payment, handover · ``documents``: the contract, its amendments, signing, verification.
"""

from .documents import (
    AmendmentCreateView,
    AmendmentDetailView,
    ContractDetailView,
    ContractPdfView,
    ContractTermsView,
    VerifyView,
)
from .orders import (
    BuyerOrderListView,
    DealerOrderListView,
    DeliveryConfirmView,
    DeliveryRecordView,
    OrderCancelView,
    OrderDeclineView,
    OrderDetailView,
    PaymentCreateView,
    ReserveView,
)

__all__ = [
    "AmendmentCreateView",
    "AmendmentDetailView",
    "BuyerOrderListView",
    "ContractDetailView",
    "ContractPdfView",
    "ContractTermsView",
    "DealerOrderListView",
    "DeliveryConfirmView",
    "DeliveryRecordView",
    "OrderCancelView",
    "OrderDeclineView",
    "OrderDetailView",
    "PaymentCreateView",
    "ReserveView",
    "VerifyView",
]
