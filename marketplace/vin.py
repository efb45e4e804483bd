"""VIN validation per ISO 3779 / GB 16735: 17 characters, no I/O/Q, check digit in position 9.

GB 16735 makes the check digit mandatory for every vehicle sold in China, so unlike vininfo's
``verify_checksum`` (which gives up for manufacturers that skip it elsewhere) we always require it.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from vininfo import Vin
from vininfo.exceptions import ValidationError as VinInfoError

from . import catalogue

_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_ALLOWED = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


def normalise_vin(value: str) -> str:
    return re.sub(r"[\s-]", "", value or "").upper()


def check_digit(vin: str) -> str:
    """The ISO 3779 check character for a 17-character VIN (position 9 is ignored: weight 0)."""
    remainder = sum(_VALUES[c] * w for c, w in zip(vin, _WEIGHTS, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(value: str) -> str:
    """Return the normalised VIN or raise ``ValidationError`` saying exactly what is wrong."""
    vin = normalise_vin(value)
    if len(vin) != 17:
        raise ValidationError(
            _("A VIN has exactly 17 characters; this one has %(n)d.") % {"n": len(vin)},
            code="vin_length",
        )
    forbidden = sorted(set(vin) & set("IOQ"))
    if forbidden:
        raise ValidationError(
            _("A VIN never contains the letters I, O or Q (found %(letters)s) — did you mean 1 or 0?")
            % {"letters": ", ".join(forbidden)},
            code="vin_letters",
        )
    if not _ALLOWED.match(vin):
        raise ValidationError(_("A VIN contains only the letters A–Z (without I, O, Q) and digits."), code="vin_chars")
    try:
        Vin(vin)  # vininfo's structural parse (WMI/VDS/VIS)
    except VinInfoError:
        raise ValidationError(_("This is not a valid VIN."), code="vin_invalid")
    expected = check_digit(vin)
    if vin[8] != expected:
        raise ValidationError(
            _("The check digit (9th character) should be %(expected)s, not %(actual)s. Please re-check the VIN.")
            % {"expected": expected, "actual": vin[8]},
            code="vin_check_digit",
        )
    return vin


def manufacturer(vin: str) -> str:
    """The manufacturer vininfo reads from the WMI, or "" (shown as a hint on the car form)."""
    try:
        return str(Vin(normalise_vin(vin)).manufacturer or "")
    except (VinInfoError, KeyError, AttributeError):
        return ""


def vin_facts(vin: str, *, latest_year: int) -> dict[str, str | int]:
    """What a valid VIN says about the car (the dealer's form fills them in): the make — the catalogue's name for
    the WMI (its Chinese joint ventures' codes), else the catalogue make vininfo's manufacturer names — and the
    model year from the 10th character (the latest of its 30-year cycle not after ``latest_year``). Only what is
    known: an empty dict for a VIN it cannot read."""
    vin = normalise_vin(vin)
    if not _ALLOWED.match(vin):
        return {}
    facts: dict[str, str | int] = {}
    make = catalogue.make_for_wmi(vin[:3])
    try:
        decoded = Vin(vin)
        if not make:
            make = catalogue.make_for_manufacturer(str(decoded.manufacturer or ""))
        years = [year for year in decoded.years if year <= latest_year]
    except (VinInfoError, KeyError, AttributeError, ValueError):
        years = []
    if make:
        facts["make"] = make
    if years:
        facts["year"] = max(years)
    return facts
