"""Plausibility rules for a car and its asking price, reported per field in the dealer's language.

Rules chosen (and why):
- Model year: 1990 … next year. Chinese model years (年款) go on sale in the autumn before, so a
  "2027款" can legitimately be registered in 2026; anything later is a typo.
- First registration: not in the future, and not before 1 January of the year *before* the model year
  (for the same reason). A registration two or more years before the model year is refused.
- Mileage: at most 1,000,000 km; a car registered over a year ago with 0 km is refused as a typo.
- Price: ¥1,000 … ¥10,000,000 (whole yuan). Anything outside is almost certainly a wrong unit.
- Engine / battery must fit the fuel: petrol, diesel and hybrids need a displacement (0.6–8.0 L),
  EVs and PHEVs need a battery (5–250 kWh), EVs have no displacement and no emission standard.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .vin import validate_vin

MIN_YEAR = 1990
MAX_MILEAGE_KM = 1_000_000
MIN_PRICE = Decimal("1000")
MAX_PRICE = Decimal("10000000")


def vehicle_errors(vehicle) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    today = timezone.localdate()
    if vehicle.vin:
        try:
            vehicle.vin = validate_vin(vehicle.vin)
        except ValidationError as exc:
            add("vin", exc.messages[0])
    if vehicle.year is not None:
        if vehicle.year > today.year + 1:
            add("year", _("The model year cannot be later than %(year)d.") % {"year": today.year + 1})
        elif vehicle.year < MIN_YEAR:
            add("year", _("We list cars from model year %(year)d onwards.") % {"year": MIN_YEAR})
    reg = vehicle.first_registration
    if isinstance(reg, dt.date):
        if reg > today:
            add("first_registration", _("The first registration date cannot be in the future."))
        elif vehicle.year and reg.year < vehicle.year - 1:
            add(
                "first_registration",
                _("A %(year)d model-year car cannot have been registered before %(earliest)d.")
                % {"year": vehicle.year, "earliest": vehicle.year - 1},
            )
    if vehicle.mileage_km is not None:
        if vehicle.mileage_km > MAX_MILEAGE_KM:
            add(
                "mileage_km",
                _("%(km)s km is not a plausible mileage; please enter kilometres.") % {"km": f"{vehicle.mileage_km:,}"},
            )
        elif vehicle.mileage_km == 0 and isinstance(reg, dt.date) and (today - reg).days > 365:
            add("mileage_km", _("A car registered over a year ago cannot show 0 km."))
    fuel = vehicle.fuel
    disp = vehicle.engine_displacement_l
    battery = vehicle.battery_kwh
    if fuel in ("petrol", "diesel", "hybrid", "phev"):
        if disp is None:
            add("engine_displacement_l", _("Enter the engine displacement for a car with an engine."))
        elif not (Decimal("0.6") <= Decimal(disp) <= Decimal("8.0")):
            add("engine_displacement_l", _("Engine displacement must be between 0.6 and 8.0 L."))
    if fuel == "ev" and disp:
        add("engine_displacement_l", _("An electric car has no engine displacement; leave it empty."))
    if fuel in ("ev", "phev"):
        if battery is None:
            add("battery_kwh", _("Enter the battery capacity of an electric or plug-in hybrid car."))
        elif not (Decimal("5") <= Decimal(battery) <= Decimal("250")):
            add("battery_kwh", _("Battery capacity must be between 5 and 250 kWh."))
    if fuel == "ev" and vehicle.emission_standard and vehicle.emission_standard != "none":
        add("emission_standard", _("Electric cars have no emission standard; choose “Not applicable”."))
    if fuel and fuel != "ev" and vehicle.emission_standard == "none":
        add("emission_standard", _("Choose the emission standard (国五 / 国六) of a car with an engine."))
    if vehicle.seats is not None and not (2 <= vehicle.seats <= 9):
        add("seats", _("A passenger car has between 2 and 9 seats."))
    if vehicle.previous_owners is not None and vehicle.previous_owners > 15:
        add("previous_owners", _("More than 15 previous owners is not plausible."))
    return errors


def listing_errors(listing) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    price = listing.price
    if price is not None:
        if price < MIN_PRICE:
            errors["price"] = [_("The asking price must be at least ¥1,000 (prices are in whole yuan, not 万).")]
        elif price > MAX_PRICE:
            errors["price"] = [_("¥%(price)s is not a plausible price; enter the price in yuan.") % {"price": f"{price:,.0f}"}]
    return errors
