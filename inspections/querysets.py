from django.db import models

from accounts.roles import is_platform_staff


class InspectionReportQuerySet(models.QuerySet):
    def public(self):
        """Versions anyone may read: the current published one and the superseded history."""
        S = self.model.Status
        return self.filter(status__in=[S.PUBLISHED, S.SUPERSEDED])

    def published(self):
        return self.filter(status=self.model.Status.PUBLISHED)

    def visible_to(self, user):
        """Public versions for everyone; drafts only for their inspector and platform staff."""
        if is_platform_staff(user):
            return self.all()
        if not user.is_authenticated:
            return self.public()
        S = self.model.Status
        return self.filter(models.Q(status__in=[S.PUBLISHED, S.SUPERSEDED]) | models.Q(status=S.DRAFT, inspector=user))

    def drafts_of(self, inspector):
        return self.filter(status=self.model.Status.DRAFT, inspector=inspector)


class InspectionRequestQuerySet(models.QuerySet):
    def pending(self):
        """Requests still to be done: waiting in the queue or being inspected (one per car at most)."""
        S = self.model.Status
        return self.filter(status__in=[S.OPEN, S.TAKEN])

    def queue(self):
        """Requests no inspector has taken yet, oldest first."""
        return self.filter(status=self.model.Status.OPEN).order_by("created_at", "pk")
