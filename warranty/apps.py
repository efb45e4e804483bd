from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarrantyConfig(AppConfig):
    name = "warranty"
    verbose_name = _("Warranty")

    def ready(self) -> None:
        from contracts.signals import order_delivered
        from contracts.terms import terms_provider_register

        from .services import coverage_on_delivery
        from .terms import current_terms

        order_delivered.connect(coverage_on_delivery, dispatch_uid="warranty.coverage_on_delivery")
        terms_provider_register(current_terms)  # contracts snapshot these terms at signing
