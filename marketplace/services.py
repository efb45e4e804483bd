"""Every write of the marketplace: listings and their lifecycle, photos, favourites, conversations."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_buyer, is_dealer, is_platform_staff
from core import pagecache
from core.errors import DomainError, InvalidTransition, PermissionDeniedError
from core.images import process_upload
from core.statemachine import audit
from notifications.kinds import localized
from notifications.services import Notice, notify, notify_many

from . import appointments, notices, price_history
from .models import Conversation, Favourite, Listing, ListingPhoto, Message, Vehicle

MAX_PHOTOS = 20
VEHICLE_FIELDS = (
    "vin",
    "make",
    "model",
    "trim",
    "year",
    "first_registration",
    "mileage_km",
    "fuel",
    "transmission",
    "body_type",
    "colour",
    "engine_displacement_l",
    "battery_kwh",
    "emission_standard",
    "seats",
    "previous_owners",
    "city",
)
# Once a car is on sale its facts are those the inspection report certified; only price and text change.
FACTS_EDITABLE = (Listing.Status.DRAFT, Listing.Status.AWAITING_INSPECTION, Listing.Status.WITHDRAWN)
TEXT_EDITABLE = (*FACTS_EDITABLE, Listing.Status.PUBLISHED)


class DuplicateVin(DomainError):
    """Another active listing already offers this VIN."""


class ReportRequired(DomainError):
    """Publishing needs a published inspection report."""


def _require_owner(listing: Listing, actor) -> None:
    if actor is None:
        return
    if actor.pk != listing.dealer_id and not is_platform_staff(actor):
        raise PermissionDeniedError(_("Only the dealer who posted this car can change it."), code="not_owner")


def _check_vin_free(vin: str, *, exclude_listing: Listing | None = None) -> None:
    clash = Listing.objects.filter(vehicle__vin=vin, status__in=Listing.ACTIVE_STATUSES)
    if exclude_listing is not None and exclude_listing.pk:
        clash = clash.exclude(pk=exclude_listing.pk)
    if clash.exists():
        raise DuplicateVin(_("A car with this VIN is already listed. Withdraw that listing first."), code="duplicate_vin")


@transaction.atomic
def listing_create(*, dealer, vehicle_data: dict, price: Decimal, description: str = "") -> Listing:
    """A dealer posts a car as a draft. Refuses implausible data and a VIN that is already on sale."""
    if not is_dealer(dealer):
        raise PermissionDeniedError(_("Only dealers can post cars."), code="not_dealer")
    vehicle = Vehicle(**{k: v for k, v in vehicle_data.items() if k in VEHICLE_FIELDS})
    listing = Listing(dealer=dealer, price=price, description=description, status=Listing.Status.DRAFT)
    errors = {}
    for obj, exclude in ((vehicle, []), (listing, ["vehicle", "dealer"])):
        try:
            obj.full_clean(exclude=exclude)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    _check_vin_free(vehicle.vin)
    vehicle.save()
    listing.vehicle = vehicle
    listing.copy_facts()
    listing.save()
    audit(listing, action="created", actor=dealer, to_status=listing.status)
    return listing


@transaction.atomic
def listing_update(*, listing: Listing, actor, vehicle_data: dict | None = None, price=None, description=None) -> Listing:
    """Edit a car. Facts only before publication; price and description while on sale; nothing after."""
    _require_owner(listing, actor)
    if listing.status not in TEXT_EDITABLE:
        raise DomainError(_("A reserved or sold car cannot be edited."), code="not_editable")
    vehicle = listing.vehicle
    changed_vehicle = []
    if vehicle_data:
        for field in VEHICLE_FIELDS:
            if field in vehicle_data and getattr(vehicle, field) != vehicle_data[field]:
                changed_vehicle.append(field)
        if changed_vehicle and listing.status not in FACTS_EDITABLE:
            raise DomainError(
                _("The car's facts are certified by its inspection report; withdraw it to correct them."), code="facts_locked"
            )
        for field in changed_vehicle:
            setattr(vehicle, field, vehicle_data[field])
        if changed_vehicle:
            vehicle.full_clean()
            if "vin" in changed_vehicle:
                _check_vin_free(vehicle.vin, exclude_listing=listing)
            vehicle.save(update_fields=[*changed_vehicle, "updated_at"])
    changed = []
    if description is not None and description != listing.description:
        listing.description = description
        changed.append("description")
    changed += listing.copy_facts()
    if changed:
        listing.save(update_fields=changed)
    if price is not None and Decimal(price) != listing.price:
        listing_set_price(listing=listing, actor=actor, price=Decimal(price))
    return listing


@transaction.atomic
def listing_set_price(*, listing: Listing, actor, price: Decimal, now=None) -> Listing:
    """Change the asking price. Every change is recorded (``PriceChange``, the detail page's history); a drop
    marks the car "reduced" while it is recent and tells every buyer who saved it — once per change."""
    _require_owner(listing, actor)
    now = now or timezone.now()
    old = listing.price
    listing.price = Decimal(price)
    if listing.price == old:
        return listing
    listing.full_clean(exclude=["vehicle", "dealer"])
    drop_fields = price_history.mark_change(listing, old=old, now=now)
    listing.save(update_fields=["price", *drop_fields, "updated_at"])
    price_history.record(listing=listing, old=old, actor=actor, now=now)
    audit(listing, action="price_changed", actor=actor, note=f"{old} → {listing.price}")
    if listing.price < old and listing.status == Listing.Status.PUBLISHED:
        _tell_favourites_of_price_drop(listing, old=old)
    return listing


def _tell_favourites_of_price_drop(listing: Listing, *, old: Decimal) -> None:
    """Every buyer who saved the car hears of a drop once per new price (the key carries the price: a dealer
    bouncing the price back and forth does not repeat the same news)."""
    url = reverse("marketplace:detail", args=[listing.pk])
    new = f"{listing.price:,.0f}"
    params = {"car": localized(lambda: listing.title), "price": new, "old": f"{old:,.0f}", "new": new}
    notify_many(
        Notice(
            favourite.user,
            notices.PRICE_DROP,
            f"favourite-price-drop:{listing.pk}:{listing.price}:{favourite.user_id}",
            params=params,
            url=url,
        )
        for favourite in listing.favourites.select_related("user")
    )


def _locked_own(listing: Listing, actor) -> Listing:
    """The listing's row, locked, after checking that ``actor`` may move it (its dealer or staff)."""
    _require_owner(listing, actor)
    return Listing.objects.select_for_update().select_related("vehicle").get(pk=listing.pk)


def _dealer_move(listing: Listing, to_status: str, *, actor, check=None, **fields) -> Listing:
    """Lock the row, run ``check`` on it, move it along the map (an audit row is written) setting ``fields``,
    save it, and let the caller's instance see the new state."""
    locked = _locked_own(listing, actor)
    if check is not None:
        check(locked)
    locked.transition_to(to_status, actor=actor)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=["status", *fields, "updated_at"])
    for name in ("status", *fields):
        setattr(listing, name, getattr(locked, name))
    return locked


