"""Tamper evidence: the verify page and the nightly check recompute signed contracts and published reports
from what is stored; a mismatch reads "record altered" (both languages) and alerts staff once per record
and mismatch.

The alterations are made as the OWNER role would make them: the suite's connection (the owner, or a
superuser) switches the trigger off for one transaction (``core.postgres.triggers_disabled``) — the app
role cannot (tests/security/test_immutability.py). On SQLite there is no trigger to switch off."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import translation

from contracts.models import Contract, Signature
from contracts.services import contract_pdfs_render
from contracts.verification import RECORD_ALTERED, contract_seal, records_verify
from core.postgres import triggers_disabled
from inspections.models import InspectionItem, InspectionReport
from inspections.tests.factories import published_report
from marketplace.tests.factories import ListingFactory
from notifications.models import Notification

from .factories import reserve, signed_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(buyer, dealer, inspector, staff_user):
    """A signed contract for a car with a published inspection report (the contract names its version)."""
    listing = ListingFactory(dealer=dealer)
    published_report(vehicle=listing.vehicle, inspector=inspector, listing=listing)
    contract = signed_order(buyer=buyer, listing=listing).contract
    assert contract.inspection_report_version == 1 and contract.inspection_report_hash
    contract_pdfs_render(contract_id=contract.pk)  # the worker's job after sealing
    return contract


def _alter_contract(contract, **fields):
    with triggers_disabled(connection, "contracts_contract"):
        Contract.objects.filter(pk=contract.pk).update(**fields)


def _alter_report_item(contract, note):
    report = InspectionReport.objects.get(vehicle__vin=contract.vehicle["vin"], version=contract.inspection_report_version)
    with triggers_disabled(connection, "inspections_inspectionitem"):
        InspectionItem.objects.filter(pk=report.items.order_by("pk").first().pk).update(note=note)
    return report


def _verify(client, contract, digest=None, language="en"):
    with translation.override(language):
        response = client.post(
            reverse("contracts:verify"),
            {"number": contract.number, "digest": digest or contract.content_hash},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 200
    return response.content.decode()


def _alerts():
    return list(Notification.objects.filter(kind=RECORD_ALTERED.code).order_by("pk"))


def test_an_intact_contract_and_report_verify_without_alerts(client, contract):
    page = _verify(client, contract)
    assert 'data-matched="true"' in page and "record-altered" not in page
    assert records_verify() == {"contracts": 1, "reports": 1, "altered": 0, "alerts": 0}
    assert _alerts() == []


def test_a_contract_text_altered_by_the_owner_reads_record_altered_and_alerts_staff_once(client, contract, staff_user):
    _alter_contract(contract, content_zh=contract.content_zh.replace("违约责任", "无责任"))
    page = _verify(client, contract)
    assert 'data-testid="record-altered"' in page and "Record altered" in page
    assert f"The stored record of contract {contract.number} no longer matches" in page
    assert 'data-matched="true"' in page  # the visitor's hash is the genuine one; the stored text is not
    [alert] = _alerts()
    assert alert.recipient == staff_user
    subject, body = alert.render("en")
    assert subject == f"Record altered: signed contract {contract.number}"
    assert "its content hashes differently" in body
    assert "篡改" in alert.render("zh-hans")[0]
    # Seen again on the page and by the nightly check: the same mismatch, no second alert.
    _verify(client, contract)
    counts = records_verify()
    assert counts["altered"] == 1 and counts["alerts"] == 0 and len(_alerts()) == 1


def test_the_page_says_record_altered_in_chinese(client, contract):
    _alter_contract(contract, content_en=contract.content_en + " (amended in secret)")
    page = _verify(client, contract, language="zh-hans")
    assert 'data-testid="record-altered"' in page and "记录已被篡改" in page


def test_a_second_different_alteration_alerts_again(client, contract):
    _alter_contract(contract, content_en=contract.content_en + " A")
    records_verify()
    _alter_contract(contract, content_en=contract.content_en + " B")
    records_verify()
    assert len(_alerts()) == 2


def test_rehashing_the_altered_text_is_still_caught_by_the_signatures(client, contract):
    """The owner rewrites the text AND its stored hash: each signature still names the text really signed."""
    forged = contract.content_zh + "附加条款"
    _alter_contract(
        contract,
        content_zh=forged,
        content_hash=Contract.hash_texts(number=contract.number, content_zh=forged, content_en=contract.content_en),
    )
    fresh = Contract.objects.prefetch_related("signatures").get(pk=contract.pk)
    assert contract_seal(fresh, with_pdf=False).problems == ("signature",)
    page = _verify(client, contract)  # the buyer's genuine hash
    assert 'data-matched="false"' in page and 'data-testid="record-altered"' in page
    assert len(_alerts()) == 1


def test_an_altered_signature_is_caught(contract):
    with triggers_disabled(connection, "contracts_signature"):
        Signature.objects.filter(contract=contract, party="buyer").update(content_hash="f" * 64)
    assert records_verify()["altered"] == 1


def test_a_replaced_pdf_is_caught_by_the_nightly_check_and_by_the_page_once_the_hash_matched(client, contract):
    english = contract.pdfs.get(language="en")
    english.file.storage.delete(english.file.name)
    english.file.storage.save(english.file.name, ContentFile(b"%PDF-1.7 forged"))
    assert records_verify()["altered"] == 1
    assert "its PDF hashes differently" in _alerts()[0].render("en")[1]
    chinese = contract.pdfs.get(language="zh-hans")  # intact, but the page checks every stored copy
    assert 'data-testid="record-altered"' in _verify(client, contract, digest=chinese.sha256)
    # A stranger's wrong guess never makes the server read the file.
    assert "record-altered" not in _verify(client, contract, digest="0" * 64)


def test_a_report_item_altered_by_the_owner_is_caught_on_the_page_and_by_the_nightly_check(client, contract, staff_user):
    report = _alter_report_item(contract, "no damage at all")
    page = _verify(client, contract)
    assert f"The inspection report that contract {contract.number} names no longer matches" in page
    assert "The stored record of contract" not in page  # the contract itself is intact
    [alert] = _alerts()
    assert alert.render("en")[0] == f"Record altered: inspection report {report.vehicle.vin} v1"
    assert alert.url == reverse("admin:inspections_inspectionreport_change", args=[report.pk])
    counts = records_verify()
    assert (counts["altered"], counts["alerts"]) == (1, 0)


def test_the_nightly_check_covers_reports_no_contract_names(inspector, dealer, staff_user):
    listing = ListingFactory(dealer=dealer)
    report = published_report(vehicle=listing.vehicle, inspector=inspector, listing=listing)
    with triggers_disabled(connection, "inspections_inspectionreport"):
        InspectionReport.objects.filter(pk=report.pk).update(summary="A different story")
    assert records_verify() == {"contracts": 0, "reports": 1, "altered": 1, "alerts": 1}


def test_unsigned_or_unknown_contracts_reveal_nothing_and_alert_nobody(client, buyer, dealer):
    order = reserve(buyer=buyer, dealer=dealer)
    Contract.objects.filter(pk=order.contract.pk).update(content_zh="changed while a draft")
    page = _verify(client, order.contract)
    assert 'data-matched="false"' in page and "record-altered" not in page
    assert _alerts() == []
