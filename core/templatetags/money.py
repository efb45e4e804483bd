from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def cny(value):
    """¥128,800 (whole yuan; fen shown only when present)."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    # Grouped the same way in both languages (zh-hans formats have no NUMBER_GROUPING, so intcomma won't).
    if amount == amount.to_integral_value():
        return f"¥{int(amount):,}"
    return f"¥{amount:,.2f}"


@register.filter
def km(value):
    if value in (None, ""):
        return ""
    return f"{int(value):,} km"
