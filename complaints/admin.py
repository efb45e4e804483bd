"""The staff working tool: a complaint queue with SLA badges, and a change page to work a case to closed.

Every change that matters goes through ``complaints.services`` (the same functions the site and the
Celery sweep call): assignment, transitions, replies, internal notes, pausing the clock.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.models import AuditEvent

from . import services
from .models import Complaint, ComplaintAttachment, ComplaintMessage, ComplaintPause, DeadlineKind, SlaPolicy

Status = Complaint.Status

SLA_STATES = {
    "on_track": (_("On track"), "sla-on-track"),
    "due_soon": (_("Due soon"), "sla-due-soon"),
    "breached": (_("Breached"), "sla-breached"),
    "paused": (_("Paused"), "sla-paused"),
    "done": (_("Done"), "sla-done"),
}
STATUS_CLASSES = {
    Status.NEW: "st-new",
    Status.ACKNOWLEDGED: "st-ack",
    Status.INVESTIGATING: "st-inv",
    Status.RESOLUTION_PROPOSED: "st-prop",
    Status.ESCALATED: "st-esc",
    Status.REOPENED: "st-reopen",
    Status.RESOLVED: "st-resolved",
    Status.CLOSED: "st-closed",
}


def _duration(delta: dt.timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return gettext("%(d)sd %(h)sh") % {"d": days, "h": hours}
    if hours:
        return gettext("%(h)sh %(m)smin") % {"h": hours, "m": minutes}
    return gettext("%(m)s min") % {"m": minutes}


def _local(moment) -> str:
    return services.format_deadline(moment) if moment else "—"


# --- list filters -----------------------------------------------------------------------------


class SlaStateFilter(admin.SimpleListFilter):
    title = _("SLA state")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _css) in SLA_STATES.items()]

    def queryset(self, request, queryset):
        if self.value() in SLA_STATES:
            return queryset.in_sla_state(self.value())
        return queryset


class HandlerFilter(admin.SimpleListFilter):
    title = _("handled by")
    parameter_name = "handler"

    def lookups(self, request, model_admin):
        return [("me", _("My complaints")), ("me_open", _("My open complaints")), ("unassigned", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "me_open":
            return queryset.filter(assignee=request.user).open()
        if self.value() == "unassigned":
            return queryset.filter(assignee__isnull=True)
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = _("open / done")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Resolved or closed"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.open()
        if self.value() == "no":
            return queryset.exclude(status__in=Complaint.OPEN_STATUSES)
        return queryset


# --- inlines ----------------------------------------------------------------------------------


class ReadOnlyInlineMixin:
    extra = 0
    max_num = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MessageInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ComplaintMessage
    verbose_name = _("message")
    verbose_name_plural = _("Conversation and internal notes (add new ones with “Work the case” above)")
    fields = ("created_at", "who", "visibility", "body", "files")
    readonly_fields = fields
    classes = ("complaint-conversation",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author__dealer_profile").prefetch_related("attachments")

    @admin.display(description=_("from"))
    def who(self, obj):
        return format_html("{}<br><small>{}</small>", obj.get_author_role_display(), obj.author or "")

    @admin.display(description=_("visible to"))
    def visibility(self, obj):
        if obj.is_internal:
            return format_html('<span class="badge sla-breached">{}</span>', gettext("Internal note — staff only"))
        return format_html('<span class="badge sla-on-track">{}</span>', gettext("Customer and dealer"))

    @admin.display(description=_("files"))
    def files(self, obj):
        return (
            format_html_join(
                "<br>",
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                (
                    (reverse("complaints:attachment", args=[obj.complaint_id, a.pk]), a.original_name)
                    for a in obj.attachments.all()
                ),
            )
            or "—"
        )


class TimelineInline(ReadOnlyInlineMixin, GenericTabularInline):
    model = AuditEvent
    ct_field = "content_type"
    ct_fk_field = "object_id"
    verbose_name = _("event")
    verbose_name_plural = _("Timeline (audit)")
    fields = ("created_at", "action", "change", "actor", "note")
    readonly_fields = fields
    ordering = ("created_at", "pk")
    classes = ("collapse",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_view_permission(self, request, obj=None):
        # The case's own history: whoever may view the complaint sees it, without rights on all audit rows.
        return request.user.has_perm("complaints.view_complaint")

    @admin.display(description=_("status"))
    def change(self, obj):
        labels = dict(Status.choices)
        if not obj.to_status:
            return "—"
        return f"{labels.get(obj.from_status, obj.from_status or '·')} → {labels.get(obj.to_status, obj.to_status)}"


class PauseInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ComplaintPause
    fields = ("started_at", "ended_at", "reason", "paused_hours", "started_by")
    readonly_fields = fields
    classes = ("collapse",)

    @admin.display(description=_("working hours paused"))
    def paused_hours(self, obj):
        return f"{obj.working_seconds / 3600:.1f}" if obj.ended_at else gettext("running")


# --- the working form -------------------------------------------------------------------------

CLOCK_CHOICES = [
    ("", _("— leave the clock as it is —")),
    ("pause", _("Pause: waiting for the customer")),
    ("resume", _("Resume the clock")),
]


class ComplaintAdminForm(forms.ModelForm):
    """The model fields staff edit directly, plus the case-working controls that go through services."""

    transition = forms.ChoiceField(label=_("Move the case to"), required=False)
    transition_note = forms.CharField(
        label=_("Note on this step"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text=_(
            "Kept in the timeline. Required when you mark a proposed resolution resolved (how did the customer accept?)."
        ),
    )
    reply = forms.CharField(
        label=_("Reply to the customer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_(
            "Sent to the customer and visible to the dealer concerned. The first reply meets the first-response deadline."
        ),
    )
    internal_note = forms.CharField(
        label=_("Internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80, "class": "internal-note"}),
        help_text=_("Staff only — never shown to the customer or the dealer."),
    )
    clock = forms.ChoiceField(label=_("SLA clock"), required=False, choices=CLOCK_CHOICES)
    pause_reason = forms.CharField(
        label=_("Waiting for"), required=False, max_length=255, help_text=_("Told to the customer, e.g. “photos of the damage”.")
    )

    class Meta:
        model = Complaint
        fields = ("assignee", "priority", "category", "dealer", "resolution", "classification", "root_cause", "root_cause_detail")
        widgets = {
            "resolution": forms.Textarea(attrs={"rows": 4, "cols": 80}),
            "root_cause_detail": forms.Textarea(attrs={"rows": 2, "cols": 80}),
        }

    current_user = None  # set per request by ComplaintAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        obj = self.instance
        labels = dict(Status.choices)
        choices = [("", _("— keep “%(status)s” —") % {"status": obj.get_status_display()})]
        choices += [(s, labels[s]) for s in obj.available_transitions() if s != Status.REOPENED]
        self.fields["transition"].choices = choices
        user = self.current_user
        if "assignee" in self.fields and user is not None and not services.is_supervisor(user):
            allowed = {user.pk} | ({obj.assignee_id} if obj.assignee_id else set())
            self.fields["assignee"].queryset = self.fields["assignee"].queryset.filter(pk__in=allowed)
            self.fields["assignee"].help_text = _("Only supervisors can give a case to someone else or take it from them.")
        if not obj.is_paused:
            self.fields["clock"].choices = [c for c in CLOCK_CHOICES if c[0] != "resume"]
        else:
            self.fields["clock"].choices = [c for c in CLOCK_CHOICES if c[0] != "pause"]

    def clean(self):
        data = super().clean()
        obj, user = self.instance, self.current_user
        if "assignee" in self.changed_data and user is not None:
            refusal = services.assignment_refusal(
                complaint=Complaint.objects.get(pk=obj.pk), assignee=data.get("assignee"), actor=user
            )
            if refusal:
                self.add_error("assignee", refusal)
        target = data.get("transition")
        if target:
            if not obj.can_transition_to(target):
                self.add_error("transition", gettext("This move is not allowed from the current status."))
            if target == Status.RESOLUTION_PROPOSED and not (data.get("resolution") or "").strip():
                self.add_error("resolution", gettext("Write the proposed resolution the customer will see."))
            if target == Status.RESOLVED and obj.status == Status.RESOLUTION_PROPOSED and not data.get("transition_note"):
                self.add_error("transition_note", gettext("Say how the customer accepted the resolution."))
        if data.get("clock") == "pause":
            if not (data.get("pause_reason") or "").strip():
                self.add_error("pause_reason", gettext("Say what you are waiting for."))
            if (
                not obj.is_open
                or obj.status == Status.RESOLUTION_PROPOSED
                or target in Complaint.DONE_STATUSES
                or target == Status.RESOLUTION_PROPOSED
            ):
                self.add_error("clock", gettext("Only a case staff are working on can be paused."))
        return data


# --- the complaint admin ----------------------------------------------------------------------


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    form = ComplaintAdminForm
    change_list_template = "admin/complaints/complaint/change_list.html"
    change_form_template = "admin/complaints/complaint/change_form.html"
    list_display = (
        "number",
        "short_subject",
        "sla_badge",
        "time_left",
        "status_badge",
        "priority",
        "category",
        "assignee",
        "dealer_name",
        "created_at",
    )
    list_display_links = ("number", "short_subject")
    list_filter = (
        HandlerFilter,
        SlaStateFilter,
        OpenFilter,
        "status",
        "category",
        "priority",
        ("assignee", admin.RelatedOnlyFieldListFilter),
        ("dealer", admin.RelatedOnlyFieldListFilter),
        "root_cause",
        "created_at",
    )
    search_fields = (
        "number",
        "complainant_name",
        "complainant_phone",
        "complainant__full_name",
        "complainant__username",
        "vin",
        "order__listing__vehicle__vin",
        "subject",
    )
    date_hierarchy = "created_at"
    list_select_related = ("assignee", "dealer__dealer_profile")
    list_per_page = 50
    actions = ("assign_to_me", "acknowledge", "escalate")
    inlines = (MessageInline, TimelineInline, PauseInline)
    readonly_fields = (
        "number",
        "status_badge",
        "sla_panel",
        "complainant_link",
        "complainant_name",
        "complainant_phone",
        "links",
        "vin",
        "subject",
        "description",
        "desired_outcome",
        "customer_files",
        "customer_feedback",
        "created_at",
    )
    fieldsets = (
        (None, {"fields": (("number", "status_badge"), "sla_panel", ("assignee", "priority", "category"))}),
        (
            _("Work the case"),
            {
                "fields": ("transition", "transition_note", "reply", "internal_note", ("clock", "pause_reason")),
                "description": _(
                    "Pick the next step; only the moves allowed from the current status are offered. Everything is recorded in the timeline."
                ),
                "classes": ("work-the-case",),
            },
        ),
        (
            _("The customer's complaint"),
            {
                "fields": (
                    ("complainant_link", "complainant_name", "complainant_phone"),
                    "dealer",
                    "links",
                    "vin",
                    "subject",
                    "description",
                    "desired_outcome",
                    "customer_files",
                    "created_at",
                )
            },
        ),
        (_("Resolution"), {"fields": ("resolution", "customer_feedback")}),
        (_("Analysis"), {"fields": (("classification", "root_cause"), "root_cause_detail")}),
    )

    class Media:
        css = {"all": ("complaints/admin.css",)}

    # --- queryset & permissions

    def get_queryset(self, request):
        return super().get_queryset(request).with_sla_state()

    def get_ordering(self, request):
        # Most urgent first; cases without a running deadline (waiting, done) after all running ones.
        return [F("next_deadline_at").asc(nulls_last=True), "-created_at"]

    def has_add_permission(self, request):
        # Complaints are filed by customers (site or, for phone complaints, on their account) so that the
        # deadlines, the receipt and the audit row are always created by ``complaint_file``.
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.current_user = request.user
        return form

    def get_urls(self):
        return [
            path("escalations/", self.admin_site.admin_view(self.escalations_view), name="complaints_complaint_escalations"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "is_supervisor": services.is_supervisor(request.user)}
        return super().changelist_view(request, extra_context)

    # --- columns

    @admin.display(description=_("subject"), ordering="subject")
    def short_subject(self, obj):
        return obj.subject if len(obj.subject) <= 40 else obj.subject[:39] + "…"

    @admin.display(description=_("SLA"), ordering="next_deadline_at")
    def sla_badge(self, obj):
        state = getattr(obj, "sla", None) or obj.sla_state()
        label, css = SLA_STATES[state]
        return format_html('<span class="badge {}" data-sla="{}">{}</span>', css, state, label)

    @admin.display(description=_("time left"), ordering="next_deadline_at")
    def time_left(self, obj):
        if not obj.is_open:
            return "—"
        if obj.is_paused:
            return gettext("paused")
        if obj.next_deadline_at is None:
            return gettext("waiting for the customer") if obj.status == Status.RESOLUTION_PROPOSED else "—"
        delta = obj.next_deadline_at - timezone.now()
        kind = DeadlineKind(obj.next_deadline_kind).label if obj.next_deadline_kind else ""
        text = _duration(delta) if delta.total_seconds() >= 0 else gettext("overdue %(t)s") % {"t": _duration(delta)}
        return format_html(
            '<span title="{}">{}</span><br><small class="quiet">{}</small>', _local(obj.next_deadline_at), text, kind
        )

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        paused = format_html(' <span class="badge sla-paused">{}</span>', gettext("clock paused")) if obj.is_paused else ""
        return format_html(
            '<span class="badge {}">{}</span>{}', STATUS_CLASSES.get(obj.status, ""), obj.get_status_display(), paused
        )

    @admin.display(description=_("dealer"), ordering="dealer__dealer_profile__business_name")
    def dealer_name(self, obj):
        return obj.dealer.display_name if obj.dealer else "—"

    # --- change page read-only panels

    @admin.display(description=_("deadlines"))
    def sla_panel(self, obj):
        now = timezone.now()
        rows = []
        for kind, due, met, breached in obj.deadlines():
            if met:
                late = met > due
                state = "breached" if late else "done"
                text = (gettext("late, %(at)s") if late else gettext("met %(at)s")) % {"at": _local(met)}
            elif breached:
                state, text = "breached", gettext("missed (%(late)s late)") % {"late": _duration(now - due)}
            elif obj.is_paused:
                state, text = "paused", gettext("clock paused")
            elif not obj.is_open:
                state, text = "done", "—"
            elif due <= now:
                state, text = "breached", gettext("overdue")
            elif kind == obj.next_deadline_kind and obj.next_reminder_at and obj.next_reminder_at <= now:
                state, text = "due_soon", gettext("%(t)s left") % {"t": _duration(due - now)}
            else:
                state, text = "on_track", gettext("%(t)s left") % {"t": _duration(due - now)}
            rows.append((DeadlineKind(kind).label, _local(due), SLA_STATES[state][1], text))
        body = format_html_join("", '<tr><th>{}</th><td>{}</td><td><span class="badge {}">{}</span></td></tr>', rows)
        paused = ""
        if obj.is_paused:
            paused = format_html(
                '<p class="help">{}</p>',
                gettext("Clock paused since %(at)s; deadlines move when it resumes.") % {"at": _local(obj.paused_at)},
            )
        return format_html('<table class="sla-table">{}</table>{}', body, paused)

    @admin.display(description=_("customer account"))
    def complainant_link(self, obj):
        try:
            url = reverse("admin:accounts_user_change", args=[obj.complainant_id])
        except NoReverseMatch:
            return str(obj.complainant)
        return format_html('<a href="{}">{}</a>', url, obj.complainant)

    @admin.display(description=_("linked records"))
    def links(self, obj):
        parts = [
            format_html(
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                reverse("complaints:detail", args=[obj.pk]),
                gettext("customer's view"),
            )
        ]
        if obj.order_id:
            parts.append(
                self._admin_link(
                    obj.order, gettext("Order #%(pk)s: %(car)s") % {"pk": obj.order_id, "car": obj.order.listing.vehicle}
                )
            )
            contract = getattr(obj.order, "contract", None) if hasattr(obj.order, "contract") else None
            if contract is not None:
                parts.append(self._admin_link(contract, gettext("Contract %(c)s") % {"c": contract}))
        for accessor in ("after_sales_request", "warranty_claim"):
            related = getattr(obj, accessor, None)
            if related is not None:
                parts.append(self._admin_link(related, str(related)))
        return format_html_join(" · ", "{}", ((p,) for p in parts))

    @staticmethod
    def _admin_link(target, text):
        meta = target._meta
        try:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[target.pk])
        except NoReverseMatch:
            return text
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description=_("evidence"))
    def customer_files(self, obj):
        files = [a for a in obj.attachments.all() if a.message_id is None]
        if not files:
            return "—"
        return format_html_join(
            " ",
            '<a class="evidence" href="{}" target="_blank" rel="noopener">{}</a>',
            ((reverse("complaints:attachment", args=[obj.pk, a.pk]), a.original_name) for a in files),
        )

    # --- saving through services

    def save_model(self, request, obj, form, change):
        """Plain fields are saved directly; assignment, transitions, messages and the clock go through services."""
        original = Complaint.objects.get(pk=obj.pk)
        new_assignee = obj.assignee
        obj.assignee = original.assignee
        # Only what staff edited here: a full save could undo what the SLA sweep wrote meanwhile.
        edited = [name for name in form.changed_data if name in ComplaintAdminForm._meta.fields and name != "assignee"]
        if edited:
            obj.save(update_fields=[*edited, "updated_at"])
        data = form.cleaned_data
        steps = [
            (
                new_assignee != original.assignee,
                lambda: services.complaint_assign(complaint=obj, assignee=new_assignee, actor=request.user),
            ),
            (
                bool(data.get("transition")),
                lambda: services.complaint_transition(
                    complaint=obj, to_status=data["transition"], actor=request.user, note=data.get("transition_note", "")
                ),
            ),
            (
                bool(data.get("reply")),
                lambda: services.complaint_post_message(complaint=obj, author=request.user, body=data["reply"]),
            ),
            (
                bool(data.get("internal_note")),
                lambda: services.complaint_post_message(
                    complaint=obj, author=request.user, body=data["internal_note"], internal=True
                ),
            ),
            (
                data.get("clock") == "pause",
                lambda: services.complaint_pause(complaint=obj, actor=request.user, reason=data.get("pause_reason", "")),
            ),
            (data.get("clock") == "resume", lambda: services.complaint_resume(complaint=obj, actor=request.user)),
        ]
        for wanted, step in steps:
            if not wanted:
                continue
            try:
                step()
            except DomainError as exc:
                messages.error(request, str(exc))

    # --- bulk actions (the same services)

    def _run(self, request, queryset, func, done_message):
        done, failed = 0, []
        for complaint in queryset:
            try:
                func(complaint)
                done += 1
            except DomainError as exc:
                failed.append(f"{complaint.number}: {exc}")
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)
        for failure in failed:
            self.message_user(request, failure, messages.WARNING)

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda c: services.complaint_assign(complaint=c, assignee=request.user, actor=request.user),
            lambda n: ngettext("%(n)d complaint assigned to you.", "%(n)d complaints assigned to you.", n) % {"n": n},
        )

    @admin.action(description=_("Acknowledge"))
    def acknowledge(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda c: services.complaint_transition(complaint=c, to_status=Status.ACKNOWLEDGED, actor=request.user),
            lambda n: ngettext("%(n)d complaint acknowledged.", "%(n)d complaints acknowledged.", n) % {"n": n},
        )

    @admin.action(description=_("Escalate to supervisors"))
    def escalate(self, request, queryset):
        self._run(
            request,
            queryset,
            lambda c: services.complaint_escalate(
                complaint=c,
                actor=request.user,
                reason=gettext("Escalated from the complaint list by %(user)s.") % {"user": request.user},
            ),
            lambda n: ngettext("%(n)d complaint escalated.", "%(n)d complaints escalated.", n) % {"n": n},
        )

    # --- the supervisor view

    def escalations_view(self, request):
        """Escalated and breached cases, workload per handler, and where complaints come from (supervisors only)."""
        if not services.is_supervisor(request.user):
            raise PermissionDenied
        now = timezone.now()
        open_cases = Complaint.objects.open().with_sla_state(now).select_related("assignee", "dealer__dealer_profile")
        attention = open_cases.filter(Q(status=Status.ESCALATED) | Q(sla="breached")).order_by("next_deadline_at", "created_at")
        since = now - dt.timedelta(days=90)
        recent = Complaint.objects.filter(created_at__gte=since)
        workload = (
            Complaint.objects.open()
            .with_sla_state(now)
            .values("assignee__username", "assignee__full_name")
            .annotate(
                open=Count("pk"), breached=Count("pk", filter=Q(sla="breached")), due_soon=Count("pk", filter=Q(sla="due_soon"))
            )
            .order_by("-breached", "-open")
        )
        root_causes = dict(Complaint.RootCause.choices)
        categories = dict(Complaint.Category.choices)
        by_root = [
            {"label": root_causes.get(row["root_cause"], gettext("not classified yet")), "count": row["n"]}
            for row in recent.values("root_cause").annotate(n=Count("pk")).order_by("-n")
        ]
        by_category = [
            {"label": categories.get(row["category"], row["category"]), "count": row["n"]}
            for row in recent.values("category").annotate(n=Count("pk")).order_by("-n")
        ]
        by_dealer = (
            recent.exclude(dealer=None)
            .values("dealer__dealer_profile__business_name")
            .annotate(n=Count("pk"))
            .order_by("-n")[:10]
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Escalations and SLA breaches"),
            "attention": attention,
            "workload": workload,
            "by_root": by_root,
            "by_category": by_category,
            "by_dealer": by_dealer,
            "max_root": max((r["count"] for r in by_root), default=1),
            "sla_states": SLA_STATES,
        }
        for case in attention:
            case.sla_html = self.sla_badge(case)
            case.time_left_html = self.time_left(case)
        return TemplateResponse(request, "admin/complaints/complaint/escalations.html", context)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "category",
        "priority",
        "ack_working_days",
        "response_working_days",
        "resolve_working_days",
        "reopen_working_days",
        "reminder_lead_hours",
    )
    list_editable = (
        "ack_working_days",
        "response_working_days",
        "resolve_working_days",
        "reopen_working_days",
        "reminder_lead_hours",
    )
    list_filter = ("category", "priority")
    ordering = ("category", "priority")


@admin.register(ComplaintAttachment)
class ComplaintAttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "complaint", "content_type", "size", "uploaded_by", "created_at")
    list_select_related = ("complaint", "uploaded_by")
    search_fields = ("original_name", "complaint__number")
    readonly_fields = ("complaint", "message", "file", "original_name", "content_type", "size", "uploaded_by", "created_at")

    def has_add_permission(self, request):
        return False
