"""axe-core (WCAG 2.1 A and AA): no critical and no serious violation on the main pages of each role — anonymous
visitor, buyer, dealer, inspector and staff — in both languages, at desktop and phone widths."""

from __future__ import annotations

import pytest

from .conftest import axe_violations, demo_sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _pages(role: str) -> list[str]:
    from contracts.models import Order
    from marketplace.models import Listing

    car = Listing.objects.filter(status=Listing.Status.PUBLISHED).order_by("pk").first()
    order = Order.objects.filter(buyer__username="buyer1", contract__signed_at__isnull=False).order_by("pk").first()
    pages = {
        "anonymous": [
            "/",
            "/cars/",
            f"/cars/{car.pk}/",
            "/compare/",
            "/accounts/login/",
            "/accounts/signup/",
            "/contracts/verify/",
            "/no-such-page/",
        ],
        "buyer1": [
            "/",
            f"/cars/{car.pk}/",
            "/favourites/",
            "/contracts/orders/",
            f"/contracts/orders/{order.pk}/",
            f"/contracts/orders/{order.pk}/contract/",
            "/warranty/my-cars/",
            "/complaints/new/",
            "/notifications/",
            "/accounts/profile/",
        ],
        "dealer1": [
            "/dealer/cars/",
            "/dealer/cars/new/",
            "/inspections/requests/",
            "/contracts/dealer/orders/",
            "/warranty/cases/",
            "/insights/dealer/",
            "/messages/",
        ],
        "inspector": ["/inspections/workspace/", "/notifications/"],
        "staff": ["/surveys/staff/clocks/", "/insights/staff/", "/complaints/", "/admin/"],
    }
    return pages[role]


@pytest.mark.parametrize("role", ["anonymous", "buyer1", "dealer1", "inspector", "staff"])
def test_main_pages_have_no_serious_or_critical_axe_violation(open_page, demo, role):
    found = []
    for language in ("en", "zh-hans"):
        for mobile in (False, True):
            page = open_page(language, mobile=mobile)
            if role != "anonymous":
                demo_sign_in(page, role)
            for path in _pages(role):
                page.goto(path)
                page.wait_for_load_state("networkidle")
                for violation in axe_violations(page):
                    found.append(f"{language} {'phone' if mobile else 'desktop'} {path}: {violation}")
            page.context.close()
    assert found == [], "\n".join(found)
