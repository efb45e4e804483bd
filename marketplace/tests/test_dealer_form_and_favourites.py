"""The dealer's car form picks make, model, city and colour from the vocabularies and reads the make and model year
from the VIN; a favourite toggles in place for the page script (JSON) and still redirects without it."""

import pytest
from django.urls import reverse
from django.utils import translation

from marketplace import vocabularies
from marketplace.forms import ListingForm
from marketplace.models import Favourite
from marketplace.tests.factories import ListingFactory
from marketplace.vin import vin_facts

pytestmark = pytest.mark.django_db

VALID = {
    "vin": "LSVAU2189N2000001",
    "city": "杭州",
    "make": "",
    "model": "Lavida",
    "trim": "1.5L 自动风尚版",
    "year": "",
    "first_registration": "2022-05-01",
    "mileage_km": "32000",
    "fuel": "petrol",
    "transmission": "automatic",
    "body_type": "sedan",
    "engine_displacement_l": "1.5",
    "emission_standard": "cn6b",
    "colour": "白色",
    "seats": "5",
    "previous_owners": "1",
    "price": "89000",
    "description": "",
}


def test_the_vin_gives_the_make_and_the_model_year():
    assert vin_facts("LSVAU2189N2000001", latest_year=2027) == {"make": "Volkswagen", "year": 2022}
    assert vin_facts("LHGXPPZA9HA000007", latest_year=2027) == {"make": "Honda", "year": 2017}
    assert vin_facts("not a vin", latest_year=2027) == {}


def test_the_form_fills_make_and_year_from_the_vin_when_left_empty():
    form = ListingForm(data=VALID)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["make"] == "Volkswagen" and form.cleaned_data["year"] == 2022


def test_the_form_keeps_what_the_dealer_chose_and_refuses_a_model_of_another_make():
    form = ListingForm(data={**VALID, "make": "Toyota", "year": "2021"})
    assert not form.is_valid() and "model" in form.errors
    form = ListingForm(data={**VALID, "make": "Volkswagen", "year": "2021"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["year"] == 2021


def test_city_and_colour_come_from_the_vocabularies_named_in_the_readers_language():
    form = ListingForm(data={**VALID, "city": "Gotham", "colour": "plaid"})
    assert not form.is_valid() and {"city", "colour"} <= set(form.errors)
    with translation.override("en"):
        assert dict(ListingForm().fields["city"].choices)["杭州"] == "Hangzhou"
        assert dict(ListingForm().fields["colour"].choices)["珍珠白"] == "Pearl white"
        assert vocabularies.trim_label("1.5L 自动风尚版") == "1.5L automatic Fashion"
    with translation.override("zh-hans"):
        assert dict(ListingForm().fields["city"].choices)["杭州"] == "杭州"
        assert vocabularies.trim_label("1.5L 自动风尚版") == "1.5L 自动风尚版"


def test_typed_cities_and_colours_map_onto_the_vocabulary():
    assert vocabularies.city_normalise("杭州市") == "杭州" and vocabularies.city_normalise("hangzhou") == "杭州"
    assert vocabularies.colour_normalise("白") == "白色" and vocabularies.colour_normalise("White") == "白色"
    assert vocabularies.city_normalise("Gotham") == ""


def test_a_favourite_toggles_in_place_for_the_page_script(client, buyer):
    listing = ListingFactory()
    client.force_login(buyer)
    url = reverse("marketplace:favourite", args=[listing.pk])
    saved = client.post(url, HTTP_ACCEPT="application/json").json()
    assert saved["favourite"] is True and saved["label"] == "Saved" and saved["message"]
    assert Favourite.objects.filter(user=buyer, listing=listing).exists()
    removed = client.post(url, {"action": "remove"}, HTTP_ACCEPT="application/json").json()
    assert removed["favourite"] is False and removed["label"] == "Favourite"
    assert client.post(url).status_code == 302  # without script: back to the page with a message


def test_a_dealer_cannot_favourite_and_a_visitor_is_sent_to_sign_in(client, dealer):
    listing = ListingFactory()
    url = reverse("marketplace:favourite", args=[listing.pk])
    assert "/accounts/login/" in client.post(url, HTTP_ACCEPT="application/json")["Location"]
    client.force_login(dealer)
    assert client.post(url, HTTP_ACCEPT="application/json").status_code == 403
