import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from marketplace import services
from marketplace.models import Conversation, Favourite, Listing, ListingPhoto
from marketplace.session_lists import COMPARE_KEY
from marketplace.tests.factories import ListingFactory, VehicleFactory

pytestmark = pytest.mark.django_db
BROWSE = reverse("marketplace:browse")


def ids(response):
    """The cars of a browse page, in order (each card carries ``data-car``)."""
    return [int(pk) for pk in re.findall(r'data-car="(\d+)"', response.content.decode())]


def car(**vehicle):
    listing_fields = {
        k: vehicle.pop(k)
        for k in list(vehicle)
        if k
        in {"price", "dealer", "status", "inspection_grade", "is_accident", "is_flood", "is_fire", "published_at", "description"}
    }
    return ListingFactory(vehicle=VehicleFactory(**vehicle), **listing_fields)


@pytest.fixture
def cars(dealer, other_dealer):
    now = timezone.now()
    return {
        "corolla": car(
            make="Toyota",
            model="Corolla",
            year=2021,
            mileage_km=35000,
            price=Decimal("98000"),
            city="北京",
            fuel="petrol",
            transmission="cvt",
            body_type="sedan",
            dealer=dealer,
            inspection_grade=1,
            published_at=now - dt.timedelta(days=3),
        ),
        "han": car(
            make="BYD",
            model="Han EV",
            year=2022,
            mileage_km=18000,
            price=Decimal("168000"),
            city="上海",
            fuel="ev",
            transmission="single_speed",
            body_type="sedan",
            engine_displacement_l=None,
            battery_kwh=Decimal("85.4"),
            emission_standard="none",
            dealer=other_dealer,
            inspection_grade=2,
            is_flood=True,
            published_at=now - dt.timedelta(days=1),
            description="Panoramic roof",
        ),
        "rav4": car(
            make="Toyota",
            model="RAV4",
            year=2019,
            mileage_km=90000,
            price=Decimal("135000"),
            city="广州",
            fuel="petrol",
            transmission="automatic",
            body_type="suv",
            dealer=dealer,
            inspection_grade=3,
            is_accident=True,
            published_at=now - dt.timedelta(days=2),
        ),
        "gl8": car(
            make="Buick",
            model="GL8",
            year=2020,
            mileage_km=60000,
            price=Decimal("210000"),
            city="北京",
            fuel="petrol",
            transmission="automatic",
            body_type="mpv",
            seats=7,
            dealer=other_dealer,
            inspection_grade=2,
            is_fire=True,
            published_at=now - dt.timedelta(days=5),
        ),
        "draft": car(make="Toyota", model="Corolla", status=Listing.Status.DRAFT, dealer=dealer, published_at=None),
    }


# --- browse: every filter and sort ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["han", "rav4", "corolla", "gl8"]),
        ({"make": "Toyota"}, ["rav4", "corolla"]),
        ({"make": "丰田"}, ["rav4", "corolla"]),
        ({"make": "toyota", "model": "RAV4"}, ["rav4"]),
        ({"price_min": "100000", "price_max": "200000"}, ["han", "rav4"]),
        ({"year_min": "2020", "year_max": "2021"}, ["corolla", "gl8"]),
        ({"mileage_max": "35000"}, ["han", "corolla"]),
        ({"city": "北京"}, ["corolla", "gl8"]),
        ({"fuel": "ev"}, ["han"]),
        ({"transmission": "automatic"}, ["rav4", "gl8"]),
        ({"body": "mpv"}, ["gl8"]),
        ({"grade": "2"}, ["han", "corolla", "gl8"]),
        ({"grade": "1"}, ["corolla"]),
        ({"no_accident": "on"}, ["han", "corolla", "gl8"]),
        ({"no_flood": "on"}, ["rav4", "corolla", "gl8"]),
        ({"no_fire": "on"}, ["han", "rav4", "corolla"]),
        ({"q": "比亚迪"}, ["han"]),
        ({"q": "panoramic"}, ["han"]),
        ({"q": "toyota rav4"}, ["rav4"]),
        ({"sort": "price_asc"}, ["corolla", "rav4", "han", "gl8"]),
        ({"sort": "price_desc"}, ["gl8", "han", "rav4", "corolla"]),
        ({"sort": "mileage"}, ["han", "corolla", "gl8", "rav4"]),
        ({"sort": "year"}, ["han", "corolla", "gl8", "rav4"]),
        ({"sort": "newest"}, ["han", "rav4", "corolla", "gl8"]),
    ],
)
def test_each_filter_and_sort_returns_the_right_cars_in_order(client, cars, params, expected):
    response = client.get(BROWSE, params)
    assert response.status_code == 200
    assert ids(response) == [cars[name].pk for name in expected]


