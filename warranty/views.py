"""Thin views: narrow the queryset to what the user may see, call one service, show domain errors.

Refusals follow ``accounts.roles``: not signed in → the sign-in page; signed in with a role the page is
not for → 403; somebody else's order or case → 404 (the querysets only hold the user's own).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.roles import (
    BuyerRequiredMixin,
    DealerOrStaffRequiredMixin,
    RoleRequiredMixin,
    is_buyer,
    is_dealer,
    is_platform_staff,
)
from core.errors import DomainError
from core.statemachine import audit_trail

from . import forms, services
from .models import AfterSalesRequest, WarrantyClaim
from .selectors import buyer_cars, car_context, cases_for, guarantee_context


class _CoverageOfOrder:
    """Resolves ``order_pk`` to one of the signed-in buyer's handed-over cars (else 404) and its guarantee.

    Runs after the role check. A car whose guarantee has not started (its start failed at delivery; staff
    were told) gets a page that says so, and a POST is sent back to it: nothing is created here.
    """

    pending_template_name = "warranty/guarantee_pending.html"

    def dispatch(self, request, *args, **kwargs):
        self.order = get_object_or_404(buyer_cars(request.user), pk=kwargs["order_pk"])
        self.coverage = getattr(self.order, "coverage", None)  # not started: the accessor raises AttributeError
        if self.coverage is None:
            if request.method == "GET" and hasattr(self, "get"):
                return render(request, self.pending_template_name, {"order": self.order})
            messages.error(request, _("The guarantee of this car has not started yet; our staff have been told."))
            return HttpResponseRedirect(services.guarantee_url(self.order))
        return super().dispatch(request, *args, **kwargs)


class BuyerCoverageMixin(BuyerRequiredMixin, _CoverageOfOrder):
    """A buyer's page about the guarantee of one of their cars (``self.order``, ``self.coverage``)."""


class MyCarsView(BuyerRequiredMixin, TemplateView):
    template_name = "warranty/my_cars.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        now = timezone.now()
        page = Paginator(buyer_cars(self.request.user), 10).get_page(self.request.GET.get("page"))
        ctx["page_obj"] = page
        ctx["cars"] = [car_context(order, now=now) for order in page.object_list]
        return ctx


class GuaranteeView(BuyerCoverageMixin, TemplateView):
    """The buyer's guarantee clock for one car ("My car")."""

    template_name = "warranty/guarantee.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        coverage = self.coverage
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
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.act(self.coverage, form.cleaned_data)
            except DomainError as exc:
                messages.error(request, str(exc))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return HttpResponseRedirect(services.guarantee_url(self.order))


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


class CaseCreateView(BuyerCoverageMixin, FormView):
    """The buyer opens a case about one of their cars: one service call, a refusal shown on the form."""

    submitted_message = ""

    def open_case(self, data):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(guarantee_context(self.coverage, now=timezone.now()))
        return ctx

    def form_valid(self, form):
        try:
            case = self.open_case(form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, str(self.submitted_message))
        return HttpResponseRedirect(case.get_absolute_url())


class RequestCreateView(CaseCreateView):
    form_class = forms.RequestForm
    template_name = "warranty/request_form.html"
    submitted_message = gettext_lazy("Request submitted. The dealer must acknowledge it within one working day.")

    def get_initial(self):
        return {
            "odometer_km": self.coverage.current_odometer_km,
            "kind": self.request.GET.get("kind", AfterSalesRequest.Kind.REPAIR),
        }

    def open_case(self, data):
        return services.request_create(
            coverage=self.coverage,
            actor=self.request.user,
            kind=data["kind"],
            description=data["description"],
            odometer_km=data["odometer_km"],
            photos=data["photos"],
        )


class ClaimCreateView(CaseCreateView):
    form_class = forms.ClaimForm
    template_name = "warranty/claim_form.html"
    submitted_message = gettext_lazy("Claim submitted. Staff will acknowledge it within one working day.")

    def get_initial(self):
        return {"odometer_km": self.coverage.current_odometer_km, "failed_on": timezone.localdate()}

    def open_case(self, data):
        return services.claim_open(
            coverage=self.coverage,
            actor=self.request.user,
            part=data["part"],
            symptom=data["symptom"],
            odometer_km=data["odometer_km"],
            failed_on=data["failed_on"],
        )


# --- request / claim detail and actions ------------------------------------------------------------


def _case_party(user) -> bool:
    """The roles a case page is for: the buyer, the dealer of the car, platform staff."""
    return is_buyer(user) or is_dealer(user) or is_platform_staff(user)


