from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import DetailView, FormView, ListView

from accounts.masking import mask_phone
from accounts.roles import BuyerRequiredMixin, is_dealer, is_platform_staff
from core.errors import DomainError

from . import selectors, services
from .formatting import format_deadline
from .forms import ComplaintFileForm, ComplaintFilterForm, DecisionForm, MessageForm
from .models import Complaint, ComplaintAttachment


class ComplaintListView(LoginRequiredMixin, ListView):
    """A buyer's own complaints, or the complaints about a dealer."""

    template_name = "complaints/complaint_list.html"
    paginate_by = 20
    context_object_name = "complaints"

    def get_queryset(self):
        self.filter_form = ComplaintFilterForm(self.request.GET or None)
        status = self.filter_form.data.get("status", "") if self.filter_form.is_bound and self.filter_form.is_valid() else ""
        return selectors.complaint_list_for(user=self.request.user, status=status)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter_form"] = self.filter_form
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        context["as_dealer"] = is_dealer(self.request.user)
        return context


@method_decorator(sensitive_post_parameters("complainant_phone", "complainant_name"), name="dispatch")
class ComplaintCreateView(BuyerRequiredMixin, FormView):
    """A buyer files a complaint; other roles are refused (403), anonymous visitors sent to sign in."""

    template_name = "complaints/complaint_form.html"
    form_class = ComplaintFileForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        for param, kwarg, field in (
            ("request", "initial_request", "after_sales_request"),
            ("claim", "initial_claim", "warranty_claim"),
        ):
            value = self.request.GET.get(param, "")
            if value.isdigit():
                model = Complaint._meta.get_field(field).related_model
                kwargs[kwarg] = (
                    model.objects.filter(coverage__order__buyer=self.request.user)
                    .select_related("coverage__order__listing")
                    .filter(pk=value)
                    .first()
                )
        order_id = self.request.GET.get("order", "")
        if order_id.isdigit():
            # Someone else's order id in the URL is silently ignored: the field only offers the buyer's orders.
            kwargs["initial_order"] = self.request.user.orders.select_related("listing").filter(pk=order_id).first()
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            complaint = services.complaint_file(
                complainant=self.request.user,
                complainant_name=data["complainant_name"],
                complainant_phone=data["complainant_phone"],
                category=data["category"],
                subject=data["subject"],
                description=data["description"],
                desired_outcome=data["desired_outcome"],
                dealer=data.get("dealer"),
                order=data.get("order"),
                after_sales_request=data.get("after_sales_request"),
                warranty_claim=data.get("warranty_claim"),
                files=data.get("attachments") or [],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Complaint %(number)s is registered. We will acknowledge it by %(due)s.")
            % {"number": complaint.number, "due": format_deadline(complaint.ack_due_at)},
        )
        return HttpResponseRedirect(reverse("complaints:detail", args=[complaint.pk]))


class ComplaintObjectMixin(LoginRequiredMixin):
    """Loads the complaint only from what the user may see: anyone else's complaint is a 404."""

    def get_complaint(self) -> Complaint:
        if not hasattr(self, "_complaint"):
            self._complaint = get_object_or_404(selectors.complaint_detail_queryset(user=self.request.user), pk=self.kwargs["pk"])
        return self._complaint


class ComplaintDetailView(ComplaintObjectMixin, DetailView):
    template_name = "complaints/complaint_detail.html"
    context_object_name = "complaint"

    def get_object(self, queryset=None):
        return self.get_complaint()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        complaint = self.object
        user = self.request.user
        context.update(
            timeline=selectors.complaint_public_timeline(complaint=complaint),
            attachments=[a for a in complaint.attachments.all() if not a.is_internal and a.message_id is None],
            message_form=kwargs.get("message_form") or MessageForm(),
            decision_form=kwargs.get("decision_form") or DecisionForm(),
            is_complainant=user.pk == complaint.complainant_id,
            is_dealer_view=user.pk == complaint.dealer_id,
            can_write=complaint.status != Complaint.Status.CLOSED,
            next_deadline=selectors.complaint_customer_promise(complaint=complaint),
            steps=selectors.complaint_progress(complaint=complaint),
            complainant_phone=complaint.complainant_phone
            if user.pk == complaint.complainant_id or is_platform_staff(user)
            else mask_phone(complaint.complainant_phone),
        )
        return context


class ComplaintMessageView(ComplaintObjectMixin, View):
    """POST a message to the complaint (customer, dealer concerned, or staff)."""

    def post(self, request, pk):
        complaint = self.get_complaint()
        form = MessageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.complaint_post_message(
                    complaint=complaint,
                    author=request.user,
                    body=form.cleaned_data["body"],
                    files=form.cleaned_data.get("attachments") or [],
                )
            except DomainError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Message sent."))
                return HttpResponseRedirect(reverse("complaints:detail", args=[pk]) + "#messages")
        view = ComplaintDetailView(request=request, kwargs={"pk": pk})
        view._complaint = complaint
        view.object = complaint
        return view.render_to_response(view.get_context_data(message_form=form), status=400)


class ComplaintDecisionView(ComplaintObjectMixin, View):
    """The complainant accepts or rejects the proposed resolution. Nobody else may."""

    def post(self, request, pk):
        complaint = self.get_complaint()
        if request.user.pk != complaint.complainant_id:
            raise PermissionDenied
        form = DecisionForm(request.POST)
        if not form.is_valid():
            view = ComplaintDetailView(request=request, kwargs={"pk": pk})
            view._complaint = complaint
            view.object = complaint
            return view.render_to_response(view.get_context_data(decision_form=form), status=400)
        accept = form.cleaned_data["decision"] == "accept"
        try:
            services.complaint_customer_decide(
                complaint=complaint, actor=request.user, accept=accept, reason=form.cleaned_data.get("reason", "")
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Thank you — the complaint is resolved.")
                if accept
                else _("We are sorry. Your complaint is reopened and a colleague will get back to you."),
            )
        return HttpResponseRedirect(reverse("complaints:detail", args=[pk]))


class ComplaintAttachmentView(ComplaintObjectMixin, View):
    """Evidence files are never public: they are streamed only to people who may see the complaint."""

    def get(self, request, pk, attachment_pk):
        complaint = self.get_complaint()
        attachment = get_object_or_404(
            ComplaintAttachment.objects.select_related("message"), pk=attachment_pk, complaint=complaint
        )
        if attachment.is_internal and not is_platform_staff(request.user):
            raise Http404
        response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
        disposition = "inline" if attachment.is_image or attachment.content_type == "application/pdf" else "attachment"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{_quote(attachment.original_name)}"
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, max-age=0"
        return response


def _quote(name: str) -> str:
    return quote(name)