def test_the_dealer_filter_shows_one_dealers_cars(client, cars, dealer):
    response = client.get(BROWSE, {"dealer": dealer.pk})
    assert set(ids(response)) == {cars["corolla"].pk, cars["rav4"].pk}


def test_no_match_shows_the_empty_state_with_clear_filters(client, cars):
    response = client.get(BROWSE, {"make": "Ferrari"})
    assert 'data-testid="empty-state"' in response.content.decode()
    assert "Clear filters" in response.content.decode()


def test_a_bad_number_is_ignored_rather_than_crashing(client, cars):
    assert client.get(BROWSE, {"price_min": "cheap", "page": "999"}).status_code == 200


def test_make_model_and_city_are_pickers_from_the_catalogue_with_the_choice_kept(client, cars):
    html = client.get(BROWSE, {"make": "Toyota", "model": "RAV4", "city": "北京"}).content.decode()
    assert 'name="make" data-make-select' in html and '<option value="Toyota" selected>' in html
    assert '<option value="RAV4" selected>' in html and '<option value="Corolla">' in html  # models of that make
    assert '<option value="北京" selected>' in html
    assert '<select name="dealer"' not in html  # never a table in a select


def test_result_count_is_shown(client, cars):
    assert "4 cars for sale" in client.get(BROWSE).content.decode()


@pytest.mark.parametrize("size", [2, 24])
def test_browse_keeps_a_constant_query_count(client, buyer, dealer, assert_max_queries, size, jpeg):
    for _ in range(size):
        listing = ListingFactory(dealer=dealer)
        ListingPhoto.objects.create(listing=listing, image="x.jpg", display="x.jpg", thumbnail="x.jpg", is_cover=True)
    client.force_login(buyer)
    session = client.session
    session[COMPARE_KEY] = list(Listing.objects.values_list("pk", flat=True)[:3])
    session.save()
    with assert_max_queries(8):
        response = client.get(BROWSE, {"sort": "price_asc", "make": "Toyota"})
    assert len(ids(response)) == size


# --- detail ----------------------------------------------------------------------------------------


