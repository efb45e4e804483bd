from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "insights"
    verbose_name = _("Trust and insight")

    def ready(self) -> None:
        from marketplace.signals import listing_viewed

        listing_viewed.connect(_count_view, dispatch_uid="insights.count_listing_view")


def _count_view(sender, *, listing, **kwargs) -> None:
    from .services import listing_view_record

    listing_view_record(listing=listing)
