"""Reads for the marketplace pages: browse, detail, compare, the dealer workspace and conversations.

Each page runs a constant number of queries whatever its size; cover thumbnails are a column of the listing.
The browse page's read path is ``marketplace.browse``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F
from django.utils.translation import gettext_lazy as _

from accounts.masking import can_see_personal_data, mask_phones_in_text

from .models import Conversation, Favourite, Listing, Message


def tray_listings(ids: list[int]) -> list[Listing]:
    """The compare / recently viewed chips: one query, in the session's order, with the cover path."""
    if not ids:
        return []
    rows = Listing.objects.viewable().filter(pk__in=ids).select_related("vehicle").defer(*Listing.PAGE_COPIES)
    by_id = {row.pk: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def listing_for_detail(*, pk: int, user) -> Listing:
    """One listing the user may see, with everything the page shows, in one query: the gallery and the inspection
    summary are copies on the listing row (kept by the photo services and the inspections app); the long search
    tokens are not read."""
    queryset = (
        Listing.objects.visible_to(user)
        .with_viewer_flags(user)
        .select_related("vehicle", "dealer", "dealer__dealer_profile", "dealer__dealer_score", "price_assessment")
    )
    return queryset.defer("search_text", "vehicle__created_at", "vehicle__updated_at").get(pk=pk)


@dataclass
class CompareRow:
    label: str
    cells: list[str]
    best: set[int] = field(default_factory=set)

    @property
    def differs(self) -> bool:
        return len(set(self.cells)) > 1


def compare_listings(ids: list[int]) -> list[Listing]:
    return tray_listings(ids)


def compare_rows(listings: list[Listing]) -> list[CompareRow]:
    """Every attribute in a row; rows whose cells differ are flagged; best price, mileage and year marked."""
    from core.templatetags.money import cny, km

    from .vocabularies import city_name, colour_name, trim_label

    def best_of(values, pick):
        if len(values) < 2:
            return set()
        target = pick(values)
        if all(v == target for v in values):
            return set()
        return {i for i, v in enumerate(values) if v == target}

    vehicles = [listing.vehicle for listing in listings]
    rows = [
        CompareRow(_("Price"), [cny(li.price) for li in listings], best_of([li.price for li in listings], min)),
        CompareRow(_("Model year"), [str(v.year) for v in vehicles], best_of([v.year for v in vehicles], max)),
        CompareRow(_("Mileage"), [km(v.mileage_km) for v in vehicles], best_of([v.mileage_km for v in vehicles], min)),
        CompareRow(_("First registration"), [v.first_registration.strftime("%Y-%m") for v in vehicles]),
        CompareRow(_("Trim"), [trim_label(v.trim) or "—" for v in vehicles]),
        CompareRow(_("Fuel"), [str(v.get_fuel_display()) for v in vehicles]),
        CompareRow(_("Transmission"), [str(v.get_transmission_display()) for v in vehicles]),
        CompareRow(_("Body type"), [str(v.get_body_type_display()) for v in vehicles]),
        CompareRow(_("Engine"), [f"{v.engine_displacement_l} L" if v.engine_displacement_l else "—" for v in vehicles]),
        CompareRow(_("Battery"), [f"{v.battery_kwh} kWh" if v.battery_kwh else "—" for v in vehicles]),
        CompareRow(_("Emission standard"), [str(v.get_emission_standard_display()) for v in vehicles]),
        CompareRow(_("Seats"), [str(v.seats) for v in vehicles]),
        CompareRow(
            _("Previous owners"), [str(v.previous_owners) for v in vehicles], best_of([v.previous_owners for v in vehicles], min)
        ),
        CompareRow(_("Colour"), [colour_name(v.colour) for v in vehicles]),
        CompareRow(_("City"), [city_name(v.city) for v in vehicles]),
        CompareRow(
            _("Inspection grade"),
            [str(li.inspection_grade) if li.inspection_grade else "—" for li in listings],
            best_of([li.inspection_grade or 99 for li in listings], min)
            if all(li.inspection_grade for li in listings)
            else set(),
        ),
        CompareRow(
            _("Accident / flood / fire"),
            [
                ", ".join(
                    str(label)
                    for flag, label in ((li.is_accident, _("accident")), (li.is_flood, _("flood")), (li.is_fire, _("fire")))
                    if flag
                )
                or str(_("None"))
                for li in listings
            ],
        ),
    ]
    return rows


def dealer_listings(*, dealer, status: str | None):
    queryset = Listing.objects.owned_by(dealer).select_related("vehicle").annotate(photo_count=Count("photos"))
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-updated_at", "-pk")


def dealer_status_counts(*, dealer) -> dict[str, int]:
    """{status: n} for the workspace tabs, one grouped query."""
    rows = Listing.objects.owned_by(dealer).order_by().values("status").annotate(n=Count("pk"))
    counts = dict.fromkeys(Listing.Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def favourites_of(user):
    return (
        Favourite.objects.filter(user=user)
        .select_related("listing", "listing__vehicle", "listing__dealer", "listing__dealer__dealer_profile")
        .annotate(cover_thumb=F("listing__cover_thumb"))
        .order_by("-created_at", "-pk")
    )


def conversations_for(user):
    return (
        Conversation.objects.visible_to(user)
        .select_related("listing", "listing__vehicle", "buyer", "dealer", "dealer__dealer_profile")
        .annotate(cover_thumb=F("listing__cover_thumb"))
        .order_by("-last_message_at", "-pk")
    )


def reservation_exists(conversation: Conversation) -> bool:
    """A live (not cancelled) order of this buyer for this listing — read through the reverse accessor."""
    orders = getattr(conversation.listing, "orders", None)
    if orders is None:
        return False
    return orders.exclude(status=orders.model.Status.CANCELLED).filter(buyer_id=conversation.buyer_id).exists()


def message_text_for(message: Message, *, viewer, reservation: bool | None = None) -> str:
    """Phone numbers are masked for everyone but the sender (and authorised staff) until a reservation exists."""
    if viewer is not None and (viewer.pk == message.sender_id or can_see_personal_data(viewer, message.sender)):
        return message.body
    if reservation is None:
        reservation = reservation_exists(message.conversation)
    return message.body if reservation else mask_phones_in_text(message.body)


def thread_for(conversation: Conversation, *, viewer) -> list[tuple[Message, str]]:
    """(message, text as ``viewer`` may see it); one query for messages, one for the reservation check."""
    messages = list(conversation.messages.select_related("sender"))
    reservation = reservation_exists(conversation) if messages else False
    return [(m, message_text_for(m, viewer=viewer, reservation=reservation)) for m in messages]
