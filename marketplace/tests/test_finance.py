"""The finance estimate: the annuity formula in Decimal, rounded to the fen, a schedule that ends at ¥0.00,
the staff's defaults, and the estimate on a car's page without script."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace import finance
from marketplace.finance import Terms, add_months, estimate, monthly_payment, schedule
from marketplace.models import FinanceSettings
from marketplace.tests.factories import ListingFactory


def test_the_worked_example_100000_at_6_percent_over_12_months():
    # r = 0.5 % a month: M = 100000 × 0.005 / (1 − 1.005^−12) = 8,606.64 (bank tables give the same).
    assert monthly_payment(Decimal("100000"), Decimal("6"), 12) == Decimal("8606.64")
    rows = schedule(Decimal("100000"), Decimal("6"), 12)
    assert (rows[0].interest, rows[0].principal, rows[0].balance) == (Decimal("500.00"), Decimal("8106.64"), Decimal("91893.36"))
    assert (rows[1].interest, rows[1].balance) == (Decimal("459.47"), Decimal("83746.19"))
    # The last payment clears the rounding residue: 8,606.69, and nothing is left.
    assert (rows[-1].payment, rows[-1].balance) == (Decimal("8606.69"), Decimal("0.00"))
    assert sum(r.interest for r in rows) == Decimal("3279.73")


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(min_value=1_000, max_value=5_000_000),
    rate=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("36"), places=2),
    months=st.integers(min_value=12, max_value=60),
)
def test_the_payment_is_the_annuity_formula_rounded_to_the_fen(principal, rate, months):
    r = float(rate) / 1200
    exact = principal * r / (1 - (1 + r) ** -months)
    payment = monthly_payment(Decimal(principal), rate, months)
    assert payment == payment.quantize(Decimal("0.01"))
    assert abs(float(payment) - exact) <= 0.005 + 1e-6 * exact


@settings(max_examples=100, deadline=None)
@given(
    principal=st.integers(min_value=1_000, max_value=5_000_000),
    rate=st.decimals(min_value=Decimal("0"), max_value=Decimal("36"), places=2),
    months=st.integers(min_value=12, max_value=60),
)
def test_every_schedule_repays_exactly_the_principal_and_ends_at_zero(principal, rate, months):
    rows = schedule(Decimal(principal), rate, months)
    assert len(rows) == months
    assert sum(r.principal for r in rows) == Decimal(principal)
    assert rows[-1].balance == Decimal("0.00")
    assert all(r.payment == r.interest + r.principal for r in rows)
    assert all(r.balance >= 0 for r in rows)
    # Only the last payment differs from the annuity, by the rounding residue: at most a fen a month (half a fen
    # on the payment, half on the interest), each month's residue growing with the interest until the end.
    payment = monthly_payment(Decimal(principal), rate, months)
    assert all(r.payment == payment for r in rows[:-1])
    growth = 1 + rate / Decimal(1200)
    assert abs(rows[-1].payment - payment) <= Decimal("0.01") * sum(growth**k for k in range(months))


def test_zero_interest_splits_the_principal_evenly():
    rows = schedule(Decimal("1000"), Decimal("0"), 12)
    assert rows[0].payment == Decimal("83.33") and rows[-1].payment == Decimal("83.37")
    assert sum(r.interest for r in rows) == 0


def test_a_30_percent_down_payment_on_98000_over_36_months_at_4_5_percent():
    e = estimate(Decimal("98000"), Terms(30, 36, Decimal("4.50")))
    assert (e.down_payment, e.financed, e.monthly) == (Decimal("29400.00"), Decimal("68600.00"), Decimal("2040.64"))
    assert e.total_cost == e.down_payment + e.total_repaid == Decimal("98000") + e.total_interest


def test_due_dates_fall_on_the_same_day_each_month_or_the_month_end():
    rows = schedule(Decimal("12000"), Decimal("5"), 12, first_due=dt.date(2025, 1, 31))
    assert [r.due for r in rows[:3]] == [dt.date(2025, 1, 31), dt.date(2025, 2, 28), dt.date(2025, 3, 31)]
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)


def test_a_visitor_s_terms_are_kept_within_bounds():
    defaults = Terms(30, 36, Decimal("4.50"))
    assert finance.terms_from({"down": "20", "term": "24", "rate": "3.85"}, defaults) == Terms(20, 24, Decimal("3.85"))
    for bad in ({"down": "95"}, {"term": "6"}, {"term": "72"}, {"rate": "-1"}, {"rate": "NaN"}, {"rate": "x"}, {"down": "1e9"}):
        assert finance.terms_from(bad, defaults) == defaults


@pytest.fixture
def fresh_defaults():
    from django.core.cache import cache

    cache.delete(finance.SETTINGS_CACHE_KEY)
    yield
    cache.delete(finance.SETTINGS_CACHE_KEY)  # the next test's database has no settings row


@pytest.mark.django_db
def test_staff_defaults_apply_at_once_and_only_one_settings_row_exists(django_capture_on_commit_callbacks, fresh_defaults):
    assert finance.default_terms() == Terms(30, 36, Decimal("4.50"))
    with django_capture_on_commit_callbacks(execute=True):
        FinanceSettings(annual_rate=Decimal("3.20"), down_payment_percent=20, term_months=48).save()
        FinanceSettings(annual_rate=Decimal("3.10"), down_payment_percent=20, term_months=48).save()
    assert FinanceSettings.objects.count() == 1
    assert finance.default_terms() == Terms(20, 48, Decimal("3.10"))


@pytest.mark.django_db
def test_the_detail_page_estimate_works_without_script(client):
    listing = ListingFactory(price=Decimal("100000"))
    url = reverse("marketplace:detail", args=[listing.pk])
    html = client.get(url, {"down": "0", "term": "12", "rate": "6"}).content.decode()
    assert 'data-testid="monthly">¥8,606.64<' in html
    assert 'data-testid="total-interest">¥3,279.73<' in html
    # The full schedule, month by month, on request (a link without script; swapped in place with it).
    assert html.count("<tr><td>") == 0 and "schedule=1#finance" in html
    html = client.get(url, {"down": "0", "term": "12", "rate": "6", "schedule": "1"}).content.decode()
    assert html.count("<tr><td>") == 12 and 'data-testid="monthly">¥8,606.64<' in html
    # Default terms without parameters (30 % down, 36 months, 4.5 %); nonsense never fails the page.
    assert client.get(url, {"down": "abc", "rate": "1e99"}).status_code == 200


@pytest.mark.django_db
def test_the_estimate_endpoint_gives_the_same_section_for_the_script(client):
    listing = ListingFactory(price=Decimal("100000"))
    html = client.get(
        reverse("marketplace:finance", args=[listing.pk]), {"down": "0", "term": "12", "rate": "6"}
    ).content.decode()
    assert "data-finance" in html and "¥8,606.64" in html and "<html" not in html
