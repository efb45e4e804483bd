"""The page cache is correct: every change to a car shows on every cached page at the next request, in both
languages, and nothing personal ever reaches another visitor (core.pagecache, marketplace.pages)."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from conftest import make_user
from core import pagecache
from marketplace import services
from marketplace.models import Listing, ListingPhoto
from marketplace.tests.factories import ListingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True
    settings.REDIS_URL = ""  # the Django cache (local memory) as the store
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a write as committed: the page-cache versions move in on_commit callbacks."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def car(dealer):
    listing = ListingFactory(dealer=dealer, price=Decimal("98000"))
    ListingPhoto.objects.create(listing=listing, image="a.jpg", display="a.jpg", thumbnail="thumb-a.jpg", is_cover=True)
    services._photos_changed(listing.pk)
    listing.refresh_from_db()
    return listing


def visitor(language="en") -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


PAGES = {
    "browse": lambda car: reverse("marketplace:browse"),
    "home": lambda car: reverse("home"),
    "detail": lambda car: reverse("marketplace:detail", args=[car.pk]),
    "compare": lambda car: f"{reverse('marketplace:compare')}?ids={car.pk}",
}


def test_a_visitor_without_a_session_gets_the_stored_page_the_second_time(car):
    client = visitor()
    first = page(client, reverse("marketplace:browse"))
    second = page(client, reverse("marketplace:browse"))
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert re.findall(r'data-car="(\d+)"', second.content.decode()) == [str(car.pk)]


def test_the_switch_turns_the_page_cache_off(settings, car):
    settings.PAGE_CACHE_ENABLED = False
    client = visitor()
    page(client, reverse("marketplace:browse"))
    assert "X-Page-Cache" not in page(client, reverse("marketplace:browse"))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("where", ["browse", "home", "detail", "compare"])
def test_a_new_price_shows_on_every_cached_page_at_once(car, commit, dealer, where, language):
    client = visitor(language)
    url = PAGES[where](car)
    assert "¥98,000" in page(client, url).content.decode()
    assert page(client, url)["X-Page-Cache"] == "hit"
    commit(services.listing_set_price, listing=car, actor=dealer, price=Decimal("91000"))
    html = page(client, url).content.decode()
    assert "¥91,000" in html and "¥98,000" not in html


@pytest.mark.parametrize("where", ["browse", "home", "detail", "compare"])
def test_a_reserved_sold_or_withdrawn_car_leaves_the_cached_pages(car, commit, dealer, buyer, where):
    from contracts.services import order_reserve

    client = visitor()
    url = PAGES[where](car)
    page(client, url)
    commit(order_reserve, buyer=buyer, listing=car)
    html = page(client, url).content.decode()
    if where in ("browse", "home"):
        assert f'data-car="{car.pk}"' not in html
    else:  # its own page says so (and offers no reservation)
        assert 'data-testid="reserve-button"' not in html
    if where == "detail":
        assert "This car is Reserved" in html


def test_a_withdrawn_car_leaves_browse_and_its_page_goes(car, commit, dealer):
    client = visitor()
    page(client, reverse("marketplace:browse"))
    page(client, PAGES["detail"](car))
    commit(services.listing_withdraw, listing=car, actor=dealer)
    assert f'data-car="{car.pk}"' not in page(client, reverse("marketplace:browse")).content.decode()
    assert client.get(PAGES["detail"](car)).status_code == 404


def test_a_sold_car_is_marked_sold_on_its_cached_page(car, commit):
    client = visitor()
    page(client, PAGES["detail"](car))
    car.status = Listing.Status.SOLD
    commit(car.save, update_fields=["status"])
    html = page(client, PAGES["detail"](car)).content.decode()
    assert "This car is Sold" in html


@pytest.mark.parametrize("where", ["browse", "home", "detail", "compare"])
def test_a_new_photo_shows_on_every_cached_page(car, commit, dealer, where, jpeg):
    client = visitor()
    url = PAGES[where](car)
    page(client, url)
    photo = commit(services.photo_add, listing=car, actor=dealer, file=jpeg())
    commit(services.photo_make_cover, photo=photo, actor=dealer)
    html = page(client, url).content.decode()
    assert photo.thumbnail.name in html or photo.display.name in html


@pytest.mark.parametrize("where", ["browse", "home", "detail"])
def test_a_new_report_version_shows_on_every_cached_page(car, commit, where, inspector):
    from inspections.tests.factories import published_report

    client = visitor()
    url = PAGES[where](car)
    page(client, url)
    commit(published_report, vehicle=car.vehicle, inspector=inspector, listing=car)
    car.refresh_from_db()
    html = page(client, url).content.decode()
    assert (f"Grade {car.inspection_grade}") in html


@pytest.mark.parametrize("where", ["browse", "home", "dealer"])
def test_a_new_dealer_score_shows_on_every_cached_page(car, commit, dealer, where):
    from insights.models import DealerScore

    client = visitor()
    url = reverse("insights:dealer", args=[dealer.pk]) if where == "dealer" else PAGES[where](car)
    page(client, url)
    assert page(client, url)["X-Page-Cache"] == "hit"

    def recompute():
        from django.utils import timezone

        DealerScore.objects.update_or_create(
            dealer=dealer, defaults={"score": 93, "components": {}, "computed_at": timezone.now()}
        )
        services.listings_set_dealer_scores(scores={dealer.pk: 93})
        pagecache.bump("dealers")

    commit(recompute)
    assert "93" in page(client, url).content.decode()


def test_nothing_personal_is_served_to_another_visitor(car):
    buyer = make_user("cache_a", full_name="Wang Xiaoming-7c1")
    other_buyer = make_user("cache_b", full_name="Li Hua-2e9")
    url = PAGES["detail"](car)
    anonymous_first = visitor()
    body = page(anonymous_first, url).content.decode()
    token_a = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    assert token_a != pagecache.CSRF_PLACEHOLDER and "csrftoken" in anonymous_first.cookies

    anonymous_second = visitor()
    hit = page(anonymous_second, url)
    assert hit["X-Page-Cache"] == "hit"
    token_b = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', hit.content.decode()).group(1)
    assert token_b != token_a  # each visitor gets their own token, with a cookie that matches it
    assert anonymous_second.cookies["csrftoken"].value != anonymous_first.cookies["csrftoken"].value

    signed_in = {}
    for user in (buyer, other_buyer):
        client = Client()
        client.force_login(user)
        response = page(client, url)
        assert "X-Page-Cache" not in response  # a signed-in page is rendered for them, never stored
        signed_in[user.pk] = response.content.decode()
        assert user.display_name in signed_in[user.pk]
    assert buyer.display_name not in signed_in[other_buyer.pk]
    again = page(visitor(), url).content.decode()
    for user in (buyer, other_buyer):
        assert user.display_name not in again
    assert "Sign out" not in again and 'data-testid="compare-tray"' not in again


def test_a_visitor_with_a_compare_list_gets_a_page_rendered_for_them(car, dealer):
    other = ListingFactory(dealer=dealer)
    client = visitor()
    client.post(reverse("marketplace:compare_add"), {"listing": other.pk})
    response = page(client, reverse("marketplace:compare"))
    assert "X-Page-Cache" not in response and [c.pk for c in response.context_data["cars"]] == [other.pk]
    stranger = page(visitor(), reverse("marketplace:compare"))
    assert stranger.context_data["cars"] == []


def test_cached_pages_carry_the_security_headers(car):
    client = visitor()
    page(client, reverse("marketplace:browse"))
    hit = page(client, reverse("marketplace:browse"))
    assert hit["X-Page-Cache"] == "hit"
    assert "Content-Security-Policy" in hit and hit["X-Frame-Options"] == "DENY"
    assert hit["X-Content-Type-Options"] == "nosniff" and "Accept-Language" in hit["Vary"]


def test_the_two_languages_are_stored_apart(car):
    english = page(visitor("en"), reverse("marketplace:browse")).content.decode()
    chinese = page(visitor("zh-hans"), reverse("marketplace:browse")).content.decode()
    assert "Browse cars" in english and "浏览车源" in chinese
    assert "浏览车源" in page(visitor("zh-hans"), reverse("marketplace:browse")).content.decode()


def test_a_staff_user_role_label_is_not_staff(db):
    user = make_user("labelled", User.Role.STAFF)
    assert not user.is_platform_staff
