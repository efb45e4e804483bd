from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.models import phone_validator

from .attachments import AttachmentsField
from .models import Category, Complaint


class DealerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class ComplaintFileForm(forms.Form):
    """What a buyer fills in. ``orders`` are the buyer's own orders; the dealer list puts theirs first."""

    order = forms.ModelChoiceField(label=_("Order concerned"), queryset=None, required=False, empty_label=_("— no order —"))
    after_sales_request = forms.ModelChoiceField(
        label=_("After-sales request concerned"), queryset=None, required=False, empty_label=_("— none —")
    )
    warranty_claim = forms.ModelChoiceField(
        label=_("Warranty claim concerned"), queryset=None, required=False, empty_label=_("— none —")
    )
    dealer = DealerChoiceField(label=_("Dealer concerned"), queryset=None, required=False, empty_label=_("— choose —"))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}))
    desired_outcome = forms.CharField(
        label=_("What would you like us to do?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: repair at the dealer's cost, a partial refund, an apology."),
    )
    complainant_name = forms.CharField(label=_("Your name"), max_length=100)
    complainant_phone = forms.CharField(label=_("Your phone"), max_length=20, validators=[phone_validator])
    attachments = AttachmentsField(label=_("Evidence (photos, PDFs)"))

    def __init__(self, *args, user, initial_order=None, initial_request=None, initial_claim=None, **kwargs):
        self.user = user
        initial = kwargs.setdefault("initial", {})
        for name, source in (("after_sales_request", initial_request), ("warranty_claim", initial_claim)):
            if source is not None:
                initial.setdefault(name, source.pk)
                initial_order = initial_order or source.coverage.order
        initial.setdefault("complainant_name", user.full_name or user.get_full_name())
        initial.setdefault("complainant_phone", user.phone)
        if initial_order is not None:
            initial.setdefault("order", initial_order.pk)
            initial.setdefault("dealer", initial_order.listing.dealer_id)
        super().__init__(*args, **kwargs)
        User = get_user_model()
        orders = user.orders.select_related("listing__vehicle", "listing__dealer__dealer_profile").order_by("-created_at")
        self.fields["order"].queryset = orders
        self.fields["order"].label_from_instance = lambda o: (
            f"#{o.pk} {o.listing.title} {o.listing.vehicle.trim} · {o.listing.dealer.display_name}"
        )
        self.fields["dealer"].queryset = (
            User.objects.filter(role=User.Role.DEALER, is_active=True, dealer_profile__isnull=False)
            .select_related("dealer_profile")
            .order_by("dealer_profile__business_name")
        )
        # Requests and claims live in the warranty app (listed before us): reached through the reverse accessors.
        cases = [
            ("after_sales_request", Complaint._meta.get_field("after_sales_request").related_model),
            ("warranty_claim", Complaint._meta.get_field("warranty_claim").related_model),
        ]
        for name, model in cases:
            queryset = (
                model.objects.filter(coverage__order__buyer=user)
                .select_related("coverage__order__listing__vehicle")
                .order_by("-pk")
            )
            if initial.get(name) or queryset.exists():
                self.fields[name].queryset = queryset
            else:
                del self.fields[name]
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.attrs = {"enctype": "multipart/form-data", "novalidate": ""}
        self.helper.layout = Layout(
            Div(Div(Field("order"), css_class="col-md-6"), Div(Field("dealer"), css_class="col-md-6"), css_class="row"),
            *[name for name in ("after_sales_request", "warranty_claim") if name in self.fields],
            "category",
            "subject",
            "description",
            "desired_outcome",
            Div(
                Div(Field("complainant_name"), css_class="col-md-6"),
                Div(Field("complainant_phone"), css_class="col-md-6"),
                css_class="row",
            ),
            "attachments",
            Submit("submit", _("Submit complaint"), css_class="btn-primary btn-lg w-100 w-md-auto"),
        )

    def clean(self):
        data = super().clean()
        for name in ("after_sales_request", "warranty_claim"):
            source = data.get(name)
            if source is not None:
                if data.get("order") is not None and data["order"].pk != source.coverage.order_id:
                    self.add_error(name, _("This belongs to a different order."))
                data["order"] = source.coverage.order
        order, dealer = data.get("order"), data.get("dealer")
        if order is not None:
            if dealer is not None and dealer.pk != order.listing.dealer_id:
                self.add_error("dealer", _("This order was sold by %(name)s.") % {"name": order.listing.dealer.display_name})
            data["dealer"] = order.listing.dealer
        elif dealer is None and data.get("category") != Category.OTHER:
            self.add_error("dealer", _("Choose the dealer your complaint is about (or pick an order)."))
        return data


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 3}))
    attachments = AttachmentsField(label=_("Attach photos or PDFs"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("reject", _("Reject"))], widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why does this not work for you?"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Tell us why the resolution does not work for you."))
        return data


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), ("open", _("Open")), *Complaint.Status.choices]
    )
