from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from accounts.roles import DealerRequiredMixin, InspectorRequiredMixin, is_inspector
from core.errors import DomainError
from marketplace.models import Listing

from . import scoring, services
from .diagram import damage_diagram_svg
from .forms import CorrectionForm, ItemForm, ReportHeaderForm, RequestForm
from .models import InspectionItem, InspectionReport, InspectionRequest, Section
from .selectors import report_with_items, sections_of, version_history


class WorkspaceView(InspectorRequiredMixin, TemplateView):
    template_name = "inspections/workspace.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        ctx = super().get_context_data(**kwargs)
        queue = InspectionRequest.objects.queue().select_related("vehicle", "listing", "requested_by__dealer_profile")
        ctx["queue"] = Paginator(queue, 20).get_page(self.request.GET.get("queue_page"))
        ctx["drafts"] = InspectionReport.objects.drafts_of(user).select_related("vehicle").order_by("-updated_at")
        published = (
            InspectionReport.objects.public().filter(inspector=user).select_related("vehicle").order_by("-published_at", "-pk")
        )
        ctx["published"] = Paginator(published, 20).get_page(self.request.GET.get("page"))
        return ctx


class RequestTakeView(InspectorRequiredMixin, View):
    def post(self, request, pk):
        inspection_request = get_object_or_404(InspectionRequest, pk=pk)
        try:
            report = services.request_take(request=inspection_request, inspector=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("inspections:workspace")
        messages.success(request, _("Request taken. The draft report is ready."))
        return redirect("inspections:report_edit", pk=report.pk)


class DraftMixin(InspectorRequiredMixin):
    """Only the assigned inspector reaches a draft; everyone else gets 404."""

    def get_report(self) -> InspectionReport:
        return get_object_or_404(
            InspectionReport.objects.drafts_of(self.request.user).select_related("vehicle", "previous_version"),
            pk=self.kwargs["pk"],
        )

    def section_nav(self, report):
        counts = {}
        for item in report.items.select_related("definition").only("result", "definition__section"):
            c = counts.setdefault(item.definition.section, {"total": 0, "open": 0, "findings": 0})
            c["total"] += 1
            c["open"] += item.result == InspectionItem.Result.NOT_CHECKED
            c["findings"] += item.result in (InspectionItem.Result.MINOR, InspectionItem.Result.MAJOR)
        return [
            {"key": s.value, "label": s.label, **counts.get(s.value, {"total": 0, "open": 0, "findings": 0})} for s in Section
        ]


class ReportEditView(DraftMixin, TemplateView):
    template_name = "inspections/report_edit.html"

    def get(self, request, *args, **kwargs):
        self.report = self.get_report()
        return self.render_to_response(self.get_context_data(form=ReportHeaderForm(instance=self.report)))

    def post(self, request, *args, **kwargs):
        self.report = self.get_report()
        form = ReportHeaderForm(request.POST, instance=self.report)
        if form.is_valid():
            try:
                services.report_update(report=self.report, actor=request.user, **{f: form.cleaned_data[f] for f in form.fields})
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("inspections:report_edit", pk=self.report.pk)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["report"] = self.report
        ctx["sections"] = self.section_nav(self.report)
        return ctx


class ReportSectionEditView(DraftMixin, TemplateView):
    template_name = "inspections/report_section_edit.html"

    def dispatch(self, request, *args, **kwargs):
        if kwargs["section"] not in Section.values:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _forms(self, data=None, files=None):
        items = (
            self.report.items.filter(definition__section=self.kwargs["section"])
            .select_related("definition")
            .order_by("definition__position")
        )
        return [ItemForm(data, files, item=item) for item in items]

    def get(self, request, *args, **kwargs):
        self.report = self.get_report()
        return self.render_to_response(self.get_context_data(forms=self._forms()))

    def post(self, request, *args, **kwargs):
        self.report = self.get_report()
        if "mark_ok" in request.POST:
            try:
                n = services.report_mark_unchecked_ok(report=self.report, actor=request.user, section=kwargs["section"])
                messages.success(request, _("%(n)s unchecked items marked OK.") % {"n": n})
            except DomainError as exc:
                messages.error(request, str(exc))
            return redirect("inspections:report_section", pk=self.report.pk, section=kwargs["section"])
        forms = self._forms(request.POST, request.FILES)
        if all(f.is_valid() for f in forms):
            changes = [c for c in (f.change() for f in forms) if c]
            try:
                services.report_items_update(report=self.report, actor=request.user, changes=changes)
            except DomainError as exc:
                messages.error(request, str(exc))
                return self.render_to_response(self.get_context_data(forms=forms))
            messages.success(request, _("Section saved."))
            nxt = request.POST.get("next_section")
            if nxt in Section.values:
                return redirect("inspections:report_section", pk=self.report.pk, section=nxt)
            return redirect("inspections:report_section", pk=self.report.pk, section=kwargs["section"])
        messages.error(request, _("Please correct the marked items."))
        return self.render_to_response(self.get_context_data(forms=forms))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        section = Section(self.kwargs["section"])
        values = list(Section.values)
        idx = values.index(section.value)
        ctx.update(
            report=self.report,
            section=section,
            sections=self.section_nav(self.report),
            next_section=values[idx + 1] if idx + 1 < len(values) else "",
        )
        return ctx


class ReportPublishView(DraftMixin, View):
    def post(self, request, pk):
        report = self.get_report()
        try:
            services.report_publish(report=report, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("inspections:report_edit", pk=report.pk)
        messages.success(request, _("Report published. It is now shown on the listing and can no longer be changed."))
        return redirect("inspections:report_detail", pk=report.pk)


class ReportCorrectView(InspectorRequiredMixin, View):
    def post(self, request, pk):
        report = get_object_or_404(InspectionReport.objects.published(), pk=pk)
        form = CorrectionForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""  # the service asks for a reason
        try:
            draft = services.report_correct(report=report, actor=request.user, reason=reason)
        except DomainError as exc:
            messages.error(request, str(exc))
            return redirect("inspections:report_detail", pk=pk)
        messages.success(request, _("Corrected version %(v)s started as a draft.") % {"v": draft.version})
        return redirect("inspections:report_edit", pk=draft.pk)


class RequestCreateView(DealerRequiredMixin, View):
    """POST on one of the dealer's own listings; anyone else's listing is a 404."""

    def post(self, request, listing_pk):
        listing = get_object_or_404(Listing.objects.owned_by(request.user), pk=listing_pk)
        form = RequestForm(request.POST)
        note = form.cleaned_data["note"] if form.is_valid() else ""
        try:
            services.request_create(listing=listing, actor=request.user, note=note)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Inspection requested. An inspector will contact you to arrange it."))
        nxt = request.POST.get("next", "")
        return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else reverse("inspections:my_requests"))


class RequestCancelView(DealerRequiredMixin, View):
    def post(self, request, pk):
        inspection_request = get_object_or_404(InspectionRequest, pk=pk, requested_by=request.user)
        try:
            services.request_cancel(request=inspection_request, actor=request.user)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Request cancelled."))
        return redirect("inspections:my_requests")


class MyRequestsView(DealerRequiredMixin, ListView):
    template_name = "inspections/my_requests.html"
    context_object_name = "requests"
    paginate_by = 20

    def get_queryset(self):
        return (
            InspectionRequest.objects.filter(requested_by=self.request.user)
            .select_related("vehicle", "listing", "inspector", "report")
            .order_by("-created_at")
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        pending = InspectionRequest.objects.pending().values_list("vehicle_id", flat=True)
        ctx["requestable"] = (
            Listing.objects.owned_by(self.request.user)
            .filter(status__in=[Listing.Status.DRAFT, Listing.Status.AWAITING_INSPECTION])
            .exclude(vehicle_id__in=pending)
            .exclude(vehicle__inspection_reports__status=InspectionReport.Status.PUBLISHED)
            .select_related("vehicle")
        )
        return ctx


class ReportVisibleMixin:
    """Published and superseded versions for everyone; a draft only for its inspector and staff (404 otherwise)."""

    def visible_reports(self):
        return InspectionReport.objects.visible_to(self.request.user)

    def get_report(self) -> InspectionReport:
        return get_object_or_404(self.visible_reports().select_related("vehicle"), pk=self.kwargs["pk"])


class ReportDetailView(ReportVisibleMixin, TemplateView):
    template_name = "inspections/report_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        try:
            report = report_with_items(self.kwargs["pk"], self.visible_reports())
        except InspectionReport.DoesNotExist as exc:
            raise Http404 from exc
        sections = sections_of(report)
        user = self.request.user
        ctx.update(
            report=report,
            sections=sections,
            diagram=damage_diagram_svg(report.items.all()),
            verdicts=services.scoring_verdicts(report, sections),
            rule=scoring.__doc__,
            versions=version_history(report.vehicle_id),
            can_correct=is_inspector(user) and report.status == InspectionReport.Status.PUBLISHED,
            correction_form=CorrectionForm(),
            current=InspectionReport.objects.published().filter(vehicle_id=report.vehicle_id).only("pk", "version").first()
            if report.status == InspectionReport.Status.SUPERSEDED
            else None,
        )
        return ctx


class ReportHistoryView(ReportVisibleMixin, TemplateView):
    template_name = "inspections/report_history.html"

    def get_context_data(self, **kwargs):
        report = self.get_report()
        return super().get_context_data(report=report, versions=version_history(report.vehicle_id), **kwargs)


class ReportPdfView(ReportVisibleMixin, View):
    def get(self, request, pk):
        report = self.get_report()
        pdf = services.report_pdf(report=report)
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = f"inspection-{report.vehicle.vin}-v{report.version}.pdf"
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response
