from django.db import models


class ReviewQuerySet(models.QuerySet):
    def public(self):
        """Reviews anyone may read: not hidden by staff."""
        return self.filter(is_hidden=False)

    def of_dealer(self, dealer):
        return self.filter(dealer=dealer)

    def with_people(self):
        return self.select_related("buyer", "dealer", "dealer__dealer_profile", "order__listing__vehicle")
