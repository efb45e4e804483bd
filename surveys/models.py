import datetime as dt
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Avg, Count, Q
from django.utils.translation import gettext_lazy as _

REMINDER_AFTER = dt.timedelta(days=3)
VALID_FOR = dt.timedelta(days=30)


class SurveyQuerySet(models.QuerySet):
    def due_to_send(self, now: dt.datetime):
        """Planned surveys whose send date has come (partial index ``survey_unsent_due_idx``)."""
        return self.filter(sent_at__isnull=True, due_at__lte=now)

    def due_for_reminder(self, now: dt.datetime):
        """Sent, unanswered, not yet reminded, sent at least 3 days ago and still open
        (partial index ``survey_open_unreminded_idx``). One reminder per survey, ever."""
        return self.filter(
            sent_at__isnull=False,
            answered_at__isnull=True,
            reminded_at__isnull=True,
            sent_at__lte=now - REMINDER_AFTER,
            expires_at__gt=now,
        )

    def answered(self):
        return self.filter(answered_at__isnull=False)

    def results(self) -> dict:
        """CSAT average (1–5) and NPS (% promoters 9–10 minus % detractors 0–6) of the answered rows."""
        agg = self.answered().aggregate(
            answered=Count("pk"),
            csat_avg=Avg("csat"),
            promoters=Count("pk", filter=Q(nps__gte=9)),
            detractors=Count("pk", filter=Q(nps__lte=6)),
        )
        answered = agg["answered"]
        agg["nps"] = round(100 * (agg["promoters"] - agg["detractors"]) / answered) if answered else None
        agg["csat_avg"] = round(agg["csat_avg"], 2) if agg["csat_avg"] is not None else None
        return agg


class Survey(models.Model):
    """A satisfaction survey or return visit (回访), answered once through a signed, expiring link.

    Rows are planned ahead with a ``due_at`` (delivery + 7/30/180 days, or when a complaint closes
    or a warranty repair is completed); the hourly sweep sends the due ones and reminds once after
    three days. The subject (order, complaint or warranty claim) is generic so this app does not
    depend on the shape of the apps it follows; one survey per kind and subject.
    """

    class Kind(models.TextChoices):
        DELIVERY = "delivery", _("Satisfaction after delivery")
        RETURN_VISIT_30 = "return_visit_30", _("Return visit after 30 days")
        RETURN_VISIT_180 = "return_visit_180", _("Return visit after 180 days")
        COMPLAINT_CLOSED = "complaint_closed", _("After a complaint was closed")
        WARRANTY_REPAIR = "warranty_repair", _("After a warranty repair")

    class Tag(models.TextChoices):
        CAR_AS_DESCRIBED = "car_as_described", _("Car as described")
        FRIENDLY_STAFF = "friendly_staff", _("Friendly staff")
        FAST_RESPONSE = "fast_response", _("Fast response")
        CLEAR_CONTRACT = "clear_contract", _("Clear contract")
        FAIR_PRICE = "fair_price", _("Fair price")
        GOOD_REPAIR = "good_repair", _("Good repair work")
        SLOW_RESPONSE = "slow_response", _("Slow response")
        CAR_PROBLEMS = "car_problems", _("Problems with the car")
        PAPERWORK = "paperwork", _("Paperwork trouble")
        POOR_COMMUNICATION = "poor_communication", _("Poor communication")

    public_id = models.UUIDField(_("public link id"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="surveys", verbose_name=_("respondent")
    )
    dealer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dealer_surveys",
        verbose_name=_("dealer"),
    )
    order = models.ForeignKey(
        "contracts.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys", verbose_name=_("order")
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("about (type)"))
    subject_id = models.PositiveBigIntegerField(_("about (id)"))
    subject = GenericForeignKey("subject_type", "subject_id")

    due_at = models.DateTimeField(_("due at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    csat = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("likelihood to recommend (0–10)"), null=True, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-due_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_type", "subject_id"], name="one_survey_per_kind_and_subject"),
            models.CheckConstraint(condition=Q(csat__isnull=True) | Q(csat__gte=1, csat__lte=5), name="survey_csat_1_to_5"),
            models.CheckConstraint(condition=Q(nps__isnull=True) | Q(nps__lte=10), name="survey_nps_0_to_10"),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(csat__isnull=False, nps__isnull=False), name="survey_answer_is_complete"
            ),
        ]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(sent_at__isnull=True), name="survey_unsent_due_idx"),
            models.Index(
                fields=["sent_at"],
                condition=Q(answered_at__isnull=True, reminded_at__isnull=True, sent_at__isnull=False),
                name="survey_open_unreminded_idx",
            ),
            models.Index(fields=["kind", "answered_at"], condition=Q(answered_at__isnull=False), name="survey_answered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    def is_expired(self, now: dt.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def status_label(self, now: dt.datetime) -> str:
        if self.answered_at:
            return _("Answered")
        if self.sent_at is None:
            return _("Planned")
        if self.is_expired(now):
            return _("Expired")
        return _("Awaiting answer")
