"""Journey 1: a visitor filters, opens two cars, compares them, signs up as a buyer, favourites one and
asks the dealer a question (both languages)."""

import pytest

from conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = {
    "en": {"compare": "Compare", "question": "Is the timing belt new?"},
    "zh-hans": {"compare": "对比", "question": "正时皮带换过吗？"},
}


@pytest.fixture
def cars(db):
    from accounts.models import User
    from marketplace.tests.factories import ListingFactory, VehicleFactory

    dealer = make_user("journey_dealer", User.Role.DEALER)
    toyota_a = ListingFactory(dealer=dealer, vehicle=VehicleFactory(make="Toyota", model="Corolla", trim="1.2T Pioneer"))
    toyota_b = ListingFactory(dealer=dealer, vehicle=VehicleFactory(make="Toyota", model="Camry", trim="2.0G Luxury"))
    byd = ListingFactory(dealer=dealer, vehicle=VehicleFactory(make="BYD", model="Qin PLUS", trim="DM-i 55km"))
    return dealer, toyota_a, toyota_b, byd


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_visitor_filters_compares_signs_up_favourites_and_asks(open_page, cars, language):
    dealer, toyota_a, toyota_b, byd = cars
    page = open_page(language)

    # Filter: only the Toyotas.
    page.goto("/cars/")
    page.locator("#browse-form [name=make]").select_option("Toyota")
    page.locator("#browse-form button[type=submit]").click()
    page.wait_for_url("**/cars/?*make=Toyota*")
    assert page.locator(f"a[href='/cars/{toyota_a.pk}/']").count() >= 1
    assert page.locator(f"a[href='/cars/{toyota_b.pk}/']").count() >= 1
    assert page.locator(f"a[href='/cars/{byd.pk}/']").count() == 0

    # Open two cars and add each to compare.
    for listing in (toyota_a, toyota_b):
        page.locator(f"a.stretched-link[href='/cars/{listing.pk}/']").first.click()
        page.wait_for_url(f"**/cars/{listing.pk}/")
        # The button adds in place (a fetch); wait for the answer before leaving the page.
        with page.expect_response("**/compare/add/"):
            page.locator("form[action='/compare/add/'] button[type=submit]").first.click()
        page.goto("/cars/?make=Toyota")

    page.goto("/compare/")
    for listing in (toyota_a, toyota_b):
        assert page.locator(f"main a[href='/cars/{listing.pk}/']").count() >= 1
    assert page.locator(f"main a[href='/cars/{byd.pk}/']").count() == 0

    # Sign up as a buyer.
    page.goto("/accounts/signup/")
    username = f"newbuyer_{language.replace('-', '')}"
    page.locator("#id_role").select_option("buyer") if page.locator("select#id_role").count() else page.check(
        "input[name=role][value=buyer]"
    )
    page.fill("#id_username", username)
    page.fill("#id_full_name", "Chen Journey")
    page.fill("#id_email", f"{username}@example.com")
    page.fill("#id_password1", "a-Long-passw0rd-here")
    page.fill("#id_password2", "a-Long-passw0rd-here")
    page.locator("main form [type=submit]").last.click()
    page.wait_for_load_state()
    assert "/accounts/signup/" not in page.url, page.locator("main").inner_text()[:800]

    # Favourite one car.
    page.goto(f"/cars/{toyota_a.pk}/")
    with page.expect_response(f"**/cars/{toyota_a.pk}/favourite/"):
        page.locator(f"form[action='/cars/{toyota_a.pk}/favourite/'] button[type=submit]").click()
    page.goto("/favourites/")
    assert page.locator(f"a[href='/cars/{toyota_a.pk}/']").count() >= 1

    # Ask the dealer a question.
    page.goto(f"/cars/{toyota_a.pk}/")
    page.locator(f"form[action='/cars/{toyota_a.pk}/ask/'] textarea[name=body]").fill(TEXT[language]["question"])
    page.locator(f"form[action='/cars/{toyota_a.pk}/ask/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert TEXT[language]["question"] in page.locator("main").inner_text()

    from marketplace.models import Message

    assert Message.objects.filter(body=TEXT[language]["question"], conversation__listing=toyota_a).exists()
