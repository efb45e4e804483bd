"""The documents: the contract (terms, text, signing, PDF), its amendments, and the public verification page."""

from __future__ import annotations

import ipaddress

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import FormView

from accounts.reauth import check_password_with_throttle
from accounts.throttle import client_ip as throttle_client_ip
from core.errors import DomainError

from .. import services, verification
from ..forms import AmendmentForm, ContractTermsForm, SignForm, VerifyForm
from ..models import Amendment, Contract, ContractPdf
from .base import BUYER, DEALER, OrderMixin, ServiceFormView


def client_ip(request) -> str | None:
    """The signer's address as the login throttle sees it (trusted-proxy aware), or None if not an IP."""
    try:
        return str(ipaddress.ip_address(throttle_client_ip(request) or ""))
    except ValueError:
        return None


class SigningFormMixin:
    """The page of a document to sign, a contract or an amendment (电子签名法 Art. 13): its text in the reader's
    language, both signatures, and on the reader's turn the form. Signing re-authenticates with the throttled
    password check (django-axes), then records the signature of ``self.get_document()`` with ``document_sign``.
    Subclasses give ``get_document``, ``signed_url``, ``submit_label`` and ``not_your_turn``."""

    form_class = SignForm
    submit_label = gettext_lazy("Sign")
    not_your_turn = gettext_lazy("There is nothing for you to sign here.")

    @method_decorator(sensitive_post_parameters("password"))
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def my_turn(self) -> bool:
        return services.document_signable_by(document=self.get_document(), user=self.request.user)

    def get_initial(self):
        return {"content_hash": self.get_document().content_hash}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "submit_label": self.submit_label}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = self.get_document()
        context.update(
            content=document.content_for(get_language()),
            my_turn=self.my_turn(),
            buyer_sig=document.signature_of(BUYER),
            dealer_sig=document.signature_of(DEALER),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not self.my_turn():
            messages.error(request, str(self.not_your_turn))
            return redirect(self.signed_url())
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if not check_password_with_throttle(self.request, self.request.user, data["password"]):
                form.add_error("password", _("The password is not correct. Your signature was not recorded."))
                return self.form_invalid(form)
            services.document_sign(
                document=self.get_document(),
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


# --- contract --------------------------------------------------------------------------------


class ContractTermsView(ServiceFormView):
    parties = (DEALER,)
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
            finance_terms=form.finance_terms(),
            delivery_date=data["delivery_date"],
            delivery_place=data["delivery_place"],
            dispute_resolution=data["dispute_resolution"],
            arbitration_body=data["arbitration_body"],
        )
        messages.success(self.request, _("Terms saved. The buyer has been asked to review and sign."))


class ContractDetailView(SigningFormMixin, OrderMixin, FormView):
    """The full text in the reader's language, signature status, hash, PDF, and the sign form on your turn."""

    template_name = "contracts/contract_detail.html"
    submit_label = gettext_lazy("Sign the contract")
    not_your_turn = gettext_lazy("It is not your turn to sign this contract.")

    def get_document(self) -> Contract:
        return self.get_contract()

    def signed_url(self) -> str:
        return reverse("contracts:contract_detail", args=[self.get_order().pk])


class ContractPdfView(OrderMixin, View):
    """Download the signed contract as a PDF: the Chinese original, or ``?lang=en`` its English translation —
    each its own document with its own SHA-256, rendered on the first download if the worker has not yet."""

    def get(self, request, pk):
        contract = self.get_contract()
        language = request.GET.get("lang") or ContractPdf.Language.ZH_HANS
        if not contract.signed_at or language not in ContractPdf.Language.values:
            raise Http404
        stored = services.contract_pdf_get(contract=contract, language=language)
        suffix = "en" if language == ContractPdf.Language.EN else "zh"
        return FileResponse(
            stored.file.open("rb"),
            as_attachment=True,
            filename=f"{contract.number}-{suffix}.pdf",
            content_type="application/pdf",
        )


# --- amendments ------------------------------------------------------------------------------


class AmendmentCreateView(ServiceFormView):
    parties = (BUYER, DEALER)
    form_class = AmendmentForm
    title = gettext_lazy("Propose an amendment or a cancellation")

    def perform(self, form):
        self.amendment = services.amendment_create(
            contract=self.get_contract(), kind=form.cleaned_data["kind"], payload=form.payload(), actor=self.request.user
        )
        messages.success(self.request, _("Proposed. Review and sign it; the other party has been asked to sign too."))

    def form_valid(self, form):
        response = super().form_valid(form)
        if hasattr(self, "amendment"):
            return redirect("contracts:amendment_detail", pk=self.amendment.pk)
        return response


class AmendmentDetailView(SigningFormMixin, LoginRequiredMixin, FormView):
    template_name = "contracts/amendment_detail.html"

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

    def get_context_data(self, **kwargs):
        amendment = self.get_amendment()
        can_withdraw = (
            amendment.can_transition_to(Amendment.Status.WITHDRAWN) and amendment.proposed_by_id == self.request.user.pk
        )
        return super().get_context_data(amendment=amendment, order=amendment.contract.order, can_withdraw=can_withdraw, **kwargs)

    def post(self, request, *args, **kwargs):
        if "withdraw" in request.POST:
            try:
                services.amendment_withdraw(amendment=self.get_amendment(), actor=request.user)
            except DomainError as error:
                messages.error(request, str(error))
            return redirect(self.signed_url())
        return super().post(request, *args, **kwargs)

    def get_document(self) -> Amendment:
        return self.get_amendment()

    def signed_url(self) -> str:
        return reverse("contracts:amendment_detail", args=[self.get_amendment().pk])


# --- public verification ---------------------------------------------------------------------


class VerifyView(FormView):
    """Public: does this number + hash (or this PDF) match a signed original, and is the stored original (and
    the inspection report it names) still what was sealed? Shows no personal data; an alteration reads
    "record altered" and is raised to staff (``contracts.verification``)."""

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
        result = verification.contract_verify(
            number=data["number"], digest=data.get("digest", ""), pdf_bytes=pdf.read() if pdf else None
        )
        return self.render_to_response(self.get_context_data(form=form, result=result))
