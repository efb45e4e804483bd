"""Filters for contract documents (Chinese upper-case amounts, ISO dates) and the reserve button."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

from contracts.models import Order
from marketplace.models import Listing

register = template.Library()

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿", "万亿"]


def _four(n: int) -> str:
    out, zero = "", False
    for i in range(3, -1, -1):
        d = (n // 10**i) % 10
        if d == 0:
            zero = bool(out)
        else:
            if zero:
                out += "零"
                zero = False
            out += _DIGITS[d] + _UNITS[i]
    return out


def cny_uppercase(value) -> str:
    """128800 → 人民币壹拾贰万捌仟捌佰元整 (the way amounts are written out in Chinese contracts)."""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if amount < 0:
        return ""
    yuan = int(amount)
    fen_total = int((amount - yuan) * 100)
    jiao, fen = divmod(fen_total, 10)
    parts, sections, n = [], [], yuan
    while n:
        sections.append(n % 10000)
        n //= 10000
    text, need_zero = "", False
    for idx in range(len(sections) - 1, -1, -1):
        sec = sections[idx]
        if sec == 0:
            need_zero = bool(text)
            continue
        if text and (need_zero or sec < 1000):
            text += "零"
        text += _four(sec) + _SECTIONS[idx]
        need_zero = False
    if not text:
        text = "零"
    parts.append(text + "元")
    if jiao == 0 and fen == 0:
        parts.append("整")
    else:
        parts.append((_DIGITS[jiao] + "角") if jiao else ("零" if yuan else ""))
        if fen:
            parts.append(_DIGITS[fen] + "分")
    return "人民币" + "".join(parts)


@register.filter
def cny_upper(value):
    return cny_uppercase(value)


@register.filter
def isodate(value):
    """Parse an ISO date string (as stored in JSON snapshots) into a date for the ``date`` filter."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


@register.filter
def hash_groups(value, size=8):
    """Split a hex digest into groups of 8 so people can compare it by eye."""
    value = str(value or "")
    return " ".join(value[i : i + int(size)] for i in range(0, len(value), int(size)))


@register.simple_tag
def active_order_for(listing, user):
    """The user's own live order for ``listing`` (one query, only when the car is reserved/sold and the
    user is signed in) — so the reserve button can link to it."""
    if not getattr(user, "is_authenticated", False) or listing.status not in (Listing.Status.RESERVED, Listing.Status.SOLD):
        return None
    return (
        Order.objects.filter(listing_id=listing.pk, status__in=Order.ACTIVE_STATUSES)
        .filter(buyer=user)
        .only("pk", "status")
        .first()
    )
