import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.statemachine import StatusMachine

from .querysets import AmendmentQuerySet, ContractQuerySet, OrderQuerySet


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


class Order(StatusMachine):
    """A buyer's purchase of one listing. Lifecycle per DESIGN.md; delivery starts the guarantee clocks."""

    class Status(models.TextChoices):
        RESERVED = "reserved", _("Reserved")
        CONTRACT_SIGNED = "contract_signed", _("Contract signed")
        PAID = "paid", _("Paid")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        RETURNED = "returned", _("Returned (refunded)")

    class CancelKind(models.TextChoices):
        BUYER_CANCELLED = "buyer_cancelled", _("Cancelled by the buyer")
        DEALER_DECLINED = "dealer_declined", _("Declined by the dealer")
        EXPIRED = "expired", _("Reservation expired")
        MUTUAL = "mutual", _("Cancelled by mutual agreement")
        STAFF = "staff", _("Cancelled by staff")

    TRANSITIONS = {
        Status.RESERVED: {Status.CONTRACT_SIGNED, Status.CANCELLED},
        Status.CONTRACT_SIGNED: {Status.PAID, Status.CANCELLED},
        Status.PAID: {Status.DELIVERED, Status.CANCELLED},
        Status.DELIVERED: {Status.RETURNED},
        Status.CANCELLED: set(),
        Status.RETURNED: set(),
    }
    ACTIVE_STATUSES = (Status.RESERVED, Status.CONTRACT_SIGNED, Status.PAID, Status.DELIVERED)
    OPEN_STATUSES = (Status.RESERVED, Status.CONTRACT_SIGNED, Status.PAID)

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("buyer"))
    listing = models.ForeignKey("marketplace.Listing", on_delete=models.PROTECT, related_name="orders", verbose_name=_("listing"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RESERVED)
    agreed_price = models.DecimalField(_("agreed price (CNY)"), max_digits=10, decimal_places=0)
    reserved_at = models.DateTimeField(_("reserved at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("reservation expires at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid in full at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    delivery_odometer_km = models.PositiveIntegerField(_("odometer at delivery (km)"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_kind = models.CharField(_("how it was cancelled"), max_length=20, choices=CancelKind.choices, blank=True)
    cancelled_reason = models.TextField(_("cancellation reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        constraints = [
            # A car is sold once: at most one live order per listing (cancelled/returned ones don't count).
            models.UniqueConstraint(
                fields=["listing"],
                condition=Q(status__in=["reserved", "contract_signed", "paid", "delivered"]),
                name="one_active_order_per_listing",
            ),
        ]
        indexes = [
            models.Index(fields=["expires_at"], condition=Q(status="reserved"), name="order_reserved_expiry_idx"),
            models.Index(fields=["buyer", "-created_at"], name="order_buyer_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.listing}"

    @property
    def dealer(self):
        return self.listing.dealer

    def party_of(self, user) -> str:
        """ "buyer", "dealer" or "" — the role ``user`` plays in this order."""
        if user is None or not getattr(user, "is_authenticated", False):
            return ""
        if user.pk == self.buyer_id:
            return Signature.Party.BUYER
        if user.pk == self.listing.dealer_id:
            return Signature.Party.DEALER
        return ""


class SignedDocument:
    """What the contract and its amendments share: a text in both languages, signed by both parties."""

    def content_for(self, language: str) -> str:
        return self.content_en if (language or "").startswith("en") else self.content_zh

    def signature_of(self, party: str):
        """The ``Signature`` of ``party`` (from the prefetched signatures, no query when prefetched)."""
        for signature in self.signatures.all():
            if signature.party == party:
                return signature
        return None


class ContractCounter(models.Model):
    """The last contract number issued per year; incremented with a row lock so numbers never repeat."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("contract number counter")
        verbose_name_plural = _("contract number counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Contract(SignedDocument, models.Model):
    """The 二手车买卖合同 of an order: a frozen snapshot, signed by both parties, then immutable.

    The texts in both languages are rendered once from the snapshot when the draft is made (and again
    only while nobody has signed); ``content_hash`` covers exactly those texts. When the dealer
    countersigns, ``signed_at`` is set — from then on the row is read-only (service, admin, and a PostgreSQL
    trigger). Its PDFs, one per language, are ``ContractPdf`` rows rendered after that commit; ``pdf`` and
    ``pdf_sha256`` hold the single bilingual PDF of contracts sealed before them.
    """

    class PaymentMethod(models.TextChoices):
        FULL = "full", _("Full payment")
        INSTALMENTS = "instalments", _("Instalments")
        LOAN = "loan", _("Loan via a lender")

    class Dispute(models.TextChoices):
        COURT = "court", _("People's court where the dealer is located")
        ARBITRATION = "arbitration", _("Arbitration commission")

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="contract", verbose_name=_("order"))
    number = models.CharField(_("contract number"), max_length=20, unique=True)
    # Snapshot (frozen when drafted)
    seller = models.JSONField(_("seller"), default=dict)
    buyer = models.JSONField(_("buyer"), default=dict)
    vehicle = models.JSONField(_("vehicle"), default=dict)
    listing_price = models.DecimalField(_("listing price (CNY)"), max_digits=10, decimal_places=0)
    agreed_price = models.DecimalField(_("agreed price (CNY)"), max_digits=10, decimal_places=0)
    payment_method = models.CharField(
        _("payment method"), max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.FULL
    )
    lender_name = models.CharField(_("lender"), max_length=120, blank=True)
    payment_schedule = models.JSONField(_("payment schedule"), default=list, help_text=_("[{label, amount, due}]"))
    delivery_date = models.DateField(_("delivery date"))
    delivery_place = models.CharField(_("delivery place"), max_length=255)
    inspection_report_version = models.PositiveIntegerField(_("inspection report version"), null=True, blank=True)
    inspection_report_hash = models.CharField(_("inspection report SHA-256"), max_length=64, blank=True)
    terms = models.JSONField(_("after-sales terms"), default=dict)
    dispute_resolution = models.CharField(_("dispute resolution"), max_length=16, choices=Dispute.choices, default=Dispute.COURT)
    arbitration_body = models.CharField(_("arbitration commission"), max_length=120, blank=True)
    # The exact texts both parties sign, and their hash
    content_zh = models.TextField(_("contract text (Chinese)"))
    content_en = models.TextField(_("contract text (English)"))
    content_hash = models.CharField(_("content SHA-256"), max_length=64)
    # Set once, when fully signed
    signed_at = models.DateTimeField(_("fully signed at"), null=True, blank=True)
    # The bilingual PDF of contracts sealed before the per-language PDFs (ContractPdf); blank since.
    pdf = models.FileField(_("signed PDF"), upload_to="contracts/%Y/", blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at"]
        # 电子签名法 Art. 13: any change after signing must be impossible (and so detectable), even by SQL.
        # A PostgreSQL trigger refuses UPDATE, DELETE and TRUNCATE of a signed contract, of an effective
        # amendment and of every signature (migration 0003: plain PL/pgSQL, not django-pgtrigger, whose
        # triggers any session can switch off with ``SET LOCAL pgtrigger.ignore``).

    def __str__(self) -> str:
        return self.number

    @staticmethod
    def hash_texts(*, number: str, content_zh: str, content_en: str) -> str:
        canonical = json.dumps({"number": number, "zh-hans": content_zh, "en": content_en}, ensure_ascii=False, sort_keys=True)
        return sha256_hex(canonical)

    def compute_content_hash(self) -> str:
        return self.hash_texts(number=self.number, content_zh=self.content_zh, content_en=self.content_en)

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def buyer_signature(self):
        return self.signature_of(Signature.Party.BUYER)

    @property
    def dealer_signature(self):
        return self.signature_of(Signature.Party.DEALER)


class ContractPdf(models.Model):
    """A signed contract as a PDF in one language — the Chinese original or the English translation, each its
    own document with its own SHA-256. Rendered once, after the signatures commit (the worker, or the first
    download), never while the order's rows are locked; one row per contract and language (a second render
    racing the first stores nothing), and in PostgreSQL never changed once written (a trigger, as for the
    contract itself)."""

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", _("Chinese (original)")
        EN = "en", _("English (translation)")

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="pdfs", verbose_name=_("contract"))
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    file = models.FileField(_("PDF file"), upload_to="contracts/%Y/")
    sha256 = models.CharField(_("PDF SHA-256"), max_length=64)
    rendered_at = models.DateTimeField(_("rendered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract PDF")
        verbose_name_plural = _("contract PDFs")
        ordering = ["contract", "-language"]
        constraints = [models.UniqueConstraint(fields=["contract", "language"], name="one_pdf_per_contract_language")]

    def __str__(self) -> str:
        return f"{self.contract.number} ({self.language})"


class Amendment(SignedDocument, StatusMachine):
    """A signed document changing or ending a signed contract (never an edit of the contract itself).

    Proposed ``pending``; ``effective`` once both parties have signed; ``withdrawn`` by its proposer
    before that. Both ends are final.
    """

    class Kind(models.TextChoices):
        DELIVERY_DATE = "delivery_date", _("Delivery date change")
        CANCELLATION = "cancellation", _("Cancellation by mutual agreement")
        EXTENDED_WARRANTY = "extended_warranty", _("Extended warranty purchase")
        OTHER = "other", _("Other change")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting signatures")
        EFFECTIVE = "effective", _("Signed by both parties")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    TRANSITIONS = {
        Status.PENDING: {Status.EFFECTIVE, Status.WITHDRAWN},
        Status.EFFECTIVE: set(),
        Status.WITHDRAWN: set(),
    }

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("contract"))
    sequence = models.PositiveSmallIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    payload = models.JSONField(_("details"), default=dict)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    content_zh = models.TextField(_("text (Chinese)"))
    content_en = models.TextField(_("text (English)"))
    content_hash = models.CharField(_("content SHA-256"), max_length=64)
    effective_at = models.DateTimeField(_("effective at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AmendmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        ordering = ["contract", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "sequence"], name="amendment_sequence_per_contract"),
        ]
        # Effective amendments are read-only in PostgreSQL (trigger of migration 0003, see ``Contract``).

    def __str__(self) -> str:
        return f"{self.contract.number}-A{self.sequence}"

    @property
    def number(self) -> str:
        return str(self)

    def compute_content_hash(self) -> str:
        return sha256_hex(f"{self.number}\n{self.content_zh}\n{self.content_en}")


class Signature(models.Model):
    """One party's electronic signature of a contract or an amendment (电子签名法 Art. 13).

    Re-authenticated with the signer's password, with the typed full name, the consent, the time,
    IP and user agent, and the SHA-256 of the exact text signed. Never updated or deleted.
    """

    class Party(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        DEALER = "dealer", _("Dealer")

    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("contract")
    )
    amendment = models.ForeignKey(
        Amendment, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("amendment")
    )
    party = models.CharField(_("party"), max_length=8, choices=Party.choices)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contract_signatures", verbose_name=_("signer")
    )
    typed_name = models.CharField(_("typed full name"), max_length=100)
    consent = models.BooleanField(_("consent given"), default=False)
    content_hash = models.CharField(_("SHA-256 of the signed text"), max_length=64)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["signed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(contract__isnull=False) & Q(amendment__isnull=True))
                | (Q(contract__isnull=True) & Q(amendment__isnull=False)),
                name="signature_of_exactly_one_document",
            ),
            models.UniqueConstraint(
                fields=["contract", "party"], condition=Q(contract__isnull=False), name="one_signature_per_party_contract"
            ),
            models.UniqueConstraint(
                fields=["amendment", "party"], condition=Q(amendment__isnull=False), name="one_signature_per_party_amendment"
            ),
            models.CheckConstraint(condition=Q(consent=True), name="signature_requires_consent"),
        ]
        # Never updated or deleted, in PostgreSQL too (trigger of migration 0003, see ``Contract``).

    def __str__(self) -> str:
        return f"{self.get_party_display()} {self.typed_name}"


class Payment(models.Model):
    """Money the dealer says they received for an order (no payment gateway; a record of fact)."""

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CARD = "card", _("Bank card (POS)")
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        CASH = "cash", _("Cash")
        LOAN = "loan", _("Loan disbursement")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments", verbose_name=_("order"))
    amount = models.DecimalField(_("amount (CNY)"), max_digits=10, decimal_places=2)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    reference = models.CharField(_("reference"), max_length=100, help_text=_("Bank transaction number, receipt number …"))
    received_at = models.DateTimeField(_("received at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["received_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.amount} {self.get_method_display()}"


class Delivery(models.Model):
    """The handover (交车) record. The dealer records it; the buyer's confirmation completes the order."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="delivery", verbose_name=_("order"))
    delivered_at = models.DateTimeField(_("handed over at"))
    odometer_km = models.PositiveIntegerField(_("odometer at handover (km)"))
    keys_handed_over = models.BooleanField(_("all keys handed over"), default=False)
    documents_handed_over = models.BooleanField(
        _("documents handed over (registration certificate, licence, invoice)"), default=False
    )
    registration_transfer_started = models.BooleanField(_("registration transfer (过户) started"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    dealer_confirmed_at = models.DateTimeField(_("dealer confirmed at"))
    buyer_confirmed_at = models.DateTimeField(_("buyer confirmed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.order} @ {self.delivered_at:%Y-%m-%d}"

    @property
    def checklist_complete(self) -> bool:
        return self.keys_handed_over and self.documents_handed_over and self.registration_transfer_started
