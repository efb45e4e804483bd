from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .kinds import get_kind, kind_label


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_user(self, user):
        return self.filter(recipient=user)


class Notification(models.Model):
    """An in-app message (and its e-mail). ``dedupe_key`` is unique: the same reminder is never sent twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    # Rows written before kinds carried their texts keep them here (``params`` is NULL for those); newer rows
    # leave these empty and are rendered from ``kind`` + ``params`` in the reader's language.
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"), blank=True)
    params = models.JSONField(_("parameters"), null=True, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # Set when an e-mail is owed; cleared once it has been sent (``send_pending_emails`` picks these up).
    email_pending = models.BooleanField(_("e-mail pending"), default=False)
    # A sender's lease on the pending e-mail: until it expires nobody else sends it (see services).
    email_lease_until = models.DateTimeField(_("e-mail claimed until"), null=True, blank=True)
    email_claim = models.CharField(_("e-mail claim"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"),
            models.Index(fields=["created_at"], condition=models.Q(email_pending=True), name="notification_email_pending_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def render(self, language: str | None = None) -> tuple[str, str]:
        """(subject, body) in ``language`` (the active one by default); stored text for old rows."""
        kind = get_kind(self.kind)
        if self.params is None or kind is None:
            return self.subject, self.body
        return kind.render(self.params, language)

    @cached_property
    def _rendered(self) -> tuple[str, str]:
        return self.render()

    @property
    def title(self) -> str:
        return self._rendered[0]

    @property
    def text(self) -> str:
        return self._rendered[1]

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
