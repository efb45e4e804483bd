"""A small world of objects, each owned by `buyer` / `dealer`, for requests by everyone else.

Built with the apps' own factories and services, so the objects are in states the real site produces.
`SECRETS` are private texts planted in them: a page shown to a stranger must never contain one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from conftest import make_user

ROLES = ["anonymous", "buyer", "other_buyer", "dealer", "other_dealer", "inspector", "staff"]

SECRET_QUESTION = "SECRET-QUESTION-7f3a Is the price negotiable for me?"
SECRET_NOTIFICATION = "SECRET-NOTE-91c2"
SECRET_COMPLAINT = "SECRET-COMPLAINT-5be1 engine light"
SECRET_REQUEST = "SECRET-REPAIR-0d44 gearbox noise"
SECRET_CLAIM = "SECRET-CLAIM-aa19 oil leak"
SECRETS = [SECRET_QUESTION, SECRET_NOTIFICATION, SECRET_COMPLAINT, SECRET_REQUEST, SECRET_CLAIM]


@dataclass
class World:
    users: dict
    ids: dict = field(default_factory=dict)
    private: dict = field(default_factory=dict)  # url name -> secrets its owner may see but strangers may not


def _jpeg(name="photo.jpg"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 90, 200)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def build_users() -> dict:
    from accounts.models import User

    return {
        "buyer": make_user("w_buyer", phone="13812341234", id_number="110101199003071234", full_name="Wang Buyer"),
        "other_buyer": make_user("w_otherbuyer", phone="13900001111", full_name="Li Other"),
        "dealer": make_user("w_dealer", User.Role.DEALER, full_name="Zhao Dealer"),
        "other_dealer": make_user("w_otherdealer", User.Role.DEALER, full_name="Qian Other"),
        "inspector": make_user("w_inspector", User.Role.INSPECTOR, full_name="Sun Inspector"),
        "staff": make_user("w_staff", User.Role.STAFF, is_staff=True, is_superuser=True, full_name="Zhou Staff"),
    }


def build_world() -> World:
    users = build_users()
    world = World(users=users)
    buyer, dealer, inspector = users["buyer"], users["dealer"], users["inspector"]
    ids = world.ids
    now = timezone.now()

    from marketplace import services as market
    from marketplace.models import Listing
    from marketplace.tests.factories import ListingFactory

    published = ListingFactory(dealer=dealer)
    draft = ListingFactory(dealer=dealer, status=Listing.Status.DRAFT, published_at=None)
    ids["listing"] = published.pk
    ids["draft_listing"] = draft.pk
    photo = market.photo_add(listing=draft, actor=dealer, file=_jpeg())
    ids["photo"] = photo.pk
    ids["photo_path"] = photo.image.name
    ids["conversation"] = market.conversation_start(listing=published, buyer=buyer, body=SECRET_QUESTION).pk

    from notifications.kinds import notice_kind
    from notifications.services import notify

    secret_kind = notice_kind("security.test", label="Security test", subject="%(secret)s")
    ids["notification"] = notify(buyer, secret_kind, "security-matrix-1", params={"secret": SECRET_NOTIFICATION}, url="/").pk

    from inspections import services as insp
    from inspections.tests.factories import draft_report, published_report

    to_inspect = ListingFactory(dealer=dealer, status=Listing.Status.DRAFT, published_at=None)
    ids["inspection_listing"] = to_inspect.pk
    ids["inspection_request"] = insp.request_create(listing=to_inspect, actor=dealer).pk
    ids["report"] = published_report(vehicle=published.vehicle, inspector=inspector, listing=published).pk
    ids["draft_report"] = draft_report(vehicle=draft.vehicle, inspector=inspector, listing=draft).pk

    from contracts.tests.factories import delivered_order, reserve

    order = delivered_order(buyer=buyer, dealer=dealer)
    ids["order"] = order.pk
    ids["reserved_order"] = reserve(buyer=buyer, dealer=dealer).pk
    ids["reservable_listing"] = ListingFactory(dealer=dealer).pk

    from contracts import services as contracts

    ids["amendment"] = contracts.amendment_create(
        contract=order.contract, kind="other", payload={"reason": "Winter tyres included."}, actor=dealer
    ).pk

    from warranty import services as warranty
    from warranty.models import Coverage, Part

    coverage = Coverage.objects.get(order=order)  # started by the delivery
    ids["after_sales_request"] = warranty.request_create(
        coverage=coverage, actor=buyer, kind="repair", description=SECRET_REQUEST, odometer_km=coverage.delivery_odometer_km + 50
    ).pk
    part = Part.objects.filter(group__code="engine").first() or Part.objects.first()
    ids["claim"] = warranty.claim_open(
        coverage=coverage,
        actor=buyer,
        part=part,
        symptom=SECRET_CLAIM,
        odometer_km=coverage.delivery_odometer_km + 60,
        failed_on=timezone.localdate(now),
    ).pk

    from complaints.tests.factories import file_complaint, jpeg_upload

    complaint = file_complaint(buyer=buyer, dealer=dealer, order=order, description=SECRET_COMPLAINT, files=[jpeg_upload()])
    ids["complaint"] = complaint.pk
    ids["complaint_attachment"] = complaint.attachments.first().pk

    from surveys.services import survey_token
    from surveys.tests.factories import sent_survey

    ids["survey_token"] = survey_token(sent_survey(buyer=buyer, dealer=dealer, sent_at=now - dt.timedelta(days=1)))

    from insights.services.reviews import review_create

    ids["review"] = review_create(
        order=order, buyer=buyer, overall=4, as_described=4, communication=5, delivery=4, comment="Fine"
    ).pk

    from marketplace.tests.security_world import add_buyer_features

    add_buyer_features(world)
    return world
