"""Journey 2: a dealer signs up, posts a car with photos and requests an inspection; an inspector takes
it, checks every section and publishes the report; the car then appears in search with its grade."""

import io
import re

import pytest
from PIL import Image

from conftest import make_user
from tests.journeys.conftest import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _jpeg_files(tmp_path, n=3):
    paths = []
    for i in range(n):
        path = tmp_path / f"car-{i}.jpg"
        buffer = io.BytesIO()
        Image.new("RGB", (800, 600), (40 * i, 90, 160)).save(buffer, "JPEG")
        path.write_bytes(buffer.getvalue())
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_dealer_lists_a_car_an_inspector_grades_it_and_it_appears_in_search(open_page, tmp_path, language):
    from accounts.models import User
    from inspections.models import Section
    from marketplace.models import Listing, Vehicle
    from marketplace.tests.factories import _vin

    inspector = make_user(f"j2_inspector_{language[:2]}", User.Role.INSPECTOR)
    dealer_page = open_page(language)
    suffix = language[:2]

    # The dealer signs up.
    dealer_page.goto("/accounts/signup/")
    dealer_page.check("input[name=role][value=dealer]")
    for field, value in {
        "username": f"j2dealer{suffix}",
        "full_name": "Zhao Dealer",
        "email": f"j2dealer{suffix}@example.com",
        "password1": "a-Long-passw0rd-here",
        "password2": "a-Long-passw0rd-here",
        "business_name": "Journey Motors",
        "licence_number": "91110000MA00000000",
        "city": "北京",
        "address": "北京市朝阳区 8 号",
        "business_phone": "010-12345678",
    }.items():
        dealer_page.fill(f"#id_{field}", value)
    dealer_page.locator("main form [type=submit]").last.click()
    dealer_page.wait_for_load_state()
    assert "/accounts/signup/" not in dealer_page.url, dealer_page.locator("main").inner_text()[:800]

    # Posts a car.
    vin = _vin(9000 + len(language))
    dealer_page.goto("/dealer/cars/new/")
    for field, value in {
        "vin": vin,
        "trim": "1.2T Pioneer",
        "year": "2021",
        "first_registration": "2021-06-01",
        "mileage_km": "35000",
        "engine_displacement_l": "1.2",
        "seats": "5",
        "previous_owners": "1",
        "price": "98000",
        "description": "One owner, full service history.",
    }.items():
        dealer_page.fill(f"#id_{field}", value)
    # Make, model, city and colour are picked from the vocabularies (the model list follows the make).
    for field, value in {
        "make": "Toyota",
        "model": "Corolla",
        "city": "北京",
        "colour": "白色",
        "fuel": Vehicle.Fuel.PETROL,
        "transmission": Vehicle.Transmission.CVT,
        "body_type": Vehicle.Body.SEDAN,
        "emission_standard": Vehicle.Emission.CN6B,
    }.items():
        dealer_page.select_option(f"#id_{field}", str(value))
    dealer_page.locator("main form [type=submit]").last.click()
    dealer_page.wait_for_url("**/photos/")
    listing = Listing.objects.get(vehicle__vin=vin)

    # Adds photos.
    dealer_page.set_input_files("main form input[type=file]", _jpeg_files(tmp_path))
    dealer_page.locator("main form[enctype='multipart/form-data'] button[type=submit]").click()
    dealer_page.wait_for_load_state()
    assert listing.photos.count() == 3

    # Requests an inspection.
    dealer_page.goto("/inspections/requests/")
    dealer_page.locator(f"form[action='/inspections/listings/{listing.pk}/request/'] button").click()
    dealer_page.wait_for_load_state()
    listing.refresh_from_db()
    assert listing.status == Listing.Status.AWAITING_INSPECTION

    # The inspector takes the request, fills in the header, checks every section and publishes.
    inspector_page = open_page(language)
    sign_in(inspector_page, inspector.username)
    inspector_page.goto("/inspections/workspace/")
    inspector_page.locator("form[action^='/inspections/requests/'][action$='/take/'] button").first.click()
    inspector_page.wait_for_url(re.compile(r".*/inspections/reports/\d+/edit/$"))
    report_pk = int(re.search(r"/reports/(\d+)/edit/", inspector_page.url).group(1))
    inspector_page.fill("#id_inspected_at", "2026-11-20T10:00")
    inspector_page.fill("#id_odometer_km", "35010")
    inspector_page.fill("#id_location", "北京市朝阳区检测站")
    inspector_page.locator("main form [type=submit]").last.click()
    inspector_page.wait_for_load_state()
    for section in Section.values:
        inspector_page.goto(f"/inspections/reports/{report_pk}/edit/{section}/")
        inspector_page.locator("button[name=mark_ok]").click()
        inspector_page.wait_for_load_state()
    inspector_page.locator(f"form[action='/inspections/reports/{report_pk}/publish/'] button").first.click()
    inspector_page.wait_for_url(f"**/inspections/reports/{report_pk}/")

    # The car is on sale, with its grade, in search.
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED
    assert listing.inspection_grade
    visitor = open_page(language)
    visitor.goto("/cars/?make=Toyota")
    card = visitor.locator(".card", has=visitor.locator(f"a[href='/cars/{listing.pk}/']")).first
    badge = "Grade" if language == "en" else "等级"
    assert badge in card.inner_text() or str(listing.inspection_grade) in card.inner_text()
