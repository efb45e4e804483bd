"""Tamper evidence: every signed contract and every published inspection report is recomputed from what is
stored and compared with the SHA-256 sealed when it was signed or published.

In PostgreSQL the app role cannot change these records (the triggers of contracts 0003 / inspections 0003);
the owner role or a superuser still can, by switching a trigger off. This is how such a change comes to
light: the public verify page recomputes the contract a visitor asks about and the report it names, and the
nightly ``records_verify`` recomputes every record. A broken seal reads "record altered" on the page and
alerts every active staff member — once per record and mismatch (the dedupe key names what is stored now,
so a second, different alteration alerts again).

What a seal covers:
* contract: its two texts hash to ``content_hash``; each signature was made on that hash; each stored PDF
  (one per language, ``ContractPdf``; or the bilingual ``pdf`` of older contracts) hashes to its recorded
  SHA-256 (the PDFs are read by the nightly check, and on the page once the visitor's hash
  matched — a stranger's guesses never make the server read files);
* report (published or superseded): its content (``inspections.services.report_content``: header,
  verdicts, every item) hashes to ``content_hash``; for the report a contract names, that hash is still the
  one the contract recorded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from inspections.models import InspectionItem, InspectionReport
from inspections.services import content_hash as report_content_hash
from inspections.services import report_content_from
from notifications.kinds import localized, notice_kind
from notifications.services import Notice, notify_many

from .models import Contract

# Declared here, beside the check that sends it (registered whenever the verify page or the nightly task
# is loaded); its texts are in this app's catalogue.
RECORD_ALTERED = notice_kind(
    "contracts.record_altered",
    label=_("Record altered"),
    subject=_("Record altered: %(what)s %(record)s"),
    body=_(
        "The stored %(what)s %(record)s no longer matches its SHA-256: %(problems)s. Nothing the site does can "
        "change it, so someone changed the database directly. Check the database's logs and restore the record "
        "from a backup; the parties' signed copies are the evidence."
    ),
    clock=True,
)

KIND_LABELS = {"contract": _("signed contract"), "report": _("inspection report")}
PROBLEMS = {
    "content": _("its content hashes differently"),
    "signature": _("a signature was made on a different text"),
    "pdf": _("its PDF hashes differently"),
    "pdf_missing": _("its PDF is missing"),
    "seal": _("its stored SHA-256 is not the one the contract records"),
    "missing": _("the report the contract names is gone"),
}

BATCH_SIZE = 200


@dataclass(frozen=True)
class Seal:
    """The outcome of recomputing one record: what no longer matches (nothing: intact)."""

    kind: str  # "contract" or "report"
    pk: int | None
    label: str  # contract number, or "VIN vN"
    problems: tuple[str, ...] = ()
    #: identifies what is stored now: the same alteration gives the same fingerprint, another one a new one
    fingerprint: str = ""

    @property
    def altered(self) -> bool:
        return bool(self.problems)


def _fingerprint(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]


def _file_sha256(field_file) -> str | None:
    """SHA-256 of a stored file, or None when it is not there."""
    if not field_file:
        return None
    digest = hashlib.sha256()
    try:
        with field_file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
    except (FileNotFoundError, OSError, ValueError):
        return None
    return digest.hexdigest()


def contract_seal(contract: Contract, *, with_pdf: bool = True) -> Seal:
    """Recompute a signed contract: its texts, the hash each signature was made on, and (``with_pdf``) its
    stored PDFs — each language's file against its recorded SHA-256, and the bilingual PDF of contracts sealed
    before per-language PDFs. A PDF not rendered yet is not a problem (it is made after sealing)."""
    computed = contract.compute_content_hash()
    signed_on = sorted(s.content_hash for s in contract.signatures.all())
    problems = []
    if computed != contract.content_hash:
        problems.append("content")
    if any(h != contract.content_hash for h in signed_on) or not signed_on:
        problems.append("signature")
    files = []
    if with_pdf:
        stored = [(contract.pdf, contract.pdf_sha256)] if contract.pdf_sha256 else []
        stored += [(document.file, document.sha256) for document in contract.pdfs.all()]
        for field_file, recorded in stored:
            actual = _file_sha256(field_file)
            files.append((recorded, actual))
            if actual is None:
                problems.append("pdf_missing")
            elif actual != recorded:
                problems.append("pdf")
    return Seal(
        "contract",
        contract.pk,
        contract.number,
        tuple(dict.fromkeys(problems)),
        _fingerprint(computed, contract.content_hash, signed_on, files) if problems else "",
    )


def report_seal(report: InspectionReport, items=None, *, expected_hash: str = "") -> Seal:
    """Recompute a published (or superseded) report from its stored rows; ``expected_hash``: the hash a
    contract recorded for it. ``items`` (with ``definition``) avoid a query per report."""
    items = list(items) if items is not None else list(report.items.select_related("definition"))
    computed = report_content_hash(report_content_from(report, items))
    problems = []
    if computed != report.content_hash:
        problems.append("content")
    if expected_hash and report.content_hash != expected_hash:
        problems.append("seal")
    label = f"{report.vehicle.vin} v{report.version}"
    return Seal("report", report.pk, label, tuple(problems), _fingerprint(computed, report.content_hash) if problems else "")


def named_report_seal(contract: Contract) -> Seal | None:
    """The seal of the inspection report version the contract names (None when it names none)."""
    vin = (contract.vehicle or {}).get("vin")
    if not contract.inspection_report_version or not vin:
        return None
    report = (
        InspectionReport.objects.exclude(status=InspectionReport.Status.DRAFT)
        .filter(vehicle__vin=vin, version=contract.inspection_report_version)
        .select_related("vehicle", "inspector", "previous_version")
        .first()
    )
    if report is None:
        label = f"{vin} v{contract.inspection_report_version}"
        return Seal("report", None, label, ("missing",), _fingerprint(contract.number, label))
    return report_seal(report, expected_hash=contract.inspection_report_hash)


def seal_alert(seal: Seal) -> int:
    """Tell every active staff member that ``seal`` is broken — once per record and mismatch."""
    if not seal.altered:
        return 0
    if seal.pk is None:
        url = ""
    elif seal.kind == "contract":
        url = reverse("admin:contracts_contract_change", args=[seal.pk])
    else:
        url = reverse("admin:inspections_inspectionreport_change", args=[seal.pk])
    params = {
        "what": localized(KIND_LABELS[seal.kind]),
        "record": seal.label,
        "problems": localized(lambda: "; ".join(str(PROBLEMS[p]) for p in seal.problems)),
    }
    staff = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("pk")
    return notify_many(
        Notice(person, RECORD_ALTERED, f"tamper:{seal.kind}:{seal.label}:{seal.fingerprint}:{person.pk}", params=params, url=url)
        for person in staff
    )


def records_verify(*, batch_size: int = BATCH_SIZE) -> dict:
    """Nightly: recompute every signed contract (texts, signatures, PDF) and every published or superseded
    report; alert staff of each broken seal. Returns the counts. Read-only apart from the alerts."""
    counts = {"contracts": 0, "reports": 0, "altered": 0, "alerts": 0}
    contracts = Contract.objects.signed().prefetch_related("signatures", "pdfs").order_by("pk")
    for contract in contracts.iterator(chunk_size=batch_size):
        counts["contracts"] += 1
        _record(contract_seal(contract), counts)
    reports = (
        InspectionReport.objects.exclude(status=InspectionReport.Status.DRAFT)
        .select_related("vehicle", "inspector", "previous_version")
        .prefetch_related(Prefetch("items", queryset=InspectionItem.objects.select_related("definition")))
        .order_by("pk")
    )
    for report in reports.iterator(chunk_size=batch_size):
        counts["reports"] += 1
        _record(report_seal(report, report.items.all()), counts)
    return counts


def _record(seal: Seal, counts: dict) -> None:
    if seal.altered:
        counts["altered"] += 1
        counts["alerts"] += seal_alert(seal)


# --- the public verify page ---------------------------------------------------------------------


@dataclass
class VerificationResult:
    matched: bool
    number: str
    signed_at: object = None
    matched_on: str = ""  # "content" or "pdf"
    #: broken seals of the contract itself and of the report it names (empty: intact)
    altered: list[Seal] = field(default_factory=list)

    @property
    def contract_altered(self) -> bool:
        return any(seal.kind == "contract" for seal in self.altered)

    @property
    def report_altered(self) -> bool:
        return any(seal.kind == "report" for seal in self.altered)


def contract_verify(*, number: str, digest: str = "", pdf_bytes: bytes | None = None) -> VerificationResult:
    """Does ``digest`` (or the uploaded PDF) match the signed original of contract ``number``, and is the
    stored original (and the report it names) still what was sealed?

    Only signed contracts verify. The answer reveals nothing but the number, the signing date and whether
    the stored record was altered; an alteration is raised to staff (``seal_alert``).
    """
    number = (number or "").strip().upper()
    digest = "".join((digest or "").split()).lower()
    if pdf_bytes is not None:
        digest = hashlib.sha256(pdf_bytes).hexdigest()
    contract = Contract.objects.signed().filter(number=number).prefetch_related("signatures", "pdfs").first()
    if contract is None:
        return VerificationResult(False, number)
    matched_on = ""
    if len(digest) == 64:
        pdf_hashes = {document.sha256 for document in contract.pdfs.all()} | {contract.pdf_sha256} - {""}
        matched_on = "pdf" if digest in pdf_hashes else "content" if digest == contract.content_hash else ""
    seals = [contract_seal(contract, with_pdf=bool(matched_on)), named_report_seal(contract)]
    altered = [seal for seal in seals if seal is not None and seal.altered]
    for seal in altered:
        seal_alert(seal)
    return VerificationResult(bool(matched_on), number, contract.signed_at, matched_on, altered)
