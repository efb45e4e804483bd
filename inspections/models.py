"""Inspection reports after GB/T 30323-2013 (二手车鉴定评估技术规范).

A report is a versioned, immutable document once published: corrections are new
versions (see ``services.report_correct``), never edits.
"""

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.statemachine import StatusMachine

from .querysets import InspectionReportQuerySet, InspectionRequestQuerySet


class Section(models.TextChoices):
    """Checklist sections in the order the standard walks round the car."""

    STRUCTURE = "structure", _("Accident check: 13 structural positions")
    EXTERIOR = "exterior", _("Body exterior")
    ENGINE_BAY = "engine_bay", _("Engine bay")
    CABIN = "cabin", _("Cabin")
    STARTUP = "startup", _("Start-up checks")
    ROAD_TEST = "road_test", _("Road test")
    CHASSIS = "chassis", _("Chassis")


#: Points each section contributes to the 100-point score (GB/T 30323-2013 weighting).
#: Structural positions carry no points: any structural defect makes the car an accident car (grade 5).
SECTION_POINTS = {
    Section.STRUCTURE: 0,
    Section.EXTERIOR: 20,
    Section.ENGINE_BAY: 20,
    Section.CABIN: 10,
    Section.STARTUP: 20,
    Section.ROAD_TEST: 15,
    Section.CHASSIS: 15,
}


class DefectCode(models.TextChoices):
    """Defect codes of the standard: structure (BX NQ GH SH ZZ) and panels (HH BX XS LW AX XF)."""

    BX = "BX", _("BX deformation (变形)")
    NQ = "NQ", _("NQ twisting (扭曲)")
    GH = "GH", _("GH replaced (更换)")
    SH = "SH", _("SH welded (烧焊)")
    ZZ = "ZZ", _("ZZ creasing (褶皱)")
    HH = "HH", _("HH scratch (划痕)")
    XS = "XS", _("XS rust (锈蚀)")
    LW = "LW", _("LW crack (裂纹)")
    AX = "AX", _("AX dent (凹陷)")
    XF = "XF", _("XF repair marks (修复痕迹)")


