from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarrantyConfig(AppConfig):
    name = "warranty"
    verbose_name = _("Warranty")

    def ready(self) -> None:
        try:
            from contracts.signals import order_delivered
        except ImportError:  # contracts without the signal: clocks start on first access instead
            return
        from .services import coverage_on_delivery

        order_delivered.connect(coverage_on_delivery, dispatch_uid="warranty.coverage_on_delivery")
