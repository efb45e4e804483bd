from django.apps import apps
from django.db import models

from accounts.roles import is_dealer, is_platform_staff


class ListingQuerySet(models.QuerySet):
    def public(self):
        """Listings a visitor can find: published (reserved and sold cars keep their page but leave search)."""
        return self.filter(status=self.model.Status.PUBLISHED)

    def viewable(self):
        """Listings whose detail page anyone may open: on sale, reserved or sold (drafts stay private)."""
        S = self.model.Status
        return self.filter(status__in=[S.PUBLISHED, S.RESERVED, S.SOLD])

    def owned_by(self, dealer):
        return self.filter(dealer=dealer)

    def visible_to(self, user):
        """Detail pages: the public ones for everybody, plus a dealer's own cars, plus everything for staff."""
        if is_platform_staff(user):
            return self.all()
        if is_dealer(user):
            return self.filter(models.Q(pk__in=self.viewable().values("pk")) | models.Q(dealer=user))
        return self.viewable()

    def with_viewer_flags(self, user):
        """Annotate ``is_favourite`` and ``conversation_id`` for ``user`` in the same query (no extra round trips)."""
        if not getattr(user, "is_authenticated", False):
            return self.annotate(
                is_favourite=models.Value(False, output_field=models.BooleanField()),
                conversation_id=models.Value(None, output_field=models.BigIntegerField()),
            )
        favourite = apps.get_model("marketplace", "Favourite")
        conversation = apps.get_model("marketplace", "Conversation")
        return self.annotate(
            is_favourite=models.Exists(favourite.objects.filter(user=user, listing=models.OuterRef("pk"))),
            conversation_id=models.Subquery(
                conversation.objects.filter(buyer=user, listing=models.OuterRef("pk")).values("pk")[:1]
            ),
        )


class ConversationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The buyer and the dealer of a thread, and platform staff. Nobody else (they get 404)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if is_platform_staff(user):
            return self.all()
        return self.filter(models.Q(buyer=user) | models.Q(dealer=user))

    def unread_by(self, user):
        """Threads with a message ``user`` has not seen yet (as buyer or as dealer)."""
        F, Q = models.F, models.Q
        as_buyer = (
            Q(buyer=user)
            & Q(last_message_at__isnull=False)
            & (Q(buyer_read_at__isnull=True) | Q(buyer_read_at__lt=F("last_message_at")))
        )
        as_dealer = (
            Q(dealer=user)
            & Q(last_message_at__isnull=False)
            & (Q(dealer_read_at__isnull=True) | Q(dealer_read_at__lt=F("last_message_at")))
        )
        return self.filter(as_buyer | as_dealer)


class AppointmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Its buyer and its dealer (staff read every one); anybody else gets 404."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if is_platform_staff(user):
            return self.all()
        return self.filter(models.Q(buyer=user) | models.Q(dealer=user))

    def upcoming(self, now):
        return self.filter(status=self.model.Status.BOOKED, starts_at__gt=now)

    def due_for_reminder(self, now):
        """Booked viewings whose next reminder (24 h, then 2 h before) has come, along their partial index."""
        return self.filter(status=self.model.Status.BOOKED, next_reminder_at__lte=now).order_by("next_reminder_at", "pk")
