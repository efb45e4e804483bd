"""After-sales terms written into a contract.

The warranty app (which comes after contracts) owns the policies. It registers its provider of the terms
in force with ``terms_provider_register`` when it starts (``WarrantyConfig.ready``), so this app never
imports warranty; without a provider the defaults of DESIGN.md apply.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

DEFAULT_AFTER_SALES_TERMS: dict = {
    "policy_id": None,
    "policy_name": "安心车标准保障 / Anxin standard guarantee",
    "window_days": 30,
    "window_km": 3000,
    "warranty_months": 12,
    "warranty_km": 20000,
    "components": [
        {
            "group": "engine",
            "name_en": "Engine",
            "name_zh": "发动机",
            "parts": [
                {"code": "block", "name_en": "cylinder block", "name_zh": "缸体"},
                {"code": "head", "name_en": "cylinder head", "name_zh": "缸盖"},
                {"code": "crankshaft", "name_en": "crankshaft", "name_zh": "曲轴"},
                {"code": "camshaft", "name_en": "camshaft", "name_zh": "凸轮轴"},
                {"code": "pistons", "name_en": "pistons and connecting rods", "name_zh": "活塞及连杆"},
                {"code": "oil_pump", "name_en": "oil pump", "name_zh": "机油泵"},
                {"code": "turbo", "name_en": "turbocharger", "name_zh": "涡轮增压器"},
            ],
        },
        {
            "group": "transmission",
            "name_en": "Transmission",
            "name_zh": "变速箱",
            "parts": [
                {"code": "housing", "name_en": "gearbox housing", "name_zh": "变速箱壳体"},
                {"code": "gears", "name_en": "gears and shafts", "name_zh": "齿轮及轴"},
                {"code": "torque_converter", "name_en": "torque converter", "name_zh": "液力变矩器"},
                {"code": "valve_body", "name_en": "valve body", "name_zh": "阀体"},
                {"code": "tcu", "name_en": "transmission control unit", "name_zh": "变速箱控制单元"},
            ],
        },
    ],
    "exclusions": [
        {
            "code": "wear",
            "name_en": "wear parts (brake pads, tyres, wipers, bulbs, filters, clutch plate)",
            "name_zh": "易损件（刹车片、轮胎、雨刮、灯泡、滤清器、离合器片）",
        },
        {
            "code": "misuse",
            "name_en": "damage from accidents, misuse, racing, flooding or unauthorised modification",
            "name_zh": "因事故、使用不当、竞赛、涉水或私自改装造成的损坏",
        },
        {"code": "maintenance", "name_en": "routine maintenance and fluids", "name_zh": "常规保养及油液"},
    ],
    "extended_plan": None,
}


_provider: Callable[..., dict | None] | None = None


def terms_provider_register(provider: Callable[..., dict | None] | None) -> None:
    """Name the callable ``provider(*, order) -> dict`` that gives the after-sales terms in force."""
    global _provider
    _provider = provider


def default_terms() -> dict:
    return copy.deepcopy(DEFAULT_AFTER_SALES_TERMS)


def after_sales_terms_for(*, order) -> dict:
    """The terms in force for ``order`` as a JSON-serialisable dict (provider, else DESIGN.md defaults)."""
    terms = _provider(order=order) if _provider is not None else None
    if not terms:
        return default_terms()
    # Round-trip through JSON so the snapshot holds plain data only.
    terms = json.loads(json.dumps(terms, default=str))
    defaults = default_terms()
    # A contract must always name what it covers, even on a database without a seeded policy.
    for key in ("policy_name", "components"):
        if not terms.get(key):
            terms[key] = defaults[key]
    return terms
