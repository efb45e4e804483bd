from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Amendment, Contract, Payment

DATE = forms.DateInput(attrs={"type": "date"})


def _this_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


class MinuteField(forms.DateTimeField):
    """A moment to the minute in the browser's date-and-time picker; now (Asia/Shanghai) unless given."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def __init__(self, **kwargs):
        kwargs.setdefault("initial", _this_minute)
        super().__init__(**kwargs)


def _helper(label, css="btn-primary", form_tag=True):
    helper = FormHelper()
    helper.form_tag = form_tag
    if label:
        helper.add_input(Submit("submit", label, css_class=css))
    return helper


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the buyer will see it)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Decline the reservation"), "btn-danger")


class ContractTermsForm(forms.Form):
    """The commercial terms the dealer sets on the draft. Instalments / loans: a down payment, term and rate (the
    schedule is computed as the finance estimate computes it), or up to three dated payments."""

    agreed_price = forms.DecimalField(label=_("Agreed price (CNY)"), max_digits=10, decimal_places=0, min_value=1)
    payment_method = forms.ChoiceField(
        label=_("Payment method"), choices=Contract.PaymentMethod.choices, widget=forms.RadioSelect
    )
    lender_name = forms.CharField(label=_("Lender (for a loan)"), max_length=120, required=False)
    amount_1 = forms.DecimalField(label=_("Payment 1 — amount"), max_digits=10, decimal_places=2, required=False, min_value=0)
    due_1 = forms.DateField(label=_("Payment 1 — due by"), required=False, widget=DATE)
    amount_2 = forms.DecimalField(label=_("Payment 2 — amount"), max_digits=10, decimal_places=2, required=False, min_value=0)
    due_2 = forms.DateField(label=_("Payment 2 — due by"), required=False, widget=DATE)
    amount_3 = forms.DecimalField(label=_("Payment 3 — amount"), max_digits=10, decimal_places=2, required=False, min_value=0)
    due_3 = forms.DateField(label=_("Payment 3 — due by"), required=False, widget=DATE)
    # Instalments / loan on the finance estimate's calculation (the contract prints the monthly schedule).
    down_payment = forms.DecimalField(label=_("Down payment (CNY)"), max_digits=10, decimal_places=2, required=False, min_value=0)
    term_months = forms.IntegerField(label=_("Repayment term (months, 12–60)"), required=False, min_value=12, max_value=60)
    annual_rate = forms.DecimalField(
        label=_("Annual interest rate (%)"), max_digits=5, decimal_places=2, required=False, min_value=0, max_value=36
    )
    delivery_date = forms.DateField(label=_("Delivery date"), widget=DATE)
    delivery_place = forms.CharField(label=_("Delivery place"), max_length=255)
    dispute_resolution = forms.ChoiceField(label=_("Dispute resolution"), choices=Contract.Dispute.choices)
    arbitration_body = forms.CharField(label=_("Arbitration commission (if arbitration)"), max_length=120, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save the terms"))

    @classmethod
    def initial_for(cls, contract: Contract) -> dict:
        initial = {
            "agreed_price": contract.agreed_price,
            "payment_method": contract.payment_method,
            "lender_name": contract.lender_name,
            "delivery_date": contract.delivery_date,
            "delivery_place": contract.delivery_place,
            "dispute_resolution": contract.dispute_resolution,
            "arbitration_body": contract.arbitration_body,
        }
        financed = next((row for row in contract.payment_schedule if row.get("finance")), None)
        if financed:
            plan = financed["finance"]
            deposit = next((row["amount"] for row in contract.payment_schedule if row["label"] == "deposit"), 0)
            initial.update(down_payment=deposit, term_months=plan["term_months"], annual_rate=plan["annual_rate"])
        elif contract.payment_method != Contract.PaymentMethod.FULL:
            for i, row in enumerate(contract.payment_schedule[:3], start=1):
                initial[f"amount_{i}"] = row["amount"]
                initial[f"due_{i}"] = row["due"]
        return initial

    def schedule(self) -> list[dict]:
        rows = []
        method = self.cleaned_data["payment_method"]
        for i in (1, 2, 3):
            amount, due = self.cleaned_data.get(f"amount_{i}"), self.cleaned_data.get(f"due_{i}")
            if amount and due:
                rows.append({"label": "deposit" if i == 1 else "instalment", "amount": str(amount), "due": due.isoformat()})
        if method == Contract.PaymentMethod.LOAN and rows:
            rows[-1]["label"] = "loan"
        return rows

    def finance_terms(self) -> dict | None:
        """Down payment, term and rate for a computed instalment / loan schedule (None: the listed payments)."""
        data = self.cleaned_data
        if data.get("payment_method") == Contract.PaymentMethod.FULL or not data.get("term_months"):
            return None
        from marketplace.finance import default_terms

        rate = data.get("annual_rate")
        return {
            "down_payment": data.get("down_payment") or 0,
            "term_months": data["term_months"],
            "annual_rate": default_terms().annual_rate if rate is None else rate,
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("payment_method") in (Contract.PaymentMethod.INSTALMENTS, Contract.PaymentMethod.LOAN):
            if cleaned.get("term_months"):
                return cleaned
            for i in (1, 2, 3):
                if bool(cleaned.get(f"amount_{i}")) != bool(cleaned.get(f"due_{i}")):
                    self.add_error(f"due_{i}", _("Give both the amount and the due date."))
            if not any(cleaned.get(f"amount_{i}") for i in (1, 2, 3)):
                self.add_error("amount_1", _("Give the repayment term, or list the payments (amount and due date)."))
        return cleaned


class SignForm(forms.Form):
    """电子签名法 Art. 13: the signer re-authenticates, types their name and consents to this exact text."""

    content_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    typed_name = forms.CharField(label=_("Type your full name"), max_length=100)
    password = forms.CharField(
        label=_("Your password (to confirm it is you)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )
    consent = forms.BooleanField(
        label=_(
            "I have read the full text above and agree to sign it electronically. I understand my electronic signature is legally binding."
        )
    )

    def __init__(self, *args, submit_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit_label or _("Sign"), "btn-success btn-lg w-100")


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Cancel my reservation"), "btn-outline-danger")


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount received (CNY)"), max_digits=10, decimal_places=2, min_value=0.01)
    method = forms.ChoiceField(label=_("Method"), choices=Payment.Method.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, help_text=_("Bank transaction number, receipt number …"))
    received_at = MinuteField(label=_("Received at"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Record payment"))


class DeliveryForm(forms.Form):
    delivered_at = MinuteField(label=_("Handed over at"))
    odometer_km = forms.IntegerField(label=_("Odometer at handover (km)"), min_value=0)
    keys_handed_over = forms.BooleanField(label=_("All keys handed over"), required=False)
    documents_handed_over = forms.BooleanField(
        label=_("Registration certificate, driving licence, insurance and invoice handed over"), required=False
    )
    registration_transfer_started = forms.BooleanField(label=_("Registration transfer (过户) started"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Record the handover"))


class AmendmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you want to change?"),
        choices=[(k, label) for k, label in Amendment.Kind.choices if k != Amendment.Kind.EXTENDED_WARRANTY],
        widget=forms.RadioSelect,
    )
    delivery_date = forms.DateField(label=_("New delivery date"), required=False, widget=DATE)
    delivery_place = forms.CharField(label=_("New delivery place (optional)"), max_length=255, required=False)
    refund_amount = forms.DecimalField(
        label=_("Refund to the buyer (CNY)"), max_digits=10, decimal_places=2, required=False, min_value=0
    )
    text = forms.CharField(
        label=_("The change, in full"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Propose — both parties then sign"))

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Amendment.Kind.DELIVERY_DATE and not cleaned.get("delivery_date"):
            self.add_error("delivery_date", _("Give the new delivery date."))
        if kind == Amendment.Kind.OTHER and not cleaned.get("text"):
            self.add_error("text", _("Describe the change."))
        return cleaned

    def payload(self) -> dict:
        data, kind = self.cleaned_data, self.cleaned_data["kind"]
        payload = {"reason": data["reason"]}
        if kind == Amendment.Kind.DELIVERY_DATE:
            payload.update(delivery_date=data["delivery_date"], delivery_place=data.get("delivery_place", ""))
        elif kind == Amendment.Kind.CANCELLATION:
            payload["refund_amount"] = str(data.get("refund_amount") or 0)
        else:
            payload["text"] = data["text"]
        return payload


class VerifyForm(forms.Form):
    number = forms.CharField(
        label=_("Contract number"),
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "AX-2026-000123", "autocomplete": "off"}),
    )
    digest = forms.CharField(
        label=_("SHA-256 hash"), required=False, max_length=100, help_text=_("The contract hash or the PDF hash (64 characters).")
    )
    pdf = forms.FileField(label=_("… or upload the contract PDF"), required=False)

    MAX_PDF_BYTES = 20 * 1024 * 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Verify"))
        self.helper.form_method = "post"
        self.helper.attrs = {"enctype": "multipart/form-data"}

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("digest") and not cleaned.get("pdf"):
            raise forms.ValidationError(_("Enter the hash or upload the PDF."))
        pdf = cleaned.get("pdf")
        if pdf and pdf.size > self.MAX_PDF_BYTES:
            self.add_error("pdf", _("The file is too large."))
        return cleaned
