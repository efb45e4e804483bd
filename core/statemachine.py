"""Explicit lifecycles (django-oscar style): a status field, a transition map, one ``transition_to``."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _

from .errors import InvalidTransition
from .models import AuditEvent


class StatusMachine(models.Model):
    """Mixin for models with a ``status`` field and a ``TRANSITIONS`` map {from: {to, ...}}.

    ``transition_to`` refuses moves the map does not list and writes an ``AuditEvent``; the caller
    saves the model (with ``update_fields``) inside its own transaction.
    """

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {}

    class Meta:
        abstract = True

    def available_transitions(self) -> list[str]:
        return sorted(self.TRANSITIONS.get(self.status, set()))

    def can_transition_to(self, new_status: str) -> bool:
        return new_status in self.TRANSITIONS.get(self.status, set())

    def transition_to(self, new_status: str, *, actor=None, note: str = "", action: str = "transition") -> AuditEvent:
        event = self.transition_event(new_status, actor=actor, note=note, action=action)
        event.save()
        return event

    def transition_event(self, new_status: str, *, actor=None, note: str = "", action: str = "transition") -> AuditEvent:
        """Move in memory and return the audit row UNSAVED: a sweep moves a whole batch, then writes the
        rows with one UPDATE and the events with one ``bulk_create``. Refuses moves the map does not list."""
        if not self.can_transition_to(new_status):
            labels = dict(self._meta.get_field("status").flatchoices)
            raise InvalidTransition(
                _("Cannot move from “%(old)s” to “%(new)s”.")
                % {"old": labels.get(self.status, self.status), "new": labels.get(new_status, new_status)},
                code="invalid_transition",
            )
        old = self.status
        self.status = new_status
        return audit_event(self, action=action, actor=actor, from_status=old, to_status=new_status, note=note)


def audit(
    obj: models.Model, *, action: str, actor=None, from_status: str = "", to_status: str = "", note: str = ""
) -> AuditEvent:
    """Write one audit row about ``obj`` (which must already have a primary key)."""
    event = audit_event(obj, action=action, actor=actor, from_status=from_status, to_status=to_status, note=note)
    event.save()
    return event


def audit_event(
    obj: models.Model, *, action: str, actor=None, from_status: str = "", to_status: str = "", note: str = ""
) -> AuditEvent:
    """The audit row about ``obj``, unsaved (sweeps collect a batch's rows for one ``bulk_create``)."""
    return AuditEvent(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


def audit_trail(obj: models.Model):
    """The audit rows of ``obj``, oldest first."""
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True), object_id=obj.pk
    ).select_related("actor")