class ChecklistItemDefinition(models.Model):
    """One line of the checklist. Shipped as data (migration 0002 loads ``data/checklist_gbt30323.json``)."""

    class Kind(models.TextChoices):
        STRUCTURE = "structure", _("Structural position")
        PANEL = "panel", _("Body panel / part")
        OTHER = "other", _("Function / condition")

    class Evidence(models.TextChoices):
        NONE = "", _("—")
        FLOOD = "flood", _("Flood evidence")
        FIRE = "fire", _("Fire evidence")

    code = models.CharField(_("code"), max_length=8, unique=True)
    section = models.CharField(_("section"), max_length=16, choices=Section.choices)
    position = models.PositiveSmallIntegerField(_("position"), help_text=_("Order within the whole checklist."))
    name_en = models.CharField(_("name (English)"), max_length=160)
    name_zh = models.CharField(_("name (Chinese)"), max_length=160)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    allowed_defects = models.CharField(
        _("allowed defect codes"), max_length=40, blank=True, help_text=_("Comma-separated, e.g. HH,BX,XS")
    )
    diagram_panel = models.CharField(_("diagram panel"), max_length=24, blank=True)
    evidence = models.CharField(_("flood / fire evidence"), max_length=8, choices=Evidence.choices, blank=True)
    minor_points = models.PositiveSmallIntegerField(_("points deducted for a minor finding"), default=0)
    major_points = models.PositiveSmallIntegerField(_("points deducted for a major finding"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        lang = translation.get_language() or settings.LANGUAGE_CODE
        return self.name_zh if lang.lower().startswith("zh") else self.name_en

    @property
    def defect_codes(self) -> list[str]:
        return [c for c in self.allowed_defects.split(",") if c]

    def deduction(self, result: str) -> int:
        if result == InspectionItem.Result.MINOR:
            return self.minor_points
        if result == InspectionItem.Result.MAJOR:
            return self.major_points
        return 0


class InspectionRequest(StatusMachine):
    """A dealer asks for a car to be inspected; an inspector takes it from the queue."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for an inspector")
        TAKEN = "taken", _("Being inspected")
        DONE = "done", _("Report published")
        CANCELLED = "cancelled", _("Cancelled")

    TRANSITIONS = {
        Status.OPEN: {Status.TAKEN, Status.CANCELLED},
        Status.TAKEN: {Status.DONE, Status.CANCELLED},
    }

    listing = models.ForeignKey(
        "marketplace.Listing", on_delete=models.CASCADE, related_name="inspection_requests", verbose_name=_("listing")
    )
    vehicle = models.ForeignKey(
        "marketplace.Vehicle", on_delete=models.CASCADE, related_name="inspection_requests", verbose_name=_("vehicle")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspection_requests_taken",
        verbose_name=_("inspector"),
    )
    note = models.CharField(_("note for the inspector"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    report = models.OneToOneField(
        "InspectionReport", on_delete=models.SET_NULL, null=True, blank=True, related_name="request", verbose_name=_("report")
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = InspectionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection request")
        verbose_name_plural = _("inspection requests")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"],
                condition=models.Q(status__in=["open", "taken"]),
                name="one_pending_inspection_request_per_vehicle",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.vehicle}"


class InspectionReport(StatusMachine):
    """A versioned report on a vehicle. Immutable once published; a correction is a new version."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded by a newer version")

    TRANSITIONS = {
        Status.DRAFT: {Status.PUBLISHED},
        Status.PUBLISHED: {Status.SUPERSEDED},
    }

    vehicle = models.ForeignKey(
        "marketplace.Vehicle", on_delete=models.PROTECT, related_name="inspection_reports", verbose_name=_("vehicle")
    )
    listing = models.ForeignKey(
        "marketplace.Listing",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspection_reports",
        verbose_name=_("listing"),
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="inspection_reports", verbose_name=_("inspector")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous_version = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_version", verbose_name=_("corrects version")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    odometer_km = models.PositiveIntegerField(_("odometer reading (km)"), null=True, blank=True)
    location = models.CharField(_("inspection location"), max_length=120, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    correction_reason = models.CharField(_("reason for the correction"), max_length=300, blank=True)
    # Computed from the items by services.report_evaluate — never typed in.
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    is_accident = models.BooleanField(_("accident car"), default=False)
    is_flood = models.BooleanField(_("flood car"), default=False)
    is_fire = models.BooleanField(_("fire car"), default=False)
    minor_count = models.PositiveSmallIntegerField(_("minor findings"), default=0)
    major_count = models.PositiveSmallIntegerField(_("major findings"), default=0)
    not_checked_count = models.PositiveSmallIntegerField(_("items not checked"), default=0)
    #: Items changed relative to the previous version: [{"code", "name_en", "name_zh", "from", "to"}].
    changes = models.JSONField(_("changes from the previous version"), default=list, blank=True)
    content_hash = models.CharField(_("SHA-256 of the content"), max_length=64, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = InspectionReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection report")
        verbose_name_plural = _("inspection reports")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["vehicle", "version"], name="inspection_report_version_unique"),
            models.UniqueConstraint(
                fields=["vehicle"], condition=models.Q(status="published"), name="one_published_report_per_vehicle"
            ),
            models.UniqueConstraint(fields=["vehicle"], condition=models.Q(status="draft"), name="one_draft_report_per_vehicle"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=100), name="inspection_score_at_most_100"
            ),
            models.CheckConstraint(
                condition=models.Q(grade__isnull=True) | models.Q(grade__gte=1, grade__lte=5), name="inspection_grade_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["vehicle", "status"])]

    def __str__(self) -> str:
        return _("Inspection report %(vin)s v%(version)s") % {"vin": self.vehicle.vin, "version": self.version}

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_locked(self) -> bool:
        """Published and superseded reports are frozen."""
        return self.status != self.Status.DRAFT

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS.get(self.grade, "")


GRADE_LABELS = {
    1: _("Grade 1 — excellent condition"),
    2: _("Grade 2 — good condition"),
    3: _("Grade 3 — fair condition"),
    4: _("Grade 4 — poor condition"),
    5: _("Grade 5 — accident car"),
}


def item_photo_path(instance, filename: str) -> str:
    return f"inspections/{instance.report.vehicle_id}/{filename}"


class InspectionItem(models.Model):
    """The inspector's finding for one checklist line in one report version."""

    class Result(models.TextChoices):
        OK = "ok", _("OK")
        MINOR = "minor", _("Minor defect")
        MAJOR = "major", _("Major defect")
        NOT_CHECKED = "not_checked", _("Not checked")

    report = models.ForeignKey(InspectionReport, on_delete=models.CASCADE, related_name="items", verbose_name=_("report"))
    definition = models.ForeignKey(
        ChecklistItemDefinition, on_delete=models.PROTECT, related_name="+", verbose_name=_("checklist item")
    )
    result = models.CharField(_("result"), max_length=12, choices=Result.choices, default=Result.NOT_CHECKED)
    defect_code = models.CharField(_("defect code"), max_length=2, choices=DefectCode.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    photo = models.ImageField(_("photo"), upload_to=item_photo_path, blank=True)

    class Meta:
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        ordering = ["definition__position"]
        constraints = [models.UniqueConstraint(fields=["report", "definition"], name="one_item_per_definition_per_report")]

    def __str__(self) -> str:
        return f"{self.definition.code}: {self.result}"

    @property
    def is_finding(self) -> bool:
        return self.result in (self.Result.MINOR, self.Result.MAJOR)
