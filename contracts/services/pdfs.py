"""The signed contract's PDFs: the Chinese original and the English translation, each its own document.

They are rendered after the signatures commit — by the worker (``contract_render_pdfs_task``, queued through
the outbox by the countersignature) or by the first download, whichever comes first — never inside the
transaction that holds the listing and order rows. Rendering happens before any write; the row is then
inserted in a savepoint, and the unique (contract, language) constraint lets only one of two concurrent
renders store its file: the other discards its bytes and answers with the stored PDF.
"""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core import pdf
from core.errors import DomainError

from ..models import Contract, ContractPdf, Signature, sha256_hex

TEMPLATE = "contracts/pdf/contract.html"
LANGUAGES = tuple(ContractPdf.Language.values)


def contract_pdf_html(*, contract: Contract, language: str = ContractPdf.Language.ZH_HANS) -> str:
    """The HTML of ``contract``'s PDF in ``language``: its text in that language, the signatures, the hashes."""
    signatures = list(contract.signatures.select_related("signer").order_by("signed_at"))
    by_party = {signature.party: signature for signature in signatures}
    with translation.override(language):
        return render_to_string(
            TEMPLATE,
            {
                "c": contract,
                "language": language,
                "content": contract.content_for(language),
                "signatures": signatures,
                "buyer_sig": by_party.get(Signature.Party.BUYER),
                "dealer_sig": by_party.get(Signature.Party.DEALER),
            },
        )


def contract_pdf_get(*, contract: Contract, language: str) -> ContractPdf:
    """The stored PDF of a signed ``contract`` in ``language``, rendered and stored first if there is none.

    Refused for a contract not signed by both parties and for a language the contract is not written in.
    Safe to call concurrently: one row per contract and language, whoever inserts first.
    """
    if language not in LANGUAGES:
        raise DomainError(_("There is no PDF of this contract in that language."), code="language")
    if not contract.signed_at:
        raise DomainError(_("The PDF exists once both parties have signed."), code="unsigned")
    stored = ContractPdf.objects.filter(contract=contract, language=language).first()
    if stored is not None:
        return stored
    pdf_bytes = pdf.render_pdf(contract_pdf_html(contract=contract, language=language))
    candidate = ContractPdf(contract=contract, language=language, sha256=sha256_hex(pdf_bytes))
    candidate.file.save(f"{contract.number}-{language}-{secrets.token_hex(8)}.pdf", ContentFile(pdf_bytes), save=False)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:  # another render stored it first: theirs is the document
        candidate.file.delete(save=False)
        return ContractPdf.objects.get(contract=contract, language=language)
    return candidate


def contract_pdfs_render(*, contract_id: int) -> list[ContractPdf]:
    """Both PDFs of the signed contract ``contract_id`` (the worker's job after sealing); nothing for a contract
    that is gone or unsigned. Re-running it renders nothing twice."""
    contract = Contract.objects.filter(pk=contract_id, signed_at__isnull=False).first()
    if contract is None:
        return []
    return [contract_pdf_get(contract=contract, language=language) for language in LANGUAGES]