def _publishable(listing: Listing) -> None:
    if listing.status in (Listing.Status.RESERVED, Listing.Status.SOLD):
        # Those go back on sale only through their order (reservation cancelled or expired, car returned),
        # never from the dealer's list: the buyer's order would be left pointing at a car on sale.
        raise InvalidTransition(
            _("A reserved or sold car goes back on sale only through its order (cancellation or an accepted return)."),
            code="has_order",
        )
    if not listing.has_published_report:
        raise ReportRequired(
            _("This car cannot be published yet: it needs a published inspection report."), code="report_required"
        )


def _vin_still_free(listing: Listing) -> None:
    if listing.status == Listing.Status.WITHDRAWN:
        _check_vin_free(listing.vehicle.vin, exclude_listing=listing)


@transaction.atomic
def listing_submit_for_inspection(*, listing: Listing, actor) -> Listing:
    """Draft → awaiting inspection (the dealer asks an inspector to check the car)."""
    return _dealer_move(listing, Listing.Status.AWAITING_INSPECTION, actor=actor)


@transaction.atomic
def listing_publish(*, listing: Listing, actor) -> Listing:
    """Put a car on sale. Refused unless the inspections app has published a report for the vehicle, and
    for reserved or sold cars (they go back on sale through their order)."""
    return _dealer_move(
        listing, Listing.Status.PUBLISHED, actor=actor, check=_publishable, published_at=timezone.now(), alerts_matched_at=None
    )


@transaction.atomic
def listing_withdraw(*, listing: Listing, actor) -> Listing:
    """Take a car off sale (any state the map allows: draft, awaiting inspection, published); its future
    viewings are cancelled, the buyers told."""
    locked = _dealer_move(listing, Listing.Status.WITHDRAWN, actor=actor)
    appointments.appointments_cancel_for_car(listing=locked, actor=actor, reason=appointments.CarGone.WITHDRAWN)
    return locked


