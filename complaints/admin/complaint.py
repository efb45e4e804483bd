"""The staff working tool: a complaint queue with SLA badges, and a change page to work a case to closed.

A submission of the change page is one ``StaffEdit`` applied by ``complaint_staff_update`` (all of it or
none of it); the bulk actions send the same edit for each selected case.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import F
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from .. import services
from ..models import Complaint, DeadlineKind
from ..services import StaffEdit
from .display import SLA_STATES, STATUS_CLASSES, duration, local
from .escalations import EscalationsViewMixin
from .filters import HandlerFilter, OpenFilter, SlaStateFilter
from .forms import ComplaintAdminForm
from .inlines import MessageInline, PauseInline, TimelineInline

Status = Complaint.Status

# What the customer filed, and who they are: shown to staff, never edited by them.
CONTACT = ("complainant_link", "complainant_name", "complainant_phone")
FILED = ("links", "vin", "subject", "description", "desired_outcome", "customer_files", "created_at")


@admin.register(Complaint)
class ComplaintAdmin(EscalationsViewMixin, admin.ModelAdmin):
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
    readonly_fields = ("number", "status_badge", "sla_panel", *CONTACT, *FILED, "customer_feedback")
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
        (_("The customer's complaint"), {"fields": (CONTACT, "dealer", *FILED)}),
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
        text = duration(delta) if delta.total_seconds() >= 0 else gettext("overdue %(t)s") % {"t": duration(delta)}
        return format_html(
            '<span title="{}">{}</span><br><small class="quiet">{}</small>', local(obj.next_deadline_at), text, kind
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
                text = (gettext("late, %(at)s") if late else gettext("met %(at)s")) % {"at": local(met)}
            elif breached:
                state, text = "breached", gettext("missed (%(late)s late)") % {"late": duration(now - due)}
            elif obj.is_paused:
                state, text = "paused", gettext("clock paused")
            elif not obj.is_open:
                state, text = "done", "—"
            elif due <= now:
                state, text = "breached", gettext("overdue")
            elif kind == obj.next_deadline_kind and obj.next_reminder_at and obj.next_reminder_at <= now:
                state, text = "due_soon", gettext("%(t)s left") % {"t": duration(due - now)}
            else:
                state, text = "on_track", gettext("%(t)s left") % {"t": duration(due - now)}
            rows.append((DeadlineKind(kind).label, local(due), SLA_STATES[state][1], text))
        body = format_html_join("", '<tr><th>{}</th><td>{}</td><td><span class="badge {}">{}</span></td></tr>', rows)
        paused = ""
        if obj.is_paused:
            paused = format_html(
                '<p class="help">{}</p>',
                gettext("Clock paused since %(at)s; deadlines move when it resumes.") % {"at": local(obj.paused_at)},
            )
        return format_html('<table class="sla-table">{}</table>{}', body, paused)

    @admin.display(description=_("customer account"))
    def complainant_link(self, obj):
        return _admin_link(obj.complainant, str(obj.complainant))

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
            car = obj.order.listing.vehicle
            parts.append(_admin_link(obj.order, gettext("Order #%(pk)s: %(car)s") % {"pk": obj.order_id, "car": car}))
            contract = getattr(obj.order, "contract", None) if hasattr(obj.order, "contract") else None
            if contract is not None:
                parts.append(_admin_link(contract, gettext("Contract %(c)s") % {"c": contract}))
        for accessor in ("after_sales_request", "warranty_claim"):
            related = getattr(obj, accessor, None)
            if related is not None:
                parts.append(_admin_link(related, str(related)))
        return format_html_join(" · ", "{}", ((p,) for p in parts))

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

    # --- saving: one staff edit, through one service

    def save_model(self, request, obj, form, change):
        """The whole submission is one ``complaint_staff_update``; a refusal keeps nothing of it."""
        try:
            services.complaint_staff_update(complaint=obj, actor=request.user, edit=form.staff_edit())
        except DomainError as exc:
            # Refused after the form's own checks (someone else changed the case meanwhile): nothing was kept.
            request.complaint_refusal = str(exc)

    def log_change(self, request, obj, message):
        if not getattr(request, "complaint_refusal", None):
            return super().log_change(request, obj, message)
        return None

    def response_change(self, request, obj):
        refusal = getattr(request, "complaint_refusal", None)
        if refusal:
            self.message_user(request, refusal, messages.ERROR)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    # --- bulk actions: the same edit, case by case

    def _apply(self, request, queryset, edit: StaffEdit, done_message) -> None:
        """``edit`` for every selected case, each whole or not at all; refused cases are listed with the reason."""
        done, failed = 0, []
        for complaint in queryset:
            try:
                services.complaint_staff_update(complaint=complaint, actor=request.user, edit=edit)
                done += 1
            except DomainError as exc:
                failed.append(f"{complaint.number}: {exc}")
        if done:
            self.message_user(request, done_message % {"n": done}, messages.SUCCESS)
        for failure in failed:
            self.message_user(request, failure, messages.WARNING)

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request, queryset):
        done = ngettext_lazy("%(n)d complaint assigned to you.", "%(n)d complaints assigned to you.", "n")
        self._apply(request, queryset, StaffEdit(assignee=request.user), done)

    @admin.action(description=_("Acknowledge"))
    def acknowledge(self, request, queryset):
        done = ngettext_lazy("%(n)d complaint acknowledged.", "%(n)d complaints acknowledged.", "n")
        self._apply(request, queryset, StaffEdit(transition=Status.ACKNOWLEDGED), done)

    @admin.action(description=_("Escalate to supervisors"))
    def escalate(self, request, queryset):
        note = gettext("Escalated from the complaint list by %(user)s.") % {"user": request.user}
        done = ngettext_lazy("%(n)d complaint escalated.", "%(n)d complaints escalated.", "n")
        self._apply(request, queryset, StaffEdit(transition=Status.ESCALATED, transition_note=note), done)


def _admin_link(target, text):
    """A link to ``target``'s admin page, or the plain text where there is none."""
    meta = target._meta
    try:
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[target.pk])
    except NoReverseMatch:
        return text
    return format_html('<a href="{}">{}</a>', url, text)
