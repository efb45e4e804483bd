from django.db import models


class InspectionReportQuerySet(models.QuerySet):
    def public(self):
        """Versions anyone may read: the current published one and the superseded history."""
        return self.filter(status__in=["published", "superseded"])

    def published(self):
        return self.filter(status="published")

    def visible_to(self, user):
        """Public versions for everyone; drafts only for their inspector and platform staff."""
        if user.is_authenticated and (user.is_staff or getattr(user, "role", "") == "staff"):
            return self.all()
        if user.is_authenticated:
            return self.filter(models.Q(status__in=["published", "superseded"]) | models.Q(status="draft", inspector=user))
        return self.public()

    def drafts_of(self, inspector):
        return self.filter(status="draft", inspector=inspector)


class InspectionRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status__in=["open", "taken"])

    def queue(self):
        """Requests no inspector has taken yet, oldest first."""
        return self.filter(status="open").order_by("created_at", "pk")
