"""Thin views: narrow the queryset to what the user may see, call one service, show domain errors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from contracts.models import Order
from core.errors import DomainError
from core.statemachine import audit_trail

from . import forms, services
from .models import AfterSalesRequest, Coverage, WarrantyClaim
from .selectors import cases_for, coverages_for_buyer, guarantee_context


class BuyerCoverageMixin(LoginRequiredMixin):
    """Resolves ``order_pk`` to the guarantee of one of the user's own delivered cars (else 404)."""

    def get_coverage(self) -> Coverage:
        if not hasattr(self, "_coverage"):
            order = get_object_or_404(
                Order.objects.select_related("listing__vehicle", "listing__dealer", "buyer"),
                pk=self.kwargs["order_pk"],
                buyer=self.request.user,
            )
            try:
                self._coverage = services.coverage_for_order(order=order)
            except services.NotDelivered as exc:
                raise Http404(str(exc)) from exc
        return self._coverage


class MyCarsView(LoginRequiredMixin, TemplateView):
    template_name = "warranty/my_cars.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        now = timezone.now()
        page = Paginator(coverages_for_buyer(self.request.user), 10).get_page(self.request.GET.get("page"))
        ctx["page_obj"] = page
        ctx["cars"] = [guarantee_context(c, now=now) for c in page.object_list]
        return ctx


class GuaranteeView(BuyerCoverageMixin, TemplateView):
    """The buyer's guarantee clock for one car ("My car")."""

    template_name = "warranty/guarantee.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        coverage = self.get_coverage()
        ctx.update(guarantee_context(coverage, now=timezone.now()))
        ctx["odometer_form"] = forms.OdometerForm(
            initial={"odometer_km": coverage.current_odometer_km}, action=reverse("warranty:odometer", args=[coverage.order_id])
        )
        if ctx["can_extend"]:
            ctx["extension_form"] = forms.ExtensionForm(action=reverse("warranty:extend", args=[coverage.order_id]))
        return ctx


class _CoveragePostView(BuyerCoverageMixin, View):
    form_class = None

    def post(self, request, *args, **kwargs):
        coverage = self.get_coverage()
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.act(coverage, form.cleaned_data)
            except DomainError as exc:
                messages.error(request, str(exc))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return HttpResponseRedirect(reverse("warranty:guarantee", args=[coverage.order_id]))


class OdometerUpdateView(_CoveragePostView):
    form_class = forms.OdometerForm

    def act(self, coverage, data):
        services.coverage_update_odometer(coverage=coverage, actor=self.request.user, odometer_km=data["odometer_km"])
        messages.success(self.request, _("Odometer updated."))


class ExtensionBuyView(_CoveragePostView):
    form_class = forms.ExtensionForm

    def act(self, coverage, data):
        services.extension_purchase(coverage=coverage, plan=data["plan"], actor=self.request.user)
        messages.success(self.request, _("Your extended warranty is active."))