@transaction.atomic
def listing_back_to_draft(*, listing: Listing, actor) -> Listing:
    """Withdrawn or awaiting inspection → draft, to correct the car's facts; the VIN must still be free."""
    return _dealer_move(listing, Listing.Status.DRAFT, actor=actor, check=_vin_still_free)


# --- moves driven by an order (contracts calls these; marketplace owns the map) ----------------------


def listing_lock(listing_pk: int) -> Listing:
    """Lock a listing row for a move (``SELECT … FOR UPDATE``). Callers that also lock an order lock the
    listing first, always, so two flows on the same car queue instead of deadlocking."""
    return Listing.objects.select_for_update().select_related("vehicle", "dealer").get(pk=listing_pk)


def _order_move(listing: Listing, to_status: str, *, allowed_from: tuple[str, ...], actor, note: str) -> Listing:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("listing moves run inside the caller's transaction, on a row it has locked (listing_lock)")
    if listing.status not in allowed_from:
        labels = dict(Listing.Status.choices)
        raise InvalidTransition(
            _("This car is %(status)s; it cannot become %(new)s.")
            % {"status": labels.get(listing.status, listing.status), "new": labels.get(to_status, to_status)},
            code="invalid_transition",
        )
    listing.transition_to(to_status, actor=actor, note=note)
    listing.save(update_fields=["status", "updated_at"])
    return listing


def listing_reserve(*, listing: Listing, actor, note: str = "") -> Listing:
    """published → reserved, when a buyer reserves it (``listing`` locked by the caller). Other buyers' future
    viewings of the car are cancelled and they are told; the reserving buyer keeps theirs."""
    _order_move(listing, Listing.Status.RESERVED, allowed_from=(Listing.Status.PUBLISHED,), actor=actor, note=note)
    appointments.appointments_cancel_for_car(
        listing=listing, actor=actor, reason=appointments.CarGone.RESERVED, keep_buyer=actor if is_buyer(actor) else None
    )
    return listing


def listing_release(*, listing: Listing, actor, note: str = "") -> Listing:
    """reserved → published: the reservation was cancelled, declined or expired, or the sale was cancelled
    by agreement before delivery (``listing`` locked by the caller)."""
    return _order_move(listing, Listing.Status.PUBLISHED, allowed_from=(Listing.Status.RESERVED,), actor=actor, note=note)


def listing_mark_sold(*, listing: Listing, actor, note: str = "") -> Listing:
    """reserved → sold, at the handover (``listing`` locked by the caller); every future viewing is cancelled."""
    _order_move(listing, Listing.Status.SOLD, allowed_from=(Listing.Status.RESERVED,), actor=actor, note=note)
    appointments.appointments_cancel_for_car(listing=listing, actor=actor, reason=appointments.CarGone.SOLD)
    return listing


def listing_back_on_sale(*, listing: Listing, actor, note: str = "") -> Listing:
    """sold → published: the buyer returned the car inside the guarantee window. It keeps its published
    inspection report (``listing`` locked by the caller)."""
    return _order_move(listing, Listing.Status.PUBLISHED, allowed_from=(Listing.Status.SOLD,), actor=actor, note=note)


@transaction.atomic
def listing_delete(*, listing: Listing, actor) -> None:
    """Delete a draft or withdrawn car that nobody has ordered; its photo files go too."""
    _require_owner(listing, actor)
    if listing.status not in (Listing.Status.DRAFT, Listing.Status.WITHDRAWN):
        raise DomainError(_("Only drafts and withdrawn cars can be deleted; withdraw it first."), code="not_deletable")
    orders = getattr(listing, "orders", None)
    if orders is not None and orders.exists():
        raise DomainError(_("This car has orders and must be kept for the records."), code="has_orders")
    photos = list(listing.photos.all())
    vehicle = listing.vehicle
    audit(listing, action="deleted", actor=actor, from_status=listing.status)
    listing.delete()
    if not vehicle.listings.exists():
        vehicle.delete()
    transaction.on_commit(lambda: [_delete_files(p) for p in photos])


