"""``{% calendar_warning %}``: the admin banner shown while a year runs on the fallback calendar rule."""

from django import template
from django.urls import reverse

from core.calendar import FALLBACK_FIXED_HOLIDAYS, years_needing_staff_attention

register = template.Library()


@register.inclusion_tag("core/calendar_warning.html", takes_context=True)
def calendar_warning(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if not getattr(user, "is_staff", False):
        return {"years": []}
    return {
        "years": years_needing_staff_attention(),
        "fixed_holidays": sorted(FALLBACK_FIXED_HOLIDAYS),
        "override_url": reverse("admin:core_calendaroverride_changelist"),
        "can_add": user.has_perm("core.add_calendaroverride"),
    }
