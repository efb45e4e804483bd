"""Thin views: each POST calls one service; domain errors become form errors or messages."""

from __future__ import annotations

import ipaddress

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView, ListView, TemplateView

from core.errors import DomainError
from marketplace.models import Listing

from . import selectors, services
from .forms import AmendmentForm, CancelForm, ContractTermsForm, DeclineForm, DeliveryForm, PaymentForm, SignForm, VerifyForm
from .models import Amendment, Contract, Order, Signature


def client_ip(request) -> str | None:
    """The signer's address as the login throttle sees it (trusted-proxy aware), or None if not an IP."""
    try:
        from accounts.throttle import client_ip as throttle_client_ip
    except ImportError:  # pragma: no cover
        address = request.META.get("REMOTE_ADDR", "")
    else:
        address = throttle_client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


class SigningFormMixin:
    """The signing step shared by contracts and amendments (电子签名法 Art. 13): re-authenticate with the
    throttled password check, then record the signature through ``self.sign(**signature)``."""

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if not _password_ok(self.request, self.request.user, data["password"]):
                form.add_error("password", _("The password is not correct. Your signature was not recorded."))
                return self.form_invalid(form)
            self.sign(
                signer=self.request.user,
                password=data["password"],
                typed_name=data["typed_name"],
                consent=data["consent"],
                content_hash=data["content_hash"],
                ip_address=client_ip(self.request),
                user_agent=self.request.META.get("HTTP_USER_AGENT", ""),
            )
        except DomainError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Your signature has been recorded."))
        return redirect(self.signed_url())


def _password_ok(request, user, password: str) -> bool:
    """Re-authentication through the shared throttled check when available (django-axes)."""
    try:
        from accounts.reauth import check_password_with_throttle
    except ImportError:  # pragma: no cover
        return bool(password) and user.check_password(password)
    return check_password_with_throttle(request, user, password)


