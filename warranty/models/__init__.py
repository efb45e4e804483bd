"""The platform's promise after delivery: the 30-day window and the core-part warranty.

A ``WarrantyPolicy`` is what staff edit; a ``Coverage`` is the policy *as agreed for one order* (the
contract's snapshot of the terms) with its clocks computed by ``core.periods``. Every coverage decision
is made by ``Coverage.covers`` / ``Coverage.window_check`` and services, never by a view.

``catalogue`` holds what staff set up (parts, exclusions, policies, plans, shops), ``coverage`` the
guarantee of one order, ``cases`` the requests and claims (one lifecycle, ``SlaCase``), ``sla`` their
staff-editable deadlines, ``repairs`` what the shops did.
"""

from .cases import AfterSalesPhoto, AfterSalesRequest, SlaCase, WarrantyClaim
from .catalogue import (
    LEGAL_FLOOR_KM,
    LEGAL_FLOOR_MONTHS,
    LEGAL_FLOOR_VEHICLE_KM,
    LEGAL_FLOOR_VEHICLE_YEARS,
    CatalogueEntry,
    ComponentGroup,
    Exclusion,
    ExtendedWarrantyPlan,
    Part,
    RepairShop,
    WarrantyPolicy,
    localized_name,
)
from .coverage import Coverage, Decision, ExtendedWarrantyPurchase, contract_terms, terms_usable
from .repairs import RepairPart, RepairRecord
from .sla import CaseSlaPolicy

__all__ = [
    "LEGAL_FLOOR_KM",
    "LEGAL_FLOOR_MONTHS",
    "LEGAL_FLOOR_VEHICLE_KM",
    "LEGAL_FLOOR_VEHICLE_YEARS",
    "AfterSalesPhoto",
    "AfterSalesRequest",
    "CaseSlaPolicy",
    "CatalogueEntry",
    "ComponentGroup",
    "Coverage",
    "Decision",
    "Exclusion",
    "ExtendedWarrantyPlan",
    "ExtendedWarrantyPurchase",
    "Part",
    "RepairPart",
    "RepairRecord",
    "RepairShop",
    "SlaCase",
    "WarrantyClaim",
    "WarrantyPolicy",
    "contract_terms",
    "localized_name",
    "terms_usable",
]
