"""Finance estimates: a car loan's monthly payment and its full amortisation schedule, in ``Decimal``.

The standard annuity: a principal P repaid in n equal monthly payments at the monthly rate r = annual rate / 12
pays M = P·r / (1 − (1 + r)^−n) (M = P / n at 0 %), rounded half-up to the fen. Each month's interest is the
open balance × r rounded to the fen and the rest of the payment repays principal; the last payment is whatever
clears the balance (the rounding residue), so every schedule ends at exactly ¥0.00.

The cards ("from ¥X/month" at the staff's default terms), the detail page's estimate and the contract's
instalment / loan schedule all use this module, so the three always agree.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

from django.core.cache import cache

from core import pagecache
from core.templatetags.money import cny

FEN = Decimal("0.01")
TERM_MIN, TERM_MAX = 12, 60
TERMS = (12, 24, 36, 48, 60)
DOWN_PAYMENT_MAX = 90
RATE_MAX = Decimal(36)
SETTINGS_CACHE_KEY = "marketplace:finance-settings"
PAGE_VERSION = "finance"


def fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Terms:
    down_payment_percent: int
    term_months: int
    annual_rate: Decimal  # percent per year, e.g. Decimal("4.50")


@dataclass(frozen=True)
class Instalment:
    number: int
    due: dt.date | None
    payment: Decimal
    interest: Decimal
    principal: Decimal
    balance: Decimal  # left to repay after this payment


@dataclass(frozen=True)
class Estimate:
    price: Decimal
    terms: Terms
    down_payment: Decimal
    financed: Decimal
    monthly: Decimal
    rows: list[Instalment]

    @property
    def total_interest(self) -> Decimal:
        return sum((row.interest for row in self.rows), Decimal(0))

    @property
    def total_repaid(self) -> Decimal:
        return sum((row.payment for row in self.rows), Decimal(0))

    @property
    def total_cost(self) -> Decimal:
        """Down payment plus every monthly payment: what the car costs on these terms."""
        return self.down_payment + self.total_repaid


def monthly_payment(principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """The annuity payment of ``principal`` over ``months`` at ``annual_rate`` % a year, rounded to the fen."""
    principal, annual_rate = Decimal(principal), Decimal(annual_rate)
    if months < 1:
        raise ValueError("a loan runs at least one month")
    if principal <= 0:
        return Decimal("0.00")
    with localcontext() as context:
        context.prec = 40
        rate = annual_rate / Decimal(1200)
        if rate == 0:
            return fen(principal / months)
        return fen(principal * rate / (1 - (1 + rate) ** -months))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it has no such day (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def schedule(principal: Decimal, annual_rate: Decimal, months: int, *, first_due: dt.date | None = None) -> list[Instalment]:
    """Every monthly payment: interest on the open balance, principal repaid, balance left (ends at 0.00)."""
    principal = fen(Decimal(principal))
    payment = monthly_payment(principal, annual_rate, months)
    rate = Decimal(annual_rate) / Decimal(1200)
    rows, balance = [], principal
    for number in range(1, months + 1):
        interest = fen(balance * rate)
        if number == months:
            repaid, amount = balance, balance + interest
        else:
            repaid = min(payment - interest, balance)
            amount = repaid + interest
        balance -= repaid
        due = add_months(first_due, number - 1) if first_due else None
        rows.append(Instalment(number, due, amount, interest, repaid, balance))
    return rows


def estimate(price: Decimal, terms: Terms, *, first_due: dt.date | None = None) -> Estimate:
    """The down payment (``terms.down_payment_percent`` of the price), the amount financed, its monthly payment
    and schedule."""
    price = Decimal(price)
    down = fen(price * terms.down_payment_percent / 100)
    financed = price - down
    rows = schedule(financed, terms.annual_rate, terms.term_months, first_due=first_due)
    return Estimate(
        price=price,
        terms=terms,
        down_payment=down,
        financed=fen(financed),
        monthly=monthly_payment(financed, terms.annual_rate, terms.term_months),
        rows=rows,
    )


# --- the staff's defaults ----------------------------------------------------------------------------


def default_terms() -> Terms:
    """The terms staff set (``FinanceSettings`` in the admin), read from the cache: no query on a hot page."""
    found = cache.get(SETTINGS_CACHE_KEY)
    if found is None:
        from .models import FinanceSettings

        row = FinanceSettings.objects.first() or FinanceSettings()
        found = (row.down_payment_percent, row.term_months, str(row.annual_rate))
        cache.set(SETTINGS_CACHE_KEY, found, timeout=300)
    down, months, rate = found
    return Terms(down_payment_percent=int(down), term_months=int(months), annual_rate=Decimal(rate))


def settings_changed() -> None:
    """Staff changed the defaults: forget the cached copy and renew every page and card that shows an estimate."""
    cache.delete(SETTINGS_CACHE_KEY)
    pagecache.bump(PAGE_VERSION)


def terms_from(params, defaults: Terms) -> Terms:
    """The terms a visitor chose (GET ``down``, ``term``, ``rate``), each kept within bounds; anything unreadable
    falls back to the default (an estimate never fails)."""

    def number(name, cast, low, high, default):
        try:
            value = cast(str(params.get(name, "")).strip().rstrip("%"))
        except (InvalidOperation, TypeError, ValueError):
            return default
        if value != value or not low <= value <= high:  # NaN, or out of bounds
            return default
        return value

    return Terms(
        down_payment_percent=number("down", int, 0, DOWN_PAYMENT_MAX, defaults.down_payment_percent),
        term_months=number("term", int, TERM_MIN, TERM_MAX, defaults.term_months),
        annual_rate=fen(number("rate", Decimal, Decimal(0), RATE_MAX, defaults.annual_rate)),
    )


def card_monthly(price: Decimal, terms: Terms | None = None) -> str:
    """ "¥X" a month at the default terms, whole yuan rounded up (what a card prints as "from ¥X/month")."""
    terms = terms or default_terms()
    price = Decimal(price)
    monthly = monthly_payment(price - fen(price * terms.down_payment_percent / 100), terms.annual_rate, terms.term_months)
    return cny(monthly.quantize(Decimal(1), rounding=ROUND_CEILING))
