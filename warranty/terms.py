"""The after-sales terms a contract snapshots at signing (``settings.AFTER_SALES_TERMS_PROVIDER``).

``current_terms(order=...)`` returns a JSON-serialisable dict built from the active ``WarrantyPolicy``.
The contract stores it; the warranty app then reads the contract's copy, so a later policy edit never
changes an existing contract's terms.
"""

from __future__ import annotations

TERMS_VERSION = 1


def policy_terms(policy) -> dict:
    """The snapshot dict of ``policy`` (covered groups with their parts, exclusions)."""
    groups = policy.covered_groups.prefetch_related("parts").order_by("position", "code")
    return {
        "version": TERMS_VERSION,
        "policy_id": policy.pk,
        "policy_name": policy.name,
        "window_days": policy.window_days,
        "window_km": policy.window_km,
        "warranty_months": policy.warranty_months,
        "warranty_km": policy.warranty_km,
        "components": [
            {
                "group": group.code,
                "name_en": group.name_en,
                "name_zh": group.name_zh,
                "parts": [{"code": p.code, "name_en": p.name_en, "name_zh": p.name_zh} for p in group.parts.all()],
            }
            for group in groups
        ],
        "exclusions": [
            {"code": e.code, "name_en": e.name_en, "name_zh": e.name_zh} for e in policy.exclusions.order_by("position", "code")
        ],
        "extended_plan": None,
    }


def active_policy():
    """The policy in force for new contracts (the seeded default unless staff activated another)."""
    from .models import WarrantyPolicy

    policy = WarrantyPolicy.objects.filter(is_active=True).first()
    if policy is None:
        policy = WarrantyPolicy.objects.order_by("pk").first()
    return policy


def current_terms(*, order=None) -> dict:
    """The after-sales terms in force now, for ``order``'s contract snapshot (JSON-serialisable).

    ``order`` is accepted so that terms could later depend on the car (e.g. EV parts); today every car
    gets the active policy. With no policy at all (a database without the seed), the DESIGN.md defaults.
    """
    policy = active_policy()
    if policy is None:
        return {
            "version": TERMS_VERSION,
            "policy_id": None,
            "policy_name": "",
            "window_days": 30,
            "window_km": 3000,
            "warranty_months": 12,
            "warranty_km": 20000,
            "components": [],
            "exclusions": [],
            "extended_plan": None,
        }
    return policy_terms(policy)
