"""A contract paid by instalments or a loan carries the finance estimate's own schedule, frozen and printed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.tests.factories import reserve, sign
from core.errors import DomainError
from marketplace import finance

pytestmark = pytest.mark.django_db


def terms(order, **extra):
    return services.contract_update_terms(
        contract=order.contract, actor=order.listing.dealer, agreed_price=Decimal("100000"),
        delivery_date=timezone.localdate() + dt.timedelta(days=5), delivery_place="Showroom", **extra,
    )  # fmt: skip


def test_a_loan_schedule_is_the_estimate_s_calculation_and_is_printed_in_both_languages(buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer, price=Decimal("100000"))
    contract = terms(
        order, payment_method="loan", lender_name="Bank of Anxin",
        finance_terms={"down_payment": Decimal("30000"), "term_months": 24, "annual_rate": Decimal("4.50")},
    )  # fmt: skip
    deposit, loan = contract.payment_schedule
    assert (deposit["label"], deposit["amount"], loan["label"], loan["amount"]) == ("deposit", "30000.00", "loan", "70000.00")
    assert sum(Decimal(row["amount"]) for row in contract.payment_schedule) == contract.agreed_price
    delivery = contract.delivery_date
    expected = finance.schedule(Decimal("70000"), Decimal("4.50"), 24, first_due=finance.add_months(delivery, 1))
    plan = loan["finance"]
    assert plan["monthly"] == str(finance.monthly_payment(Decimal("70000"), Decimal("4.50"), 24)) == "3055.35"
    assert [row[2] for row in plan["repayments"]] == [str(row.payment) for row in expected]
    assert plan["repayments"][-1][5] == "0.00" and plan["repayments"][0][1] == finance.add_months(delivery, 1).isoformat()
    assert "3,055.35" in contract.content_en and "24 monthly instalments" in contract.content_en
    assert "3055.35" in contract.content_zh.replace(",", "") and "分 24 期" in contract.content_zh
    assert contract.content_en.count("<tr><td>") >= 24 + 2
    sign(order, buyer, content_hash=contract.content_hash)  # the printed schedule is what the buyer signs


def test_instalments_without_a_down_payment_and_the_staff_default_rate(client, buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer, price=Decimal("100000"))
    client.force_login(dealer)
    today = dt.date.today()
    response = client.post(
        reverse("contracts:contract_terms", args=[order.pk]),
        {
            "agreed_price": "100000", "payment_method": "instalments", "term_months": "12",
            "delivery_date": (today + dt.timedelta(days=7)).isoformat(), "delivery_place": "Showroom",
            "dispute_resolution": "court",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    order.contract.refresh_from_db()
    (financed,) = order.contract.payment_schedule
    assert financed["label"] == "financed" and financed["finance"]["annual_rate"] == str(finance.default_terms().annual_rate)
    assert financed["finance"]["monthly"] == str(
        finance.monthly_payment(Decimal("100000"), finance.default_terms().annual_rate, 12)
    )
    # The terms page shows the chosen terms again.
    html = client.get(reverse("contracts:contract_terms", args=[order.pk])).content.decode()
    assert 'name="term_months" value="12"' in html


@pytest.mark.parametrize(
    "bad",
    [
        {"down_payment": Decimal("100000"), "term_months": 24, "annual_rate": Decimal("4")},
        {"down_payment": Decimal("0"), "term_months": 6, "annual_rate": Decimal("4")},
        {"down_payment": Decimal("0"), "term_months": 24, "annual_rate": Decimal("40")},
        {"down_payment": Decimal("0"), "annual_rate": Decimal("4")},
    ],
)
def test_impossible_finance_terms_are_refused(buyer, dealer, bad):
    order = reserve(buyer=buyer, dealer=dealer, price=Decimal("100000"))
    with pytest.raises(DomainError):
        terms(order, payment_method="instalments", finance_terms=bad)
