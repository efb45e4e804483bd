from decimal import Decimal, InvalidOperation

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

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
    if amount == amount.to_integral_value():
        return f"¥{intcomma(int(amount))}"
    return f"¥{intcomma(f'{amount:.2f}')}"


@register.filter
def km(value):
    if value in (None, ""):
        return ""
    return f"{intcomma(int(value))} km"
