"""The buyer features' objects in the authorization world (tests/security/world.py): a saved search and a viewing
of `buyer` on `dealer`'s published car, and the saved search's unsubscribe token."""

from __future__ import annotations

from django.utils import timezone


def add_buyer_features(world) -> None:
    from marketplace import appointments, saved_searches
    from marketplace.appointments.hours import free_slots
    from marketplace.models import Listing

    buyer, ids = world.users["buyer"], world.ids
    search = saved_searches.saved_search_create(user=buyer, params="make=Toyota&price_max=200000", name="Toyotas")
    ids["saved_search"] = search.pk
    ids["unsubscribe_token"] = saved_searches.unsubscribe_token(search)
    listing = Listing.objects.get(pk=ids["listing"])
    now = timezone.now()
    first = next(iter(sorted(free_slots(listing=listing, now=now).items())))[1][0]
    ids["appointment"] = appointments.appointment_book(listing=listing, buyer=buyer, starts_at=first.starts_at, now=now).pk