class CaseDetailView(RoleRequiredMixin, TemplateView):
    """One page for both kinds of case. A case the user may not see is a 404 (``visible_to``); the
    actions are offered, and accepted, only to who may handle it (``SlaCase.may_handle``), else 403."""

    allowed = staticmethod(_case_party)
    refusal = gettext_lazy("After-sales requests and warranty claims are for buyers, dealers and Anxin Auto staff.")
    template_name = "warranty/case_detail.html"
    model = None
    #: action → (statuses it applies to, form class)
    actions: dict = {}

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user).with_related()

    def get_object(self):
        if not hasattr(self, "_object"):
            self._object = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return self._object

    def form_class_for(self, case, action: str):
        return self.actions[action][1]

    def action_forms(self, case, bound: dict | None = None) -> list:
        result = []
        for action, (statuses, _form_class) in self.actions.items():
            if case.status not in statuses:
                continue
            data = bound["data"] if bound and bound["action"] == action else None
            result.append(self.form_class_for(case, action)(data, case=case, action_name=action, prefix=action))
        return result

    def trail(self, case) -> list:
        labels = dict(self.model.Status.choices)
        events = list(audit_trail(case))
        for event in events:
            event.from_label = labels.get(event.from_status, event.from_status)
            event.to_label = labels.get(event.to_status, event.to_status)
        return events

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = self.get_object()
        may_handle = case.may_handle(self.request.user)
        repair = getattr(case, "repair", None) if case.status == self.model.Status.COMPLETED else None
        ctx.update(
            {
                "case": case,
                "kind": case.CASE_LABEL,
                "order": case.coverage.order,
                "coverage": case.coverage,
                "trail": self.trail(case),
                "is_buyer": case.coverage.order.buyer_id == self.request.user.pk,
                "action_forms": kwargs.get("action_forms") or (self.action_forms(case) if may_handle else []),
                "repair": repair,
                "repair_parts": list(repair.parts.all()) if repair else [],
            }
        )
        return ctx

    def perform(self, case, action: str, form) -> None:
        """Run the action's service: ``do_<action>(case, form, actor=..., note=...)`` on the subclass."""
        getattr(self, f"do_{action}")(case, form, actor=self.request.user, note=form.cleaned_data.get("note", ""))

    def post(self, request, *args, **kwargs):
        case = self.get_object()
        if not case.may_handle(request.user):
            raise PermissionDenied(str(case.HANDLER_REFUSAL))
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
    actions = {
        "assess": ((AfterSalesRequest.Status.SUBMITTED,), forms.AssessForm),
        "approve": ((AfterSalesRequest.Status.UNDER_ASSESSMENT,), forms.ApproveForm),
        "reject": ((AfterSalesRequest.Status.UNDER_ASSESSMENT,), forms.RejectRequestForm),
        "start": ((AfterSalesRequest.Status.APPROVED,), forms.StartWorkForm),
        "complete": ((AfterSalesRequest.Status.IN_PROGRESS,), None),  # by kind, below
    }

    def get_queryset(self):
        return super().get_queryset().prefetch_related("photos")

    def form_class_for(self, case, action: str):
        if action == "complete":
            return forms.RepairForm if case.kind == AfterSalesRequest.Kind.REPAIR else forms.CompleteRequestForm
        return super().form_class_for(case, action)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = ctx["case"]
        if case.status == AfterSalesRequest.Status.REJECTED and ctx["is_buyer"]:
            ctx["complaint_url"] = services.complaint_url_for(case)
        return ctx

    def do_assess(self, case, form, *, actor, note):
        services.request_start_assessment(request=case, actor=actor, note=note)

    def do_approve(self, case, form, *, actor, note):
        services.request_approve(request=case, actor=actor, note=note, exchange_listing=form.cleaned_data.get("exchange_listing"))

    def do_reject(self, case, form, *, actor, note):
        services.request_reject(request=case, actor=actor, reason=form.cleaned_data["reason"], note=note)

    def do_start(self, case, form, *, actor, note):
        services.request_start_work(request=case, actor=actor, note=note)

    def do_complete(self, case, form, *, actor, note):
        if isinstance(form, forms.RepairForm):
            repair, parts = form.repair_data()
            services.request_complete(request=case, actor=actor, note=note, repair=repair, parts=parts)
        else:
            services.request_complete(request=case, actor=actor, note=note, refund_amount=form.cleaned_data.get("refund_amount"))


class ClaimDetailView(CaseDetailView):
    model = WarrantyClaim
    actions = {
        "review": ((WarrantyClaim.Status.SUBMITTED,), forms.ReviewForm),
        "authorise": ((WarrantyClaim.Status.SUBMITTED, WarrantyClaim.Status.UNDER_REVIEW), forms.AuthoriseForm),
        "reject": ((WarrantyClaim.Status.SUBMITTED, WarrantyClaim.Status.UNDER_REVIEW), forms.RejectClaimForm),
        "complete": ((WarrantyClaim.Status.AUTHORISED,), forms.RepairForm),
    }

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        case = ctx["case"]
        ctx["decision"] = case.coverage.covers(case.part, on=case.failed_on, odometer_km=case.odometer_km)
        return ctx

    def do_review(self, case, form, *, actor, note):
        services.claim_review(claim=case, actor=actor, note=note)

    def do_authorise(self, case, form, *, actor, note):
        data = form.cleaned_data
        services.claim_authorise(
            claim=case, actor=actor, shop=data["shop"], estimated_completion_on=data.get("estimated_completion_on"), note=note
        )

    def do_reject(self, case, form, *, actor, note):
        services.claim_reject(claim=case, actor=actor, note=note)

    def do_complete(self, case, form, *, actor, note):
        repair, parts = form.repair_data()
        services.claim_complete(claim=case, actor=actor, repair=repair, parts=parts, note=note)


class DealerCasesView(DealerOrStaffRequiredMixin, TemplateView):
    """Requests and claims for the dealer's own cars (staff: all)."""

    template_name = "warranty/dealer_cases.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        requests, claims = cases_for(self.request.user)
        status = self.request.GET.get("status", "open")
        if status == "open":
            requests, claims = requests.open(), claims.open()
        ctx["status"] = status
        ctx["requests_page"] = Paginator(requests, 20).get_page(self.request.GET.get("page"))
        ctx["claims_page"] = Paginator(claims, 20).get_page(self.request.GET.get("claims_page"))
        ctx["now"] = timezone.now()
        return ctx