class OrderMixin(LoginRequiredMixin):
    """Loads the order from ``visible_to(user)``: anybody else gets 404, whatever the URL."""

    order_kwarg = "pk"
    party_required: str = ""  # "buyer" / "dealer": visible but wrong side → 403

    def get_order(self) -> Order:
        if not hasattr(self, "_order"):
            order = selectors.order_for_detail(self.request.user, self.kwargs[self.order_kwarg])
            if order is None:
                raise Http404
            self._order = order
        return self._order

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        order = self.get_order()
        if self.party_required and order.party_of(request.user) != self.party_required:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_contract(self) -> Contract:
        """The order's contract (orders imported from elsewhere may have none → 404)."""
        contract = getattr(self.get_order(), "contract", None)
        if contract is None:
            raise Http404
        return contract

    def order_redirect(self):
        return redirect("contracts:order_detail", pk=self.get_order().pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = self.get_order()
        context.update(order=order, party=order.party_of(self.request.user), contract=getattr(order, "contract", None))
        return context


class ServiceFormView(OrderMixin, FormView):
    """A form whose valid data goes to one service; a DomainError is shown on the form."""

    def form_valid(self, form):
        try:
            self.perform(form)
        except DomainError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        return self.order_redirect()

    def perform(self, form):  # pragma: no cover - abstract
        raise NotImplementedError


# --- reserve ---------------------------------------------------------------------------------


class ReserveView(View):
    http_method_names = ["post"]

    def post(self, request, listing_pk: int):
        listing = get_object_or_404(Listing, pk=listing_pk)
        listing_url = f"/cars/{listing.pk}/"
        if not request.user.is_authenticated:
            return redirect_to_login(listing_url)
        try:
            order = services.order_reserve(buyer=request.user, listing=listing)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect(listing_url)
        messages.success(
            request,
            _("Reserved! The car is held for you for %(hours)d hours. Review and sign the contract to complete the purchase.")
            % {"hours": services.reservation_hours()},
        )
        return redirect("contracts:contract_detail", pk=order.pk)


# --- lists and detail ------------------------------------------------------------------------


class BuyerOrderListView(LoginRequiredMixin, ListView):
    template_name = "contracts/order_list.html"
    paginate_by = 20
    context_object_name = "orders"

    def get_queryset(self):
        return selectors.orders_for_buyer(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [(o, selectors.order_next_steps(o)) for o in context["orders"]]
        context["as_dealer"] = False
        return context


class DealerOrderListView(LoginRequiredMixin, ListView):
    template_name = "contracts/order_list.html"
    paginate_by = 20
    context_object_name = "orders"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_dealer:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.orders_for_dealer(self.request.user, status=self.request.GET.get("status", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [(o, selectors.order_next_steps(o)) for o in context["orders"]]
        context["as_dealer"] = True
        context["status_filter"] = self.request.GET.get("status", "")
        context["status_choices"] = [("", _("All")), ("open", _("Open"))] + list(Order.Status.choices)
        status = self.request.GET.get("status", "")
        context["query_string"] = f"status={status}" if status else ""
        return context


class OrderDetailView(OrderMixin, TemplateView):
    template_name = "contracts/order_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        order = context["order"]
        context["steps"] = selectors.order_next_steps(order)
        context["payments"] = list(order.payments.select_related("recorded_by").order_by("received_at"))
        context["amendments"] = list(selectors.amendments_of(order))
        context["delivery"] = getattr(order, "delivery", None)
        context["outstanding"] = order.agreed_price - (order.paid_total or 0)
        context["cancel_form"] = CancelForm()
        return context


class OrderCancelView(OrderMixin, View):
    party_required = Signature.Party.BUYER
    http_method_names = ["post"]

    def post(self, request, pk):
        form = CancelForm(request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        try:
            services.order_cancel(order=self.get_order(), actor=request.user, reason=reason)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your reservation is cancelled."))
        return self.order_redirect()


class OrderDeclineView(ServiceFormView):
    party_required = Signature.Party.DEALER
    template_name = "contracts/simple_form.html"
    form_class = DeclineForm
    extra_context = {"title": _("Decline the reservation")}

    def perform(self, form):
        services.order_decline(order=self.get_order(), actor=self.request.user, reason=form.cleaned_data["reason"])
        messages.success(self.request, _("You declined the reservation; the car is on sale again."))


# --- contract --------------------------------------------------------------------------------


class ContractTermsView(ServiceFormView):
    party_required = Signature.Party.DEALER
    template_name = "contracts/contract_terms.html"
    form_class = ContractTermsForm

    def get_initial(self):
        return ContractTermsForm.initial_for(self.get_contract())

    def perform(self, form):
        data = form.cleaned_data
        services.contract_update_terms(
            contract=self.get_contract(),
            actor=self.request.user,
            agreed_price=data["agreed_price"],
            payment_method=data["payment_method"],
            lender_name=data["lender_name"],
            payment_schedule=form.schedule(),
            delivery_date=data["delivery_date"],
            delivery_place=data["delivery_place"],
            dispute_resolution=data["dispute_resolution"],
            arbitration_body=data["arbitration_body"],
        )
        messages.success(self.request, _("Terms saved. The buyer has been asked to review and sign."))


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ContractDetailView(SigningFormMixin, OrderMixin, FormView):
    """The full text in the reader's language, signature status, hash, PDF, and the sign form on your turn."""

    template_name = "contracts/contract_detail.html"
    form_class = SignForm

    def my_turn(self) -> bool:
        order, contract = self.get_order(), self.get_contract()
        party = order.party_of(self.request.user)
        if not party or contract.signed_at or order.status != Order.Status.RESERVED:
            return False
        if contract.signature_of(party):
            return False
        return party == Signature.Party.BUYER or contract.signature_of(Signature.Party.BUYER) is not None

    def get_initial(self):
        return {"content_hash": self.get_contract().content_hash}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["submit_label"] = _("Sign the contract")
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = self.get_contract()
        context["content"] = contract.content_for(get_language())
        context["my_turn"] = self.my_turn()
        context["buyer_sig"] = contract.signature_of(Signature.Party.BUYER)
        context["dealer_sig"] = contract.signature_of(Signature.Party.DEALER)
        return context

    def post(self, request, *args, **kwargs):
        if not self.my_turn():
            messages.error(request, _("It is not your turn to sign this contract."))
            return redirect("contracts:contract_detail", pk=self.get_order().pk)
        return super().post(request, *args, **kwargs)

    def sign(self, **signature) -> None:
        services.contract_sign(contract=self.get_contract(), **signature)

    def signed_url(self) -> str:
        return reverse("contracts:contract_detail", args=[self.get_order().pk])


class ContractPdfView(OrderMixin, View):
    def get(self, request, pk):
        contract = self.get_contract()
        if not contract.signed_at or not contract.pdf:
            raise Http404
        return FileResponse(
            contract.pdf.open("rb"), as_attachment=True, filename=f"{contract.number}.pdf", content_type="application/pdf"
        )


# --- payment and delivery --------------------------------------------------------------------


class PaymentCreateView(ServiceFormView):
    party_required = Signature.Party.DEALER
    template_name = "contracts/simple_form.html"
    form_class = PaymentForm
    extra_context = {"title": _("Record a payment")}

    def perform(self, form):
        data = form.cleaned_data
        services.payment_record(
            order=self.get_order(),
            actor=self.request.user,
            amount=data["amount"],
            method=data["method"],
            reference=data["reference"],
            received_at=data["received_at"],
        )
        messages.success(self.request, _("Payment recorded."))


class DeliveryRecordView(ServiceFormView):
    party_required = Signature.Party.DEALER
    template_name = "contracts/simple_form.html"
    form_class = DeliveryForm
    extra_context = {"title": _("Record the handover")}

    def get_initial(self):
        contract = getattr(self.get_order(), "contract", None)
        return {"odometer_km": contract.vehicle.get("mileage_km") if contract else None}

    def perform(self, form):
        services.delivery_record(order=self.get_order(), actor=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("Handover recorded. The buyer has been asked to confirm it."))


class DeliveryConfirmView(OrderMixin, View):
    party_required = Signature.Party.BUYER
    http_method_names = ["post"]

    def post(self, request, pk):
        try:
            services.delivery_confirm(order=self.get_order(), actor=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Enjoy your car! Your 30-day guarantee and warranty have started."))
        return self.order_redirect()


# --- amendments ------------------------------------------------------------------------------


class AmendmentCreateView(ServiceFormView):
    template_name = "contracts/simple_form.html"
    form_class = AmendmentForm
    extra_context = {"title": _("Propose an amendment or a cancellation")}

    def perform(self, form):
        order = self.get_order()
        if not order.party_of(self.request.user):
            raise PermissionDenied
        self.amendment = services.amendment_create(
            contract=self.get_contract(), kind=form.cleaned_data["kind"], payload=form.payload(), actor=self.request.user
        )
        messages.success(self.request, _("Proposed. Review and sign it; the other party has been asked to sign too."))

    def form_valid(self, form):
        response = super().form_valid(form)
        if hasattr(self, "amendment"):
            return redirect("contracts:amendment_detail", pk=self.amendment.pk)
        return response


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class AmendmentDetailView(SigningFormMixin, LoginRequiredMixin, FormView):
    template_name = "contracts/amendment_detail.html"
    form_class = SignForm

    def get_amendment(self) -> Amendment:
        if not hasattr(self, "_amendment"):
            self._amendment = get_object_or_404(
                Amendment.objects.visible_to(self.request.user)
                .select_related(
                    "contract", "contract__order", "contract__order__listing", "contract__order__listing__vehicle", "proposed_by"
                )
                .prefetch_related("signatures"),
                pk=self.kwargs["pk"],
            )
        return self._amendment

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.get_amendment()
        return super().dispatch(request, *args, **kwargs)

    def my_turn(self) -> bool:
        amendment = self.get_amendment()
        party = amendment.contract.order.party_of(self.request.user)
        return bool(party) and amendment.status == Amendment.Status.PENDING and amendment.signature_of(party) is None

    def get_initial(self):
        return {"content_hash": self.get_amendment().content_hash}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["submit_label"] = _("Sign")
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        amendment = self.get_amendment()
        context.update(
            amendment=amendment,
            order=amendment.contract.order,
            content=amendment.content_for(get_language()),
            my_turn=self.my_turn(),
            buyer_sig=amendment.signature_of(Signature.Party.BUYER),
            dealer_sig=amendment.signature_of(Signature.Party.DEALER),
            can_withdraw=amendment.status == Amendment.Status.PENDING and amendment.proposed_by_id == self.request.user.pk,
        )
        return context

    def post(self, request, *args, **kwargs):
        if "withdraw" in request.POST:
            try:
                services.amendment_withdraw(amendment=self.get_amendment(), actor=request.user)
            except DomainError as error:
                messages.error(request, str(error))
            return redirect("contracts:amendment_detail", pk=self.get_amendment().pk)
        if not self.my_turn():
            messages.error(request, _("There is nothing for you to sign here."))
            return redirect("contracts:amendment_detail", pk=self.get_amendment().pk)
        return super().post(request, *args, **kwargs)

    def sign(self, **signature) -> None:
        services.amendment_sign(amendment=self.get_amendment(), **signature)

    def signed_url(self) -> str:
        return reverse("contracts:amendment_detail", args=[self.get_amendment().pk])


# --- public verification ---------------------------------------------------------------------


class VerifyView(FormView):
    """Public: does this number + hash (or this PDF) match a signed original? Shows no personal data."""

    template_name = "contracts/verify.html"
    form_class = VerifyForm

    def get_initial(self):
        return {"number": self.request.GET.get("number", ""), "digest": self.request.GET.get("hash", "")}

    def get(self, request, *args, **kwargs):
        if request.GET.get("number") and request.GET.get("hash"):
            form = self.form_class(data={"number": request.GET["number"], "digest": request.GET["hash"]})
            if form.is_valid():
                return self.form_valid(form)
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        pdf = data.get("pdf")
        result = selectors.contract_verify(
            number=data["number"], digest=data.get("digest", ""), pdf_bytes=pdf.read() if pdf else None
        )
        return self.render_to_response(self.get_context_data(form=form, result=result))


def contract_verify_url(contract: Contract) -> str:
    return f"{reverse('contracts:verify')}?number={contract.number}&hash={contract.content_hash}"
