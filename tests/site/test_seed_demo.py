"""seed_demo is quick (no PDF rendering, demo password hashed with few rounds) and leaves a sound demo."""

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from contracts.models import Contract, ContractPdf
from core.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    call_command("seed_demo", cars=12, verbosity=0)


def test_the_seed_renders_no_contract_pdf_but_queues_them_for_the_worker(seeded):
    signed = Contract.objects.filter(signed_at__isnull=False)
    assert signed.exists()
    assert not ContractPdf.objects.exists()
    queued = OutboxMessage.objects.filter(task_name="contracts.tasks.contract_render_pdfs_task")
    assert sorted(args[0] for args in queued.values_list("args", flat=True)) == sorted(signed.values_list("pk", flat=True))


def test_demo_passwords_are_cheap_while_seeding_and_upgraded_on_the_first_sign_in(seeded):
    buyer = User.objects.get(username="buyer1")
    assert buyer.password.startswith("pbkdf2_sha256$1000$")
    assert authenticate(username="buyer1", password="anxin-demo-2026") is not None
    buyer.refresh_from_db()
    assert buyer.password.startswith("pbkdf2_sha256$") and not buyer.password.startswith("pbkdf2_sha256$1000$")
    client = Client()
    assert client.login(username="dealer1", password="anxin-demo-2026")


def test_every_inspected_demo_car_shows_its_published_report_on_its_page(seeded):
    from inspections.models import InspectionReport
    from marketplace.models import Listing

    graded = Listing.objects.filter(status=Listing.Status.PUBLISHED, inspection_grade__isnull=False)
    assert graded.exists()
    for listing in graded:
        latest = (
            InspectionReport.objects.filter(vehicle_id=listing.vehicle_id, status=InspectionReport.Status.PUBLISHED)
            .order_by("-version")
            .first()
        )
        assert listing.report_summary.get("report_id") == latest.pk, listing.pk
        client = Client()
        client.cookies["django_language"] = "en"
        page = client.get(f"/cars/{listing.pk}/").content.decode()
        assert "No published inspection report" not in page
