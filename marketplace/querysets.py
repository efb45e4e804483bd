from django.apps import apps
from django.db import models


class ListingQuerySet(models.QuerySet):
    def public(self):
        """Listings a visitor can find: published (reserved and sold cars keep their page but leave search)."""
        return self.filter(status=self.model.Status.PUBLISHED)

    def with_card_data(self):
        """Everything a listing card shows, in one query (plus one for cover photos)."""
        photo_model = apps.get_model("marketplace", "ListingPhoto")
        return self.select_related("vehicle", "dealer", "dealer__dealer_profile").prefetch_related(
            models.Prefetch("photos", queryset=photo_model.objects.filter(is_cover=True), to_attr="cover_photos")
        )

    def owned_by(self, dealer):
        return self.filter(dealer=dealer)