def _photos_changed(listing_id: int) -> None:
    """The gallery changed: copy the cover's thumbnail (cards) and the gallery (the car's page) onto the listing and
    save it, which moves its ``updated_at`` and the page-cache versions."""
    listing = Listing.objects.get(pk=listing_id)
    photos = list(
        ListingPhoto.objects.filter(listing_id=listing_id)
        .order_by("position", "pk")
        .values_list("display", "thumbnail", "is_cover")
    )
    listing.cover_thumb = next((thumb for _display, thumb, cover in photos if cover), "")
    listing.gallery = [[display, thumb] for display, thumb, _cover in photos]
    listing.save(update_fields=["cover_thumb", "gallery"])


def _delete_files(photo: ListingPhoto) -> None:
    for field in (photo.image, photo.display, photo.thumbnail):
        if field:
            field.storage.delete(field.name)


@transaction.atomic
def photo_add(*, listing: Listing, actor, file) -> ListingPhoto:
    """Store an upload as metadata-free JPEGs (original, display, thumbnail); the first photo is the cover."""
    listing = _locked_own(listing, actor)
    if listing.status == Listing.Status.SOLD:
        raise DomainError(_("Photos of a sold car cannot be changed."), code="sold")
    count = listing.photos.count()
    if count >= MAX_PHOTOS:
        raise DomainError(_("A car can have at most %(n)d photos.") % {"n": MAX_PHOTOS}, code="too_many_photos")
    processed = process_upload(file)
    photo = ListingPhoto(
        listing=listing,
        position=(listing.photos.aggregate(m=Max("position"))["m"] or 0) + 1 if count else 0,
        is_cover=count == 0,
    )
    photo.image.save(processed.original.name, processed.original, save=False)
    photo.display.save(processed.display.name, processed.display, save=False)
    photo.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
    photo.save()
    _photos_changed(listing.pk)
    return photo


@transaction.atomic
def photo_delete(*, photo: ListingPhoto, actor) -> None:
    """Remove a photo; if it was the cover, the next photo in order becomes the cover."""
    listing = photo.listing
    _require_owner(listing, actor)
    was_cover = photo.is_cover
    photo.delete()
    if was_cover:
        successor = listing.photos.order_by("position", "pk").first()
        if successor:
            successor.is_cover = True
            successor.save(update_fields=["is_cover"])
    _photos_changed(listing.pk)
    transaction.on_commit(lambda: _delete_files(photo))


@transaction.atomic
def photo_move(*, photo: ListingPhoto, actor, direction: str) -> None:
    """Swap a photo with its neighbour ("up" = earlier in the gallery, "down" = later)."""
    _require_owner(photo.listing, actor)
    photos = list(ListingPhoto.objects.select_for_update().filter(listing_id=photo.listing_id).order_by("position", "pk"))
    ids = [p.pk for p in photos]
    index = ids.index(photo.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(photos):
        return
    photos[index], photos[target] = photos[target], photos[index]
    for position, item in enumerate(photos):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    _photos_changed(photo.listing_id)


@transaction.atomic
def photo_make_cover(*, photo: ListingPhoto, actor) -> None:
    """Make ``photo`` the one cover (the partial unique constraint guarantees only one)."""
    _require_owner(photo.listing, actor)
    ListingPhoto.objects.filter(listing_id=photo.listing_id, is_cover=True).exclude(pk=photo.pk).update(is_cover=False)
    ListingPhoto.objects.filter(pk=photo.pk).update(is_cover=True)
    _photos_changed(photo.listing_id)


@transaction.atomic
def favourite_add(*, user, listing: Listing) -> Favourite:
    """Save a car (buyers only); saving it twice is harmless."""
    if not is_buyer(user):
        raise PermissionDeniedError(_("Only buyer accounts can save favourites."), code="not_buyer")
    if listing.status != Listing.Status.PUBLISHED:
        raise DomainError(_("This car is no longer on sale."), code="not_on_sale")
    favourite, _created = Favourite.objects.get_or_create(
        user=user, listing=listing, defaults={"price_when_saved": listing.price}
    )
    return favourite


@transaction.atomic
def favourite_remove(*, user, listing: Listing) -> None:
    """Forget a saved car (only the user's own favourite; removing one that is not there is harmless)."""
    Favourite.objects.filter(user=user, listing=listing).delete()


@transaction.atomic
def conversation_start(*, listing: Listing, buyer, body: str) -> Conversation:
    """A buyer asks the dealer about a car: one thread per buyer and listing, reused if it exists."""
    if not is_buyer(buyer):
        raise PermissionDeniedError(_("Sign in with a buyer account to ask the dealer."), code="not_buyer")
    if listing.status not in (Listing.Status.PUBLISHED, Listing.Status.RESERVED, Listing.Status.SOLD):
        raise DomainError(_("This car is not on sale."), code="not_on_sale")
    conversation, _created = Conversation.objects.get_or_create(
        listing=listing, buyer=buyer, defaults={"dealer_id": listing.dealer_id}
    )
    message_send(conversation=conversation, sender=buyer, body=body)
    return conversation


@transaction.atomic
def message_send(*, conversation: Conversation, sender, body: str) -> Message:
    """Post a message; the sender has read the thread, the other party is notified (once per message)."""
    if not conversation.is_party(sender):
        raise PermissionDeniedError(_("You are not part of this conversation."), code="not_party")
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write a message first."), code="empty")
    if len(body) > 2000:
        raise DomainError(_("A message can have at most 2,000 characters."), code="too_long")
    message = Message.objects.create(conversation=conversation, sender=sender, body=body)
    now = message.created_at
    read_field = "buyer_read_at" if sender.pk == conversation.buyer_id else "dealer_read_at"
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now, **{read_field: now})
    conversation.last_message_at = now
    setattr(conversation, read_field, now)
    recipient = conversation.dealer if sender.pk == conversation.buyer_id else conversation.buyer
    from .selectors import message_text_for  # masking depends on the recipient

    listing = conversation.listing
    notify(
        recipient,
        notices.MESSAGE,
        f"marketplace-message:{message.pk}",
        params={"car": localized(lambda: listing.title), "text": message_text_for(message, viewer=recipient)},
        url=reverse("marketplace:conversation", args=[conversation.pk]),
    )
    return message


