"""Signal receivers: other apps announce events, surveys plans what follows (surveys imports them)."""

from django.dispatch import receiver

from contracts.signals import order_delivered

from .services import survey_plan_for_delivery


@receiver(order_delivered, dispatch_uid="surveys.plan_after_delivery")
def plan_surveys_after_delivery(sender, order, **kwargs):
    """Delivery starts the survey clocks: satisfaction at +7 days, return visits at +30 and +180."""
    survey_plan_for_delivery(order=order)
