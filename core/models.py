from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One row per lifecycle change or sensitive action, for any model (the audit timeline)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor")
    )
    action = models.CharField(_("action"), max_length=64)
    from_status = models.CharField(_("from"), max_length=32, blank=True)
    to_status = models.CharField(_("to"), max_length=32, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class CalendarOverride(models.Model):
    """A staff-entered correction to the China working-day calendar (a holiday or a make-up working day).

    Adding, changing or removing one sends ``core.calendar.calendar_changed`` with the days concerned, so
    the apps recompute what was computed on them (e.g. provisional guarantee ends)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (not a working day)")
        WORKDAY = "workday", _("Make-up working day (调休)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        from .calendar import calendar_days_changed

        before = type(self).objects.filter(pk=self.pk).values_list("date", flat=True).first() if self.pk else None
        super().save(*args, **kwargs)
        calendar_days_changed({self.date, before} - {None})


@receiver(post_delete, sender=CalendarOverride, dispatch_uid="core.calendar_override_deleted")
def _override_deleted(sender, instance, **kwargs) -> None:
    # A receiver, not delete(): the admin's bulk delete removes rows without calling delete() on each.
    from .calendar import calendar_days_changed

    calendar_days_changed({instance.date})


class OutboxMessage(models.Model):
    """A Celery task a user action asked for, written in the same transaction as the action.

    The transactional outbox (see ``core.outbox``): the row commits or rolls back with the action,
    so a rolled-back action queues nothing and a committed one is never lost to a broker outage —
    the relay publishes it once the broker answers. Arguments are primary keys only (no personal
    data in the broker or in this table).
    """

    task_name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    available_at = models.DateTimeField(_("next attempt at"), db_index=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "pk"]
        indexes = [
            # The relay reads only unsent rows whose next attempt is due.
            models.Index(fields=["available_at"], condition=models.Q(sent_at__isnull=True), name="outbox_pending_idx"),
            models.Index(fields=["sent_at"], condition=models.Q(sent_at__isnull=False), name="outbox_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"