class RequestCreateView(BuyerCoverageMixin, FormView):
    form_class = forms.RequestForm
    template_name = "warranty/request_form.html"

    def get_initial(self):
        return {"odometer_km": self.get_coverage().current_odometer_km, "kind": self.request.GET.get("kind", "repair")}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(guarantee_context(self.get_coverage(), now=timezone.now()))
        return ctx

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            request = services.request_create(
                coverage=self.get_coverage(),
                actor=self.request.user,
                kind=data["kind"],
                description=data["description"],
                odometer_km=data["odometer_km"],
                photos=data["photos"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Request submitted. The dealer must acknowledge it within one working day."))
        return HttpResponseRedirect(request.get_absolute_url())


class ClaimCreateView(BuyerCoverageMixin, FormView):
    form_class = forms.ClaimForm
    template_name = "warranty/claim_form.html"

    def get_initial(self):
        return {"odometer_km": self.get_coverage().current_odometer_km, "failed_on": timezone.localdate()}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(guarantee_context(self.get_coverage(), now=timezone.now()))
        return ctx

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            claim = services.claim_open(
                coverage=self.get_coverage(),
                actor=self.request.user,
                part=data["part"],
                symptom=data["symptom"],
                odometer_km=data["odometer_km"],
                failed_on=data["failed_on"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, _("Claim submitted. Staff will acknowledge it within one working day."))
        return HttpResponseRedirect(claim.get_absolute_url())


# --- request / claim detail and actions ------------------------------------------------------------


def _is_staff(user) -> bool:
    return services._is_staff(user)


REQUEST_ACTIONS = {
    # action: (status it applies to, form class)
    "assess": (AfterSalesRequest.Status.SUBMITTED, forms.AssessForm),
    "approve": (AfterSalesRequest.Status.UNDER_ASSESSMENT, forms.ApproveForm),
    "reject": (AfterSalesRequest.Status.UNDER_ASSESSMENT, forms.RejectRequestForm),
    "start": (AfterSalesRequest.Status.APPROVED, forms.StartWorkForm),
    "complete": (AfterSalesRequest.Status.IN_PROGRESS, None),
}

CLAIM_ACTIONS = {
    "review": (WarrantyClaim.Status.SUBMITTED, forms.ReviewForm),
    "authorise": ((WarrantyClaim.Status.SUBMITTED, WarrantyClaim.Status.UNDER_REVIEW), forms.AuthoriseForm),
    "reject": ((WarrantyClaim.Status.SUBMITTED, WarrantyClaim.Status.UNDER_REVIEW), forms.RejectClaimForm),
    "complete": (WarrantyClaim.Status.AUTHORISED, forms.RepairForm),
}


def _request_form_class(request_obj, action):
    if action == "complete":
        return forms.RepairForm if request_obj.kind == AfterSalesRequest.Kind.REPAIR else forms.CompleteRequestForm
    return REQUEST_ACTIONS[action][1]


def _applies(statuses, status) -> bool:
    return status in (statuses if isinstance(statuses, tuple) else (statuses,))


class CaseDetailView(LoginRequiredMixin, TemplateView):
    """Shared detail page: every request/claim URL 404s for users who may not see the case."""

    model = None
    kind = ""

    def get_object(self):
        if not hasattr(self, "_object"):
            qs = self.model.objects.visible_to(self.request.user).with_related()
            if self.model is AfterSalesRequest:
                qs = qs.prefetch_related("photos")
            self._object = get_object_or_404(qs, pk=self.kwargs["pk"])
        return self._object

    def can_act(self, case) -> bool:
        raise NotImplementedError

    def trail(self, case) -> list:
        labels = dict(self.model.Status.choices)
        events = list(audit_trail(case))
        for event in events:
            event.from_label = labels.get(event.from_status, event.from_status)
            event.to_label = labels.get(event.to_status, event.to_status)
        return events

    def action_forms(self, case, bound: dict | None = None) -> list:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = self.get_object()
        ctx.update(
            {
                "case": case,
                "kind": self.kind,
                "order": case.coverage.order,
                "coverage": case.coverage,
                "trail": self.trail(case),
                "is_buyer": case.coverage.order.buyer_id == self.request.user.pk,
                "action_forms": kwargs.get("action_forms") or (self.action_forms(case) if self.can_act(case) else []),
            }
        )
        repair = getattr(case, "repair", None) if case.status == "completed" else None
        ctx["repair"] = repair
        ctx["repair_parts"] = list(repair.parts.all()) if repair else []
        return ctx

    def post(self, request, *args, **kwargs):
        case = self.get_object()
        if not self.can_act(case):
            raise Http404
        action = request.POST.get("action", "")
        bound = self.action_forms(case, bound={"action": action, "data": request.POST})
        form = next((f for f in bound if f.action_name == action), None)
        if form is None:
            messages.error(request, _("This action is not available any more."))
            return HttpResponseRedirect(request.path)
        if form.is_valid():
            try:
                self.perform(case, action, form)
            except DomainError as exc:
                form.add_error(None, str(exc))
            except ValidationError as exc:
                form.add_error(None, "; ".join(exc.messages))
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(request.path)
        return self.render_to_response(self.get_context_data(action_forms=bound))


class RequestDetailView(CaseDetailView):
    model = AfterSalesRequest
    kind = "request"
    template_name = "warranty/case_detail.html"

    def can_act(self, case) -> bool:
        return case.coverage.order.listing.dealer_id == self.request.user.pk or _is_staff(self.request.user)

    def action_forms(self, case, bound=None):
        result = []
        for action, (status, _cls) in REQUEST_ACTIONS.items():
            if not _applies(status, case.status):
                continue
            form_class = _request_form_class(case, action)
            data = bound["data"] if bound and bound["action"] == action else None
            result.append(form_class(data, case=case, action_name=action, prefix=action))
        return result

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = ctx["case"]
        if case.status == AfterSalesRequest.Status.REJECTED and ctx["is_buyer"]:
            ctx["complaint_url"] = services.complaint_url_for(case)
        return ctx

    def perform(self, case, action, form):
        data = form.cleaned_data
        user = self.request.user
        note = data.get("note", "")
        if action == "assess":
            services.request_start_assessment(request=case, actor=user, note=note)
        elif action == "approve":
            services.request_approve(request=case, actor=user, note=note, exchange_listing=data.get("exchange_listing"))
        elif action == "reject":
            services.request_reject(request=case, actor=user, reason=data["reason"], note=note)
        elif action == "start":
            services.request_start_work(request=case, actor=user, note=note)
        elif action == "complete":
            if isinstance(form, forms.RepairForm):
                repair, parts = form.repair_data()
                services.request_complete(request=case, actor=user, note=note, repair=repair, parts=parts)
            else:
                services.request_complete(request=case, actor=user, note=note, refund_amount=data.get("refund_amount"))


class ClaimDetailView(CaseDetailView):
    model = WarrantyClaim
    kind = "claim"
    template_name = "warranty/case_detail.html"

    def can_act(self, case) -> bool:
        return _is_staff(self.request.user)

    def action_forms(self, case, bound=None):
        result = []
        for action, (status, form_class) in CLAIM_ACTIONS.items():
            if not _applies(status, case.status):
                continue
            data = bound["data"] if bound and bound["action"] == action else None
            result.append(form_class(data, case=case, action_name=action, prefix=action))
        return result

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = ctx["case"]
        ctx["decision"] = case.coverage.covers(case.part, on=case.failed_on, odometer_km=case.odometer_km)
        return ctx

    def perform(self, case, action, form):
        data = form.cleaned_data
        user = self.request.user
        note = data.get("note", "")
        if action == "review":
            services.claim_review(claim=case, actor=user, note=note)
        elif action == "authorise":
            services.claim_authorise(
                claim=case, actor=user, shop=data["shop"], estimated_completion_on=data.get("estimated_completion_on"), note=note
            )
        elif action == "reject":
            services.claim_reject(claim=case, actor=user, note=note)
        elif action == "complete":
            repair, parts = form.repair_data()
            services.claim_complete(claim=case, actor=user, repair=repair, parts=parts, note=note)


class DealerCasesView(LoginRequiredMixin, TemplateView):
    """Requests and claims for the dealer's own cars (staff: all)."""

    template_name = "warranty/dealer_cases.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        if not (user.is_dealer or _is_staff(user)):
            raise Http404
        requests, claims = cases_for(user)
        status = self.request.GET.get("status", "open")
        if status == "open":
            requests, claims = requests.open(), claims.open()
        ctx["status"] = status
        ctx["requests_page"] = Paginator(requests, 20).get_page(self.request.GET.get("page"))
        ctx["claims_page"] = Paginator(claims, 20).get_page(self.request.GET.get("claims_page"))
        ctx["now"] = timezone.now()
        return ctx