def conversation_mark_read(*, conversation: Conversation, user) -> None:
    """Remember that ``user`` has seen the thread up to now (staff reading leaves no trace)."""
    now = timezone.now()
    if user.pk == conversation.buyer_id:
        Conversation.objects.filter(pk=conversation.pk).update(buyer_read_at=now)
        conversation.buyer_read_at = now
    elif user.pk == conversation.dealer_id:
        Conversation.objects.filter(pk=conversation.pk).update(dealer_read_at=now)
        conversation.dealer_read_at = now


# --- copies of other apps' nightly results (insights) ------------------------------------------------


def _set_per_row(field: str, values: dict[int, object], *, key: str) -> int:
    """Write ``field`` for the rows whose value changed (grouped: one UPDATE per distinct value); their
    ``updated_at`` moves (the cards' cache key) and the catalogue's page-cache version with it."""
    current = dict(Listing.objects.filter(**{f"{key}__in": list(values)}).values_list(key, field).distinct())
    by_value: dict[object, list[int]] = {}
    for row_key, value in values.items():
        if current.get(row_key, object()) != value:
            by_value.setdefault(value, []).append(row_key)
    changed = 0
    for value, keys in by_value.items():
        changed += Listing.objects.filter(**{f"{key}__in": keys}).update(**{field: value, "updated_at": timezone.now()})
    if changed:
        pagecache.bump("catalogue", "dealers")
    return changed


@transaction.atomic
def listings_record_inspection(
    *, vehicle_id: int, grade: int, is_accident: bool, is_flood: bool, is_fire: bool, summary: dict
) -> int:
    """A report on the car was published: its grade and verdicts (filters, cards) and its summary (the car's page)
    go onto the car's active listings. Returns how many listings were changed."""
    changed = 0
    for listing in Listing.objects.filter(vehicle_id=vehicle_id, status__in=Listing.ACTIVE_STATUSES):
        listing.inspection_grade, listing.report_summary = grade, summary
        listing.is_accident, listing.is_flood, listing.is_fire = is_accident, is_flood, is_fire
        listing.save(update_fields=["inspection_grade", "is_accident", "is_flood", "is_fire", "report_summary"])
        changed += 1
    return changed


@transaction.atomic
def listings_set_dealer_scores(*, scores: dict[int, int | None]) -> int:
    """Record each dealer's credit score on their listings (cards show it). ``scores``: {dealer id: score}."""
    return _set_per_row("dealer_score", scores, key="dealer_id")


@transaction.atomic
def listings_set_price_badges(*, badges: dict[int, str]) -> int:
    """Record each car's price-fairness badge code on the listing (cards show it). ``badges``: {listing id: code}."""
    return _set_per_row("price_badge", badges, key="id")