def test_detail_shows_the_car_and_keeps_within_ten_queries(client, buyer, dealer, assert_max_queries):
    listing = ListingFactory(dealer=dealer)
    for position in range(6):
        ListingPhoto.objects.create(
            listing=listing, image="x.jpg", display="x.jpg", thumbnail="x.jpg", position=position, is_cover=position == 0
        )
    others = [ListingFactory(dealer=dealer) for _ in range(3)]
    client.force_login(buyer)
    session = client.session
    session[COMPARE_KEY] = [o.pk for o in others]
    session.save()
    client.get(reverse("marketplace:detail", args=[others[0].pk]))  # something in "recently viewed"
    with assert_max_queries(10):
        response = client.get(reverse("marketplace:detail", args=[listing.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Corolla" in html and "¥98,000" in html
    assert 'data-slot="inspection"' in html and 'data-slot="reserve"' in html


def test_drafts_are_404_for_the_public_but_visible_to_their_dealer(client, dealer, other_dealer):
    draft = ListingFactory(dealer=dealer, status=Listing.Status.DRAFT)
    url = reverse("marketplace:detail", args=[draft.pk])
    assert client.get(url).status_code == 404
    client.force_login(other_dealer)
    assert client.get(url).status_code == 404
    client.force_login(dealer)
    assert client.get(url).status_code == 200


def test_recently_viewed_lists_cars_the_visitor_opened(client, cars):
    mine = reverse("marketplace:mine")
    client.get(mine, {"viewed": cars["han"].pk})  # what a detail page's script asks
    client.get(mine, {"viewed": cars["gl8"].pk})
    recent = client.get(mine).json()["recent"]
    found = [int(pk) for pk in re.findall(r'href="/cars/(\d+)/"', recent)]
    assert found == [cars["gl8"].pk, cars["han"].pk]


def test_the_detail_page_itself_carries_nothing_of_the_visitor(client, cars):
    client.get(reverse("marketplace:mine"), {"viewed": cars["han"].pk})
    client.post(reverse("marketplace:compare_add"), {"listing": cars["han"].pk})
    html = client.get(reverse("marketplace:detail", args=[cars["gl8"].pk])).content.decode()
    assert 'data-testid="compare-tray"' not in html and "Recently viewed" not in html
    assert 'data-mine="tray"' in html and 'data-mine="recent"' in html


# --- compare ---------------------------------------------------------------------------------------


def test_compare_refuses_a_fifth_car_with_a_message(client, cars, dealer):
    fifth = ListingFactory(dealer=dealer)
    for name in ("corolla", "han", "rav4", "gl8"):
        client.post(reverse("marketplace:compare_add"), {"listing": cars[name].pk})
    response = client.post(reverse("marketplace:compare_add"), {"listing": fifth.pk}, follow=True)
    assert "You can compare up to 4 cars" in response.content.decode()
    assert fifth.pk not in client.session[COMPARE_KEY]
    assert len(client.session[COMPARE_KEY]) == 4


def test_compare_flags_differences_and_marks_the_best_values(client, cars, assert_max_queries):
    for name in ("corolla", "han", "rav4"):
        client.post(reverse("marketplace:compare_add"), {"listing": cars[name].pk})
    with assert_max_queries(8):
        response = client.get(reverse("marketplace:compare"))
    rows = {str(row.label): row for row in response.context_data["rows"]}
    assert rows["Price"].differs and rows["Price"].best == {0}  # the Corolla is cheapest
    assert rows["Mileage"].best == {1}  # the Han has the lowest mileage
    assert rows["Model year"].best == {1}  # and is the newest
    assert not rows["Seats"].differs
    html = response.content.decode()
    assert 'class="differs"' in html and 'class="same"' in html and "bi-trophy-fill" in html


def test_compare_can_remove_a_car(client, cars):
    client.post(reverse("marketplace:compare_add"), {"listing": cars["han"].pk})
    client.post(reverse("marketplace:compare_remove"), {"listing": cars["han"].pk})
    assert client.session[COMPARE_KEY] == []


def test_the_compare_tray_comes_with_the_visitor_s_own_cars(client, cars):
    client.post(reverse("marketplace:compare_add"), {"listing": cars["han"].pk})
    mine = client.get(reverse("marketplace:mine"))
    assert mine["Cache-Control"].startswith("max-age=0") or "no-cache" in mine["Cache-Control"]
    data = mine.json()
    assert data["compare"] == [cars["han"].pk]
    assert 'data-testid="compare-tray"' in data["tray"] and f"?ids={cars['han'].pk}" in data["tray"]


def test_a_compare_link_shows_those_cars_to_anyone(client, cars):
    link = f"{reverse('marketplace:compare')}?ids={cars['han'].pk},{cars['gl8'].pk},{cars['draft'].pk},x"
    response = client.get(link)
    assert [car.pk for car in response.context_data["cars"]] == [cars["han"].pk, cars["gl8"].pk]  # drafts stay private


def test_the_compare_button_answers_the_script_in_json_and_keeps_the_visitor_in_place(client, cars):
    response = client.post(
        reverse("marketplace:compare_add"), {"listing": cars["han"].pk}, headers={"accept": "application/json"}
    )
    assert response.status_code == 200 and response.json()["compare"] == [cars["han"].pk]
    response = client.post(
        reverse("marketplace:compare_remove"), {"listing": cars["han"].pk}, headers={"accept": "application/json"}
    )
    assert response.json()["compare"] == []


# --- favourites ------------------------------------------------------------------------------------


def test_a_buyer_saves_a_favourite_and_sees_it_listed(client, buyer, cars):
    client.force_login(buyer)
    client.post(reverse("marketplace:favourite", args=[cars["han"].pk]))
    assert Favourite.objects.filter(user=buyer, listing=cars["han"]).exists()
    response = client.get(reverse("marketplace:favourites"))
    assert "Han EV" in response.content.decode()


def test_favourites_page_requires_sign_in(client):
    response = client.get(reverse("marketplace:favourites"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_dealer_on_the_buyer_pages_is_refused_with_403_and_nothing_is_saved(client, dealer, other_dealer):
    listing = ListingFactory(dealer=dealer)
    client.force_login(other_dealer)
    assert client.get(reverse("marketplace:favourites")).status_code == 403
    assert client.post(reverse("marketplace:favourite", args=[listing.pk])).status_code == 403
    assert client.post(reverse("marketplace:ask", args=[listing.pk]), {"body": "Hello"}).status_code == 403
    assert not Favourite.objects.exists() and not Conversation.objects.exists()


def test_the_favourite_button_is_offered_to_buyers_and_visitors_only(client, buyer, other_dealer):
    listing = ListingFactory()
    action = f'action="{reverse("marketplace:favourite", args=[listing.pk])}"'
    assert action in client.get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    client.force_login(buyer)
    assert action in client.get(reverse("marketplace:detail", args=[listing.pk])).content.decode()
    client.force_login(other_dealer)
    assert action not in client.get(reverse("marketplace:detail", args=[listing.pk])).content.decode()


# --- dealer workspace scoping ----------------------------------------------------------------------


def form_data(**overrides):
    data = {
        "vin": "LFMAB2BR2PA123456",
        "make": "Toyota",
        "model": "Corolla",
        "trim": "1.2T",
        "year": "2021",
        "first_registration": "2021-05-10",
        "mileage_km": "42000",
        "fuel": "petrol",
        "transmission": "cvt",
        "body_type": "sedan",
        "colour": "White",
        "engine_displacement_l": "1.2",
        "battery_kwh": "",
        "emission_standard": "cn6b",
        "seats": "5",
        "previous_owners": "1",
        "city": "北京",
        "price": "98000",
        "description": "Clean car",
    }
    data.update(overrides)
    return data


def test_a_dealer_posts_a_car_through_the_form(client, dealer):
    from marketplace.vin import check_digit

    vin = "LFMAB2BR0PA123456"
    vin = vin[:8] + check_digit(vin) + vin[9:]
    client.force_login(dealer)
    response = client.post(reverse("marketplace:listing_create"), form_data(vin=vin))
    assert response.status_code == 302
    assert Listing.objects.get(dealer=dealer).status == Listing.Status.DRAFT


def test_the_form_shows_clear_field_errors(client, dealer):
    client.force_login(dealer)
    response = client.post(
        reverse("marketplace:listing_create"), form_data(vin="LFMAB2BR9PA12345O", price="300", mileage_km="9000000")
    )
    errors = response.context["form"].errors
    assert "I, O or Q" in errors["vin"][0]
    assert "at least ¥1,000" in errors["price"][0]
    assert "plausible mileage" in errors["mileage_km"][0]


def test_my_cars_shows_status_tabs_with_counts(client, dealer, cars):
    client.force_login(dealer)
    response = client.get(reverse("marketplace:my_cars"))
    tabs = {value: count for value, label, count in response.context["tabs"]}
    assert tabs["published"] == 2 and tabs["draft"] == 1
    assert client.get(reverse("marketplace:my_cars"), {"status": "draft"}).context["listings"][0].pk == cars["draft"].pk


def test_another_dealer_gets_404_on_every_edit_delete_and_photo_action(client, dealer, other_dealer, jpeg):
    listing = ListingFactory(dealer=dealer, status=Listing.Status.DRAFT)
    photo = services.photo_add(listing=listing, actor=dealer, file=jpeg())
    client.force_login(other_dealer)
    assert client.get(reverse("marketplace:listing_edit", args=[listing.pk])).status_code == 404
    assert client.post(reverse("marketplace:listing_edit", args=[listing.pk]), form_data()).status_code == 404
    for action in ("submit", "publish", "withdraw", "delete"):
        assert client.post(reverse("marketplace:listing_action", args=[listing.pk]), {"action": action}).status_code == 404
    assert client.get(reverse("marketplace:listing_photos", args=[listing.pk])).status_code == 404
    assert client.post(reverse("marketplace:listing_photos", args=[listing.pk]), {"photos": jpeg()}).status_code == 404
    for action in ("up", "down", "cover", "delete"):
        assert client.post(reverse("marketplace:photo_action", args=[photo.pk]), {"action": action}).status_code == 404
    assert Listing.objects.filter(pk=listing.pk, status=Listing.Status.DRAFT).exists()
    assert ListingPhoto.objects.filter(pk=photo.pk).exists()


def test_a_buyer_in_the_dealer_workspace_is_refused_with_403(client, buyer, dealer, jpeg):
    listing = ListingFactory(dealer=dealer, status=Listing.Status.DRAFT)
    photo = services.photo_add(listing=listing, actor=dealer, file=jpeg())
    client.force_login(buyer)
    for url in (
        reverse("marketplace:my_cars"),
        reverse("marketplace:listing_create"),
        reverse("marketplace:listing_edit", args=[listing.pk]),
        reverse("marketplace:listing_photos", args=[listing.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("marketplace:listing_action", args=[listing.pk]), {"action": "delete"}).status_code == 403
    assert client.post(reverse("marketplace:photo_action", args=[photo.pk]), {"action": "delete"}).status_code == 403
    assert Listing.objects.filter(pk=listing.pk).exists() and ListingPhoto.objects.filter(pk=photo.pk).exists()


def test_the_dealer_workspace_sends_visitors_to_sign_in(client, dealer):
    listing = ListingFactory(dealer=dealer, status=Listing.Status.DRAFT)
    for url in (reverse("marketplace:my_cars"), reverse("marketplace:listing_edit", args=[listing.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), url


def test_publishing_without_a_report_shows_a_clear_message(client, dealer):
    listing = ListingFactory(dealer=dealer, status=Listing.Status.AWAITING_INSPECTION)
    client.force_login(dealer)
    response = client.post(reverse("marketplace:listing_action", args=[listing.pk]), {"action": "publish"}, follow=True)
    assert "needs a published inspection report" in response.content.decode()


# --- photo uploads through the view ----------------------------------------------------------------


def test_uploading_a_non_image_is_refused_with_a_message(client, dealer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    listing = ListingFactory(dealer=dealer, status=Listing.Status.DRAFT)
    client.force_login(dealer)
    fake = SimpleUploadedFile("car.jpg", b"MZ\x90\x00 not a jpeg", content_type="image/jpeg")
    response = client.post(reverse("marketplace:listing_photos", args=[listing.pk]), {"photos": fake})
    assert "not a valid image" in response.content.decode()
    assert not listing.photos.exists()


def test_uploading_a_decompression_bomb_is_refused(client, dealer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, format="PNG")
    listing = ListingFactory(dealer=dealer, status=Listing.Status.DRAFT)
    client.force_login(dealer)
    response = client.post(
        reverse("marketplace:listing_photos", args=[listing.pk]),
        {"photos": SimpleUploadedFile("b.png", buffer.getvalue(), "image/png")},
    )
    assert "too many pixels" in response.content.decode()
    assert not listing.photos.exists()


def test_uploaded_photos_are_stored_without_gps(client, dealer, jpeg):
    listing = ListingFactory(dealer=dealer, status=Listing.Status.DRAFT)
    client.force_login(dealer)
    response = client.post(reverse("marketplace:listing_photos", args=[listing.pk]), {"photos": [jpeg(gps=True), jpeg()]})
    assert response.status_code == 302
    photo = listing.photos.first()
    with photo.image.open("rb") as handle:
        assert not Image.open(handle).getexif()
    assert listing.photos.count() == 2


# --- conversations ---------------------------------------------------------------------------------


def test_buyer_asks_and_dealer_sees_the_thread_with_an_unread_marker(client, buyer, dealer):
    listing = ListingFactory(dealer=dealer)
    client.force_login(buyer)
    response = client.post(reverse("marketplace:ask", args=[listing.pk]), {"body": "My number is 13912345678"})
    conversation = Conversation.objects.get()
    assert response.url == reverse("marketplace:conversation", args=[conversation.pk])
    client.force_login(dealer)
    inbox = client.get(reverse("marketplace:conversations")).content.decode()
    assert 'data-testid="unread"' in inbox
    thread = client.get(reverse("marketplace:conversation", args=[conversation.pk])).content.decode()
    assert "139****5678" in thread and "13912345678" not in thread
    assert 'data-testid="unread"' not in client.get(reverse("marketplace:conversations")).content.decode()


def test_a_third_user_cannot_read_a_thread(client, buyer, other_buyer, dealer, other_dealer, staff_user):
    conversation = services.conversation_start(listing=ListingFactory(dealer=dealer), buyer=buyer, body="Hello")
    url = reverse("marketplace:conversation", args=[conversation.pk])
    for outsider in (other_buyer, other_dealer):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"body": "let me in"}).status_code == 404
    client.force_login(staff_user)
    assert client.get(url).status_code == 200
    assert conversation.messages.count() == 1


@pytest.mark.django_db
def test_a_detail_view_by_a_visitor_is_counted_for_the_dealer_funnel_but_not_the_dealers_own(client, settings):
    from insights.models import ListingViewStat

    listing = ListingFactory()
    mine = reverse("marketplace:mine")
    client.get(mine, {"viewed": listing.pk})  # the detail page's script reports the view (the page may be cached)
    client.get(mine, {"viewed": listing.pk})
    client.get(mine, {"viewed": "not-a-number"})
    client.force_login(listing.dealer)
    client.get(mine, {"viewed": listing.pk})
    assert sum(ListingViewStat.objects.filter(listing=listing).values_list("views", flat=True)) == 2


def test_my_cars_offers_no_publish_button_for_sold_or_reserved_cars(client, dealer):
    sold = ListingFactory(dealer=dealer, status=Listing.Status.SOLD)
    reserved = ListingFactory(dealer=dealer, status=Listing.Status.RESERVED)
    client.force_login(dealer)
    page = client.get(reverse("marketplace:my_cars")).content.decode()
    assert f'action="{reverse("marketplace:listing_action", args=[sold.pk])}"' in page
    assert 'value="publish"' not in page
    response = client.post(reverse("marketplace:listing_action", args=[sold.pk]), {"action": "publish"}, follow=True)
    assert "only through its order" in response.content.decode()
    sold.refresh_from_db()
    reserved.refresh_from_db()
    assert (sold.status, reserved.status) == (Listing.Status.SOLD, Listing.Status.RESERVED)
