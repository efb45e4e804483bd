"""The car page's new parts stay cheap and cacheable: constant queries, nothing personal in what is cached, the
similar-cars section renewed when other cars change, estimates renewed when staff change the defaults."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from marketplace import finance, services
from marketplace.models import FinanceSettings, Listing, Vehicle
from marketplace.similar import similar_to
from marketplace.tests.factories import ListingFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True
    settings.REDIS_URL = ""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def car(price="100000", city="北京", **vehicle):
    return ListingFactory(price=Decimal(price), vehicle=VehicleFactory(city=city, **vehicle))


@pytest.mark.parametrize("changes", [1, 12])
def test_the_detail_page_keeps_its_query_count_whatever_the_history(client, dealer, assert_max_queries, changes):
    listing = ListingFactory(dealer=dealer, price=Decimal("100000"))
    for step in range(changes):
        services.listing_set_price(listing=listing, actor=dealer, price=Decimal(99000 - step * 100))
    with assert_max_queries(10):
        response = client.get(reverse("marketplace:detail", args=[listing.pk]))
    html = response.content.decode()
    assert 'id="price-history"' in html and 'id="finance"' in html and "data-similar-url" in html


def test_similar_cars_are_the_same_model_or_body_in_the_price_band_nearest_city_first(dealer):
    base = car(make="Toyota", model="Corolla", body_type=Vehicle.Body.SEDAN)
    same_city_body = car("110000", make="Honda", model="Civic", body_type=Vehicle.Body.SEDAN)
    region_model = car("95000", city="天津", make="Toyota", model="Corolla", body_type=Vehicle.Body.SEDAN)
    far_model = car("90000", city="成都", make="Toyota", model="Corolla", body_type=Vehicle.Body.SEDAN)
    car("300000", make="Toyota", model="Corolla")  # outside the price band
    car("100000", make="BYD", model="Song PLUS", body_type=Vehicle.Body.SUV)  # another model and body
    sold = car("100000", make="Toyota", model="Corolla")
    Listing.objects.filter(pk=sold.pk).update(status=Listing.Status.SOLD)
    assert [c.pk for c in similar_to(base)] == [same_city_body.pk, region_model.pk, far_model.pk]


def test_the_similar_section_costs_two_queries_whatever_it_shows(client, assert_max_queries):
    base = car(make="Toyota", model="Corolla")
    for _ in range(6):
        car(make="Toyota", model="Corolla")
    finance.default_terms()  # the staff's finance defaults come from the cache (one query per five minutes)
    with assert_max_queries(2):
        html = client.get(reverse("marketplace:similar", args=[base.pk])).content.decode()
    assert html.count("data-car=") == 4 and "<html" not in html
    assert client.get(reverse("marketplace:similar", args=[999999])).status_code == 404


def test_the_similar_section_is_cached_and_renewed_when_another_car_changes(page_cache_on, commit, dealer):
    base = car(make="Toyota", model="Corolla")
    other = ListingFactory(dealer=dealer, price=Decimal("98000"), vehicle=VehicleFactory(make="Toyota", model="Corolla"))
    visitor = Client()
    url = reverse("marketplace:similar", args=[base.pk])
    assert "¥98,000" in visitor.get(url).content.decode()
    assert visitor.get(url)["X-Page-Cache"] == "hit"
    detail = reverse("marketplace:detail", args=[base.pk])
    visitor.get(detail)
    assert visitor.get(detail)["X-Page-Cache"] == "hit"
    commit(services.listing_set_price, listing=other, actor=dealer, price=Decimal("93000"))
    html = visitor.get(url).content.decode()
    assert "¥93,000" in html and "¥98,000" not in html
    # The car's own page did not depend on the other car: still served from the cache.
    assert visitor.get(detail)["X-Page-Cache"] == "hit"


def test_new_staff_defaults_renew_cached_estimates(page_cache_on, commit):
    listing = car()
    visitor = Client()
    url = reverse("marketplace:detail", args=[listing.pk])
    before = visitor.get(url).content.decode()
    assert visitor.get(url)["X-Page-Cache"] == "hit"
    commit(FinanceSettings(annual_rate=Decimal("0"), down_payment_percent=50, term_months=50).save)
    after = visitor.get(url).content.decode()
    assert after != before and 'data-testid="monthly">¥1,000<' in after  # ¥50,000 over 50 months at 0 %
    cache.delete(finance.SETTINGS_CACHE_KEY)


def test_the_cached_pages_carry_nothing_of_the_buyer(page_cache_on, client, buyer):
    listing = car(make="Toyota")
    client.force_login(buyer)
    own = client.get(reverse("marketplace:browse"), {"make": "Toyota"}).content.decode()
    assert 'name="query"' in own  # the buyer's page has the save form (rendered for them, never cached)
    visitor = Client()
    for url in (reverse("marketplace:browse") + "?make=Toyota", reverse("marketplace:detail", args=[listing.pk])):
        html = visitor.get(url).content.decode()
        assert buyer.email not in html and 'name="query"' not in html
        assert ("Sign in to hear about new cars" in html) == ("/cars/?" in url)
